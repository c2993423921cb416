import type { Clock } from '../../core/clock.js';
import type { Store } from '../../store/database.js';
import type { WebhookEvent } from '../../store/schema.js';
import { cloudEnvelope } from './cloud-format.js';
import { postJson } from './http-post.js';
import { mergeOnpremPayloads } from '../onprem/format.js';
import type { Outbox } from './outbox.js';
import { serializeWebhookBody, signatureHeader } from './signature.js';

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
};

interface Attempt {
  events: WebhookEvent[];
  started: number;
  durationMs: number;
  body: string;
  signature: string;
  httpStatus: number | null;
  error: string | null;
  snippet: string | null;
}

/** Capped exponential backoff: base·2^(attempt-1), at most `max`. */
export function retryDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Splits due events into lanes: same target URL and same phone number always share a lane, and a
 * batch never mixes targets. Up to `width` lanes per target give parallelism across numbers.
 */
export function lanes(events: readonly WebhookEvent[], width: number): Map<string, WebhookEvent[]> {
  const out = new Map<string, WebhookEvent[]>();
  for (const e of events) {
    const k = `${e.app_id} ${e.format} ${e.target_url} ${laneOf(e.phone_number_id ?? e.waba_id, width)}`;
    const list = out.get(k);
    if (list) list.push(e);
    else out.set(k, [e]);
  }
  return out;
}

function laneOf(key: string, width: number): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return Math.abs(h) % width;
}

/**
 * Delivers the outbox: claims due events with a lease (so a crash mid-delivery only delays them),
 * batches them per target URL, signs each body with the app secret, and records every attempt.
 * Delivery is at-least-once: an event is marked delivered only after a 2xx answer.
 */
export class WebhookDispatcher {
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private wakeRequested = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    outbox: Outbox,
    private readonly options: DispatcherOptions,
    /** Wall time for leases (see deliverDue); tests pass their own. */
    private readonly wallClock: Clock = { now: Date.now },
  ) {
    this.unsubscribe = outbox.onEnqueue(() => this.wake());
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

  /** Delivers everything due now (tests and benchmarks use it to wait for quiescence). */
  async drain(): Promise<void> {
    // A round already in flight holds its events' leases: let it finish and record its outcomes
    // first, or "drained" would be said while those events still show pending.
    await this.loop;
    while ((await this.deliverDue()) > 0) {
      /* keep going until nothing is due */
    }
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

  /** One round: claim due events, deliver them grouped by target. Returns how many were attempted. */
  async deliverDue(): Promise<number> {
    const now = this.clock.now();
    // Leases guard against a live process delivering an event twice, so they run on wall time: moving
    // the emulator's clock (which schedules retries) must not expire a POST that is still in flight.
    const wallNow = this.wallClock.now();
    const limit = this.options.claimLimit;
    const due = await this.store.transaction(async (tx) => {
      const rows = await tx
        .selectFrom('webhook_events')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', wallNow)]))
        // Processes sharing the database: a number's events stay in order, so none is claimed while
        // another process has an earlier one of the same number and target in flight. The claim runs
        // serializable, so two processes cannot both pass this check on the same number.
        .$if(this.store.caps.sharedByProcesses, (qb) =>
          qb.where(({ not, exists, selectFrom }) =>
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
          ),
        )
        .orderBy('id')
        .limit(limit)
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
    if (due.length === 0) return 0;

    const secrets = await this.appSecrets([...new Set(due.map((e) => e.app_id))]);
    const attempts = (await Promise.all([...lanes(due, this.options.concurrency).values()].map((lane) => this.deliverLane(lane, secrets)))).flat();
    await this.record(attempts);
    return due.length;
  }

  /** A lane is sequential (so one number's events keep their order); lanes run in parallel. */
  private async deliverLane(events: WebhookEvent[], secrets: Map<string, string>): Promise<Attempt[]> {
    const attempts: Attempt[] = [];
    for (let i = 0; i < events.length; i += this.options.maxBatch) {
      attempts.push(await this.deliverBatch(events.slice(i, i + this.options.maxBatch), secrets));
    }
    return attempts;
  }

  private async appSecrets(appIds: string[]): Promise<Map<string, string>> {
    const rows = await this.store.db.selectFrom('apps').select(['id', 'app_secret']).where('id', 'in', appIds).execute();
    return new Map(rows.map((r) => [r.id, r.app_secret]));
  }

  private async deliverBatch(events: WebhookEvent[], secrets: Map<string, string>): Promise<Attempt> {
    const first = events[0] as WebhookEvent;
    // On-Prem deployments post bare, unsigned payloads to their own webhook URL (api-facts D.3).
    const onprem = first.format === 'onprem';
    const values = events.map((e) => JSON.parse(e.value) as Record<string, unknown>);
    const body = serializeWebhookBody(
      onprem ? mergeOnpremPayloads(values) : cloudEnvelope(events.map((e, i) => ({ wabaId: e.waba_id, field: e.field, value: values[i], at: e.created_at }))),
    );
    const signature = onprem ? '' : signatureHeader(body, secrets.get(first.app_id) ?? '');
    const headers: Record<string, string> = onprem ? { 'user-agent': 'WhatsApp-OnPremises' } : { 'x-hub-signature-256': signature, 'user-agent': 'facebookexternalua' };
    const started = this.clock.now();
    const t0 = performance.now();
    let httpStatus: number | null = null;
    let error: string | null = null;
    let snippet: string | null = null;
    try {
      const res = await postJson(first.target_url, body, headers, this.options.timeoutMs);
      httpStatus = res.status;
      snippet = res.snippet;
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    return { events, started, durationMs: Math.round(performance.now() - t0), body, signature, httpStatus, error, snippet };
  }

  /** Writes a round's attempts and their outcomes in one transaction. */
  private async record(attempts: readonly Attempt[]): Promise<void> {
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
  }
}
