import { appEnvelope } from './contract.js';
import type { Counters } from './counters.js';
import type { GatewayDatabase, GwDb } from './db.js';
import { afterFailure, type RetryPolicy } from './domain.js';
import { AppPoster } from './post.js';
import { advanceLane, dueHeads, followers, markDead, markDelivered, markRetry, type EventRow } from './repo.js';
import { toWireJson } from '../../core/wire-json.js';
import { sign } from './signature.js';
import type { Json } from './wire.js';
import type { WriteBatcher } from './write-batch.js';

export interface ForwarderOptions {
  appUrl: string;
  appSecret: string;
  /** Lanes (numbers) in flight at once. */
  concurrency: number;
  maxBatch: number;
  timeoutMs: number;
  pollMs: number;
  retry: RetryPolicy;
}

/**
 * Delivers the queue to the app. Each lane (a number) has at most one POST in flight, holding its
 * oldest pending events, so the app sees a number's events in the order the gateway accepted them;
 * the next goes only after the app answered 2xx or the head was dead-lettered. Different numbers
 * are delivered in parallel.
 *
 * The lanes in flight are held in memory, not leased in the database: one process owns the
 * database (see docs), and after a crash nothing is in flight, so a lease row would add a commit
 * (an fsync) per claim and protect nothing. An event stays pending until its outcome is committed,
 * so a crash mid-POST sends it again (at-least-once; `X-Switchboard-Event-Ids` lets the app tell).
 */
export class Forwarder {
  private running = false;
  private pumping = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  /** Lanes with a POST in flight. */
  private readonly busy = new Set<string>();
  private readonly settled = new Set<() => void>();
  private readonly poster: AppPoster;

  constructor(
    private readonly db: GwDb,
    private readonly writes: WriteBatcher<GatewayDatabase>,
    private readonly options: ForwarderOptions,
    private readonly now: () => number,
    private readonly counters: Counters,
  ) {
    this.poster = new AppPoster(options.appUrl, options.timeoutMs, options.concurrency);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  /** Stops claiming and waits for the POSTs in flight to be answered and recorded. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    while (this.busy.size > 0 || this.pumping) await new Promise<void>((resolve) => this.settled.add(resolve));
    this.poster.close();
  }

  /** Something was enqueued or answered: look for work now. */
  wake(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
      this.notifySettled();
      if (!this.running) return;
      if (this.again) {
        this.again = false;
        this.wake();
      } else {
        this.timer = setTimeout(() => this.wake(), this.options.pollMs);
      }
    });
  }

  private notifySettled(): void {
    for (const resolve of this.settled) resolve();
    this.settled.clear();
  }

  private async pump(): Promise<void> {
    try {
      while (this.running && this.busy.size < this.options.concurrency) {
        const batches = await this.claim(this.options.concurrency - this.busy.size);
        if (batches.length === 0) return;
        for (const batch of batches) {
          const lane = batch[0]?.lane ?? '';
          this.busy.add(lane);
          void this.deliver(batch).finally(() => {
            this.busy.delete(lane);
            this.notifySettled();
            this.wake();
          });
        }
      }
    } catch (err) {
      // A closing database during shutdown; anything else is retried on the next poll.
      if (this.running) console.error('webhook gateway forwarder:', err);
    }
  }

  /** The due heads of up to `lanes` idle lanes, each with the events right behind it (reads only). */
  private async claim(lanes: number): Promise<EventRow[][]> {
    const now = this.now();
    const heads = await dueHeads(this.db, now, lanes, this.busy);
    const batches: EventRow[][] = [];
    for (const head of heads) {
      const more = this.options.maxBatch > 1 ? await followers(this.db, head, now, this.options.maxBatch - 1) : [];
      batches.push([head, ...more]);
    }
    return batches;
  }

  private async deliver(batch: EventRow[]): Promise<void> {
    const body = toWireJson(appEnvelope(batch.map((e) => ({ wabaId: e.waba_id, field: e.field, value: JSON.parse(e.value) as Json, entryTime: e.entry_time }))));
    let error: string | null = null;
    try {
      const status = await this.poster.post(body, {
        'x-hub-signature-256': sign(body, this.options.appSecret),
        'user-agent': 'Switchboard-Webhook-Gateway/1.0',
        'x-switchboard-event-ids': batch.map((e) => e.id).join(','),
      });
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    try {
      this.counters.add(await this.writes.run((tx) => this.record(tx, batch, error)));
    } catch (err) {
      // Unrecorded: the batch stays pending and is sent again (at-least-once).
      if (this.running) console.error('webhook gateway: recording a delivery failed:', err);
    }
  }

  /** Commits the outcome of a POST; returns what to count once it is committed. */
  private async record(tx: GwDb, batch: readonly EventRow[], error: string | null): Promise<Record<string, number>> {
    const counts = await this.outcome(tx, batch, error);
    await advanceLane(tx, batch[0]?.lane ?? '');
    return counts;
  }

  private async outcome(tx: GwDb, batch: readonly EventRow[], error: string | null): Promise<Record<string, number>> {
    const now = this.now();
    if (error === null) {
      await markDelivered(
        tx,
        batch.map((e) => e.id),
        now,
      );
      return { 'delivery.delivered': batch.length, 'delivery.posts': 1 };
    }
    let dead = 0;
    for (const e of batch) {
      const attempts = e.attempts + 1;
      const next = afterFailure(attempts, e.received_at, now, this.options.retry);
      if (next.dead) {
        dead += 1;
        await markDead(tx, e.id, attempts, now, error);
      } else await markRetry(tx, e.id, attempts, next.nextAttemptAt, error);
    }
    return { 'delivery.failed_attempts': batch.length, 'delivery.dead': dead, 'delivery.posts': 1 };
  }
}
