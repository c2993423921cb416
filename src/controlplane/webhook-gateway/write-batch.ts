import type { Kysely, Transaction } from 'kysely';

interface Unit<DB> {
  work: (tx: Transaction<DB>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Shared commits for the gateway's small writes (an ingested webhook, a delivery outcome): units that
 * queue up while a commit is running go into the next transaction together, and each caller is
 * answered only after that COMMIT — a 200 to the sender always means "on disk". With
 * `synchronous = FULL` the commit's fsync dominates a small write, so this is what makes hundreds
 * of concurrent webhooks cheap. Units must not throw for data reasons (they use ON CONFLICT); if a
 * transaction fails anyway, every unit in it fails and its caller answers an error.
 */
export class WriteBatcher<DB> {
  private readonly queue: Unit<DB>[] = [];
  private running = false;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly maxUnits = 512,
  ) {}

  run<T>(work: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (this.running) return;
      this.running = true;
      // better-sqlite3 blocks the event loop for a whole commit (fsync included), so whatever arrived
      // meanwhile is only seen in the next I/O phase: start after it, to take all of it in one commit.
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.commit(this.queue.splice(0, this.maxUnits));
    } finally {
      this.running = false;
    }
  }

  private async commit(units: Unit<DB>[]): Promise<void> {
    const values: unknown[] = [];
    try {
      await this.db.transaction().execute(async (tx) => {
        for (const u of units) values.push(await u.work(tx));
      });
    } catch (err) {
      for (const u of units) u.reject(err);
      return;
    }
    units.forEach((u, i) => u.resolve(values[i]));
  }
}
