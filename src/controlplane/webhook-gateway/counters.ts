import type { GatewayDatabase, GwDb } from './db.js';
import { bumpCounters, counters } from './repo.js';
import type { WriteBatcher } from './write-batch.js';

/**
 * Monitoring counters (received, duplicates, rejects, delivered ...). Counted in memory and persisted
 * every `flushMs` and at close: writing them in every transaction cost a third of the ingest SQL, and
 * a refused request (a flood of bad signatures) should cost no write at all. A crash loses at most
 * the last interval's counts — never an event: the queue itself is always committed.
 */
export class Counters {
  private pending = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: GwDb,
    private readonly writes: WriteBatcher<GatewayDatabase>,
    flushMs = 1000,
  ) {
    this.timer = setInterval(() => void this.flush().catch((err: unknown) => console.error('webhook gateway counters:', err)), flushMs);
    this.timer.unref();
  }

  add(deltas: Readonly<Record<string, number>>): void {
    for (const [name, n] of Object.entries(deltas)) if (n !== 0) this.pending.set(name, (this.pending.get(name) ?? 0) + n);
  }

  /** Persisted counts plus those not yet written. */
  async snapshot(): Promise<Record<string, number>> {
    const out = await counters(this.db);
    for (const [name, n] of this.pending) out[name] = (out[name] ?? 0) + n;
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const deltas = Object.fromEntries(this.pending);
    this.pending = new Map();
    try {
      await this.writes.run((tx) => bumpCounters(tx, deltas));
    } catch (err) {
      this.add(deltas);
      throw err;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
