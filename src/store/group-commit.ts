import { sql } from 'kysely';
import type { Db, Executor } from './database.js';
import { directFor } from './direct.js';

interface Job {
  work: (tx: Executor) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit: transactions that arrive while one is running are run together, each inside its own
 * savepoint, and committed once. A failing unit is rolled back to its savepoint and rejected alone;
 * the others resolve only after the shared COMMIT, so nobody is told "done" before it is durable.
 * On SQLite the commit (WAL write, checkpoints) is the largest cost of a small write, so under load
 * this multiplies write throughput; a lone transaction runs exactly as before.
 *
 * A batch starts on `setImmediate`, after the event loop's I/O phase: HTTP requests that arrived in the
 * same turn each run their handler up to `transaction()` first (their whole handler is microtasks), so
 * starting at once would give every request its own COMMIT.
 *
 * Units must not start another transaction from inside their work (it would wait for itself).
 */
export class GroupCommit {
  private readonly queue: Job[] = [];
  private committed = 0;
  private running = false;
  private scheduled = false;

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 64,
  ) {}

  /** COMMITs run so far. */
  get commits(): number {
    return this.committed;
  }

  run<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) await this.runBatch(this.queue.splice(0, this.maxBatch));
    } finally {
      this.running = false;
    }
  }

  private async runBatch(batch: Job[]): Promise<void> {
    const [only] = batch;
    if (batch.length === 1 && only) {
      await this.db
        .transaction()
        .execute((tx) => only.work(tx))
        .then((value) => {
          this.committed += 1;
          only.resolve(value);
        }, only.reject);
      return;
    }
    const succeeded: { job: Job; value: unknown }[] = [];
    try {
      await this.db.transaction().execute(async (tx) => {
        for (const job of batch) {
          await statement(tx, 'savepoint sb_unit');
          try {
            const value = await job.work(tx);
            await statement(tx, 'release savepoint sb_unit');
            succeeded.push({ job, value });
          } catch (err) {
            await statement(tx, 'rollback to savepoint sb_unit');
            await statement(tx, 'release savepoint sb_unit');
            job.reject(err);
          }
        }
      });
    } catch (err) {
      for (const { job } of succeeded) job.reject(err);
      return;
    }
    this.committed += 1;
    for (const { job, value } of succeeded) job.resolve(value);
  }
}

/** A statement without parameters or rows, on the connection directly where there is one. */
async function statement(tx: Executor, text: string): Promise<void> {
  const direct = directFor(tx);
  if (direct) direct.run(text, []);
  else await sql.raw(text).execute(tx);
}
