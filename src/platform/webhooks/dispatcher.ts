import type { Clock } from '../../core/clock.js';
import type { Store } from '../../store/database.js';
import { sql } from 'kysely';
import { DUE_EVENT_COLUMNS, planRound, type BatchOutcome, type DueEvent } from './delivery.js';
import type { Outbox } from './outbox.js';
import { inlinePoster, ThreadPoster, type Poster } from './poster.js';

export interface DispatcherOptions {
  /** Most events per POST; Meta batches up to 1000 updates, SDK parsers often read only the first. */
  maxBatch: number;
  /** Parallel delivery lanes per target URL (a number's events always use the same lane). */
  concurrency: number;
  /** Most events claimed per round. */
  claimLimit: number;
  pollMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Give up (dead-letter) once an event is older than this: Meta retries for up to 7 days. */
  maxAgeMs: number;
  timeoutMs: number;
  /** Build, sign and send POSTs on a worker thread (poster.ts) instead of the API's thread. */
  deliveryThread: boolean;
}

export const defaultDispatcherOptions: DispatcherOptions = {
  maxBatch: 1,
  concurrency: 32,
  claimLimit: 512,
  pollMs: 250,
  retryBaseMs: 1000,
  retryMaxMs: 15 * 60 * 1000,
  maxAgeMs: 7 * 24 * 60 * 60 * 1000,
  timeoutMs: 10_000,
  deliveryThread: true,
};

interface Attempt extends Omit<BatchOutcome, 'startedWallMs'> {
  started: number;
}

/** Capped exponential backoff: base·2^(attempt-1), at most `max`. */
export function retryDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Delivers the outbox: claims due events (processes sharing a database with a lease, so a crash
 * mid-delivery only delays them; one process by taking rounds in turn), batches them per target URL,
 * has the poster sign and send each body, and records every attempt here — the only writer.
 * Delivery is at-least-once: an event is marked delivered only after a 2xx answer.
 */
