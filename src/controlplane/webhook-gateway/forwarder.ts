import { appEnvelope } from './contract.js';
import type { GatewayDatabase, GwDb } from './db.js';
import { afterFailure, type RetryPolicy } from './domain.js';
import { AppPoster } from './post.js';
import { bumpCounters, dueHeads, followers, lease, markDead, markDelivered, markRetry, type EventRow } from './repo.js';
import { sign, toWireJson } from './signature.js';
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
 * are delivered in parallel. Claims take a lease, so a crash mid-POST only delays (at-least-once:
 * the app may see an event again after a crash; `X-Switchboard-Event-Ids` lets it tell).
 */
export class Forwarder {
  private running = false;
  private pumping = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly settled = new Set<() => void>();
  private readonly poster: AppPoster;

  constructor(
    private readonly db: GwDb,
    private readonly writes: WriteBatcher<GatewayDatabase>,
    private readonly options: ForwarderOptions,
    private readonly now: () => number,
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
    while (this.inFlight > 0 || this.pumping) await new Promise<void>((resolve) => this.settled.add(resolve));
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
      while (this.running && this.inFlight < this.options.concurrency) {
        const batches = await this.claim(this.options.concurrency - this.inFlight);
        if (batches.length === 0) return;
        for (const batch of batches) {
          this.inFlight += 1;
          void this.deliver(batch).finally(() => {
            this.inFlight -= 1;
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

  /** The due heads of up to `lanes` lanes, each with the events right behind it, leased. */
  private claim(lanes: number): Promise<EventRow[][]> {
    return this.writes.run(async (tx) => {
      const now = this.now();
      const heads = await dueHeads(tx, now, lanes);
      const batches: EventRow[][] = [];
      for (const head of heads) {
        const more = this.options.maxBatch > 1 ? await followers(tx, head.lane, head.id, now, this.options.maxBatch - 1) : [];
        batches.push([head, ...more]);
      }
      await lease(
        tx,
        batches.flat().map((e) => e.id),
        now + this.options.timeoutMs * 2,
      );
      return batches;
    });
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
      await this.writes.run((tx) => this.record(tx, batch, error));
    } catch (err) {
      // Unrecorded: the lease expires and the batch is sent again (at-least-once).
      if (this.running) console.error('webhook gateway: recording a delivery failed:', err);
    }
  }

  private async record(tx: GwDb, batch: readonly EventRow[], error: string | null): Promise<void> {
    const now = this.now();
    if (error === null) {
      await markDelivered(
        tx,
        batch.map((e) => e.id),
        now,
      );
      await bumpCounters(tx, { 'delivery.delivered': batch.length, 'delivery.posts': 1 });
      return;
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
    await bumpCounters(tx, { 'delivery.failed_attempts': batch.length, 'delivery.dead': dead, 'delivery.posts': 1 });
  }
}