export class WebhookDispatcher {
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private wakeRequested = false;
  private unsubscribe: (() => void) | undefined;
  /** The round in progress (single-process stores run one round at a time). */
  private round: Promise<unknown> = Promise.resolve();
  /** Every round not yet recorded, whoever started it (drain waits for them, not for the polling loop). */
  private readonly inFlight = new Set<Promise<number>>();
  private readonly poster: Poster;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    outbox: Outbox,
    private readonly options: DispatcherOptions,
    /** Wall time for leases (see deliverDue); tests pass their own. */
    private readonly wallClock: Clock = { now: Date.now },
  ) {
    this.unsubscribe = outbox.onEnqueue(() => this.wake());
    this.poster = options.deliveryThread ? new ThreadPoster() : inlinePoster;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.loop;
    await this.poster.close();
  }

  /**
   * At start-up, leases left by a process that died mid-delivery are released at once instead of
   * after their timeout (found by the crash tests). Only for a database one process owns (SQLite):
   * on a shared database another live process may hold them, so they expire instead.
   */
  async releaseLeases(): Promise<number> {
    const result = await this.store.db.updateTable('webhook_events').set({ lease_until: null }).where('status', '=', 'pending').where('lease_until', 'is not', null).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Delivers everything due when it is called, once (tests and benchmarks use it to wait for
   * quiescence; so does POST /_switchboard/webhook-deliveries/flush). A failed event is rescheduled
   * after that moment, so an endpoint that keeps failing or never answers cannot keep a drain going:
   * it used to wait for the polling loop, whose rounds against such an endpoint found one another's
   * events due again and never ended.
   */
  async drain(): Promise<void> {
    const dueBy = this.clock.now();
    let attempted: number;
    do {
      // Rounds in flight hold their events (leases, or the one-at-a-time turn): let them finish and
      // record first, or "drained" would be said while those events still show pending.
      await this.settleInFlight();
      attempted = await this.deliverDue(dueBy);
    } while (attempted > 0);
    await this.settleInFlight();
  }

  private async settleInFlight(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private wake(): void {
    if (!this.running) return;
    if (this.loop) {
      this.wakeRequested = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      if (!this.running) return;
      if (this.wakeRequested) {
        this.wakeRequested = false;
        this.wake();
      } else {
        this.timer = setTimeout(() => this.wake(), this.options.pollMs);
      }
    });
  }

  private async run(): Promise<void> {
    try {
      while (this.running && (await this.deliverDue()) > 0) {
        this.wakeRequested = false;
      }
    } catch (err) {
      // The store may be closing during shutdown; anything else is retried on the next poll.
      if (this.running) console.error('webhook dispatcher:', err);
    }
  }

  /**
   * One round: claim events due by `dueBy` (emulator time, default now), deliver them grouped by
   * target. Returns how many were attempted.
   */
  deliverDue(dueBy?: number): Promise<number> {
    const round = this.startRound(dueBy);
    this.inFlight.add(round);
    void round.finally(() => this.inFlight.delete(round)).catch(() => undefined);
    return round;
  }

  private startRound(dueBy: number | undefined): Promise<number> {
    if (this.store.caps.sharedByProcesses) return this.deliverRound(() => this.claimWithLeases(dueBy ?? this.clock.now()));
    // One process owns the database: running its rounds one at a time is all the claim it needs (no
    // lease writes), and a number's events cannot overtake each other between rounds.
    const { poster } = this;
    const file = this.store.file;
    const round = this.round.then(() => {
      const cutoff = dueBy ?? this.clock.now();
      return poster instanceof ThreadPoster && file !== undefined ? this.threadRound(poster, file, cutoff) : this.deliverRound(() => this.dueEvents(cutoff));
    });
    this.round = round.catch(() => undefined);
    return round;
  }

  private async deliverRound(claim: () => Promise<DueEvent[]>): Promise<number> {
    const due = await claim();
    if (due.length === 0) return 0;
    const secrets = await this.appSecrets([...new Set(due.map((e) => e.app_id))]);
    const clockOffset = this.clock.now() - Date.now();
    return this.record(await this.poster.deliver(planRound(due, this.options, secrets), this.options.timeoutMs), clockOffset);
  }

  /** The delivery thread reads the due events itself, off this thread; this thread only records. */
  private async threadRound(poster: ThreadPoster, file: string, dueBy: number): Promise<number> {
    // A barrier: whatever was enqueued before now is committed, so the thread's connection sees it.
    await this.store.transaction(() => Promise.resolve());
    const clockOffset = this.clock.now() - Date.now();
    const shape = { concurrency: this.options.concurrency, maxBatch: this.options.maxBatch };
    return this.record(await poster.round(file, dueBy, this.options.claimLimit, shape, this.options.timeoutMs), clockOffset);
  }

  private dueEvents(dueBy: number): Promise<DueEvent[]> {
    return this.store.db
      .selectFrom('webhook_events')
      .select(DUE_EVENT_COLUMNS)
      // A literal, so that SQLite may use the partial index of pending events (a parameter may not).
      .where('status', '=', sql.lit('pending'))
      .where('next_attempt_at', '<=', dueBy)
      .orderBy('id')
      .limit(this.options.claimLimit)
      .execute();
  }

  /** Processes sharing the database lease what they claim, so no two deliver the same event. */
  private claimWithLeases(dueBy: number): Promise<DueEvent[]> {
    // Leases guard against a live process delivering an event twice, so they run on wall time: moving
    // the emulator's clock (which schedules retries) must not expire a POST that is still in flight.
    const wallNow = this.wallClock.now();
    return this.store.transaction(async (tx) => {
      const rows = await tx
        .selectFrom('webhook_events')
        .select(DUE_EVENT_COLUMNS)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', dueBy)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', wallNow)]))
        // A number's events stay in order, so none is claimed while another process has an earlier
        // one of the same number and target in flight. The claim runs serializable, so two processes
        // cannot both pass this check on the same number.
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('webhook_events as earlier')
                .select('earlier.id')
                .whereRef('earlier.phone_number_id', '=', 'webhook_events.phone_number_id')
                .whereRef('earlier.target_url', '=', 'webhook_events.target_url')
                .whereRef('earlier.id', '<', 'webhook_events.id')
                .where('earlier.status', '=', 'pending')
                .where('earlier.lease_until', '>', wallNow),
            ),
          ),
        )
        .orderBy('id')
        .limit(this.options.claimLimit)
        .execute();
      if (rows.length > 0) {
        await tx
          .updateTable('webhook_events')
          .set({ lease_until: wallNow + this.options.timeoutMs * 2 })
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .execute();
      }
      return rows;
    });
  }

  private async appSecrets(appIds: string[]): Promise<Map<string, string>> {
    const rows = await this.store.db.selectFrom('apps').select(['id', 'app_secret']).where('id', 'in', appIds).execute();
    return new Map(rows.map((r) => [r.id, r.app_secret]));
  }

  /**
   * Writes a round's attempts and their outcomes in one transaction; returns how many events were
   * attempted. `clockOffset` maps the wall time a POST started onto the emulator's clock.
   */
  private async record(outcomes: readonly BatchOutcome[][], clockOffset: number): Promise<number> {
    const attempts: Attempt[] = outcomes.flat().map(({ startedWallMs, ...rest }) => ({ ...rest, started: startedWallMs + clockOffset }));
    if (attempts.length === 0) return 0;
    const now = this.clock.now();
    await this.store.transaction(async (tx) => {
      await tx
        .insertInto('webhook_attempts')
        .values(
          attempts.map((a) => ({
            app_id: a.events[0]?.app_id ?? '',
            event_ids: JSON.stringify(a.events.map((e) => e.id)),
            url: a.events[0]?.target_url ?? '',
            payload: a.body,
            signature: a.signature,
            started_at: a.started,
            duration_ms: a.durationMs,
            http_status: a.httpStatus,
            error: a.error,
            response_snippet: a.snippet,
          })),
        )
        .execute();
      const delivered = attempts.filter((a) => a.error === null).flatMap((a) => a.events.map((e) => e.id));
      if (delivered.length > 0) {
        await tx.updateTable('webhook_events').set({ status: 'delivered', delivered_at: now, lease_until: null }).where('id', 'in', delivered).execute();
      }
      for (const a of attempts) {
        if (a.error === null) continue;
        for (const e of a.events) {
          const attemptNo = e.attempts + 1;
          const dead = now - e.created_at >= this.options.maxAgeMs;
          await tx
            .updateTable('webhook_events')
            .set({
              attempts: attemptNo,
              status: dead ? 'dead' : 'pending',
              next_attempt_at: now + retryDelay(attemptNo, this.options.retryBaseMs, this.options.retryMaxMs),
              lease_until: null,
              last_error: a.error,
            })
            .where('id', '=', e.id)
            .execute();
        }
      }
    });
    return attempts.reduce((n, a) => n + a.events.length, 0);
  }
}
