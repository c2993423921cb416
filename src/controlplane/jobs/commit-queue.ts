import { sql, type Kysely } from 'kysely';

interface Unit<DB> {
  work: (tx: Kysely<DB>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit for the control plane's writes. A write waits for the end of the current turn of the
 * event loop, so every write issued in that turn — typically the step results of all jobs whose
 * HTTP answers arrived together — shares one transaction and one COMMIT (one fsync under
 * `synchronous=FULL`). Every caller is resolved only after the shared COMMIT, so "committed before
 * the next remote call" holds as if each write had its own transaction.
 *
 * Units run back to back without savepoints (they cost statements on every write); when one fails,
 * the batch is rolled back and run again with a savepoint per unit, so only the failing one is
 * rejected. Units may therefore run twice: they must only write to the database.
 *
 * Why not src/store/group-commit.ts: it starts the first transaction at once, and with better-sqlite3
 * that transaction (COMMIT included) completes before the next I/O callback runs — a job's write
 * would never meet another job's. Units must not open transactions themselves.
 */
export class CommitQueue<DB> {
  private pending: Unit<DB>[] = [];
  private scheduled = false;
  /** The batch being committed; batches commit one after another, in arrival order. */
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly db: Kysely<DB>) {}

  run<T>(work: (tx: Kysely<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    this.tail = this.tail.then(() => this.commit(batch));
  }

  private async commit(batch: Unit<DB>[]): Promise<void> {
    const [only] = batch;
    if (batch.length === 1 && only) {
      await this.db
        .transaction()
        .execute((tx) => only.work(tx))
        .then(only.resolve, only.reject);
      return;
    }
    let values: unknown[];
    try {
      values = await this.db.transaction().execute(async (tx) => {
        const out: unknown[] = [];
        for (const unit of batch) out.push(await unit.work(tx));
        return out;
      });
    } catch {
      // A unit failed (rare: a bug or a constraint) and the whole batch was rolled back with it.
      return this.commitIsolated(batch);
    }
    batch.forEach((unit, i) => unit.resolve(values[i]));
  }

  /** The batch again, each unit in its own savepoint, so only the failing one is rejected. */
  private async commitIsolated(batch: Unit<DB>[]): Promise<void> {
    const done: { unit: Unit<DB>; value: unknown }[] = [];
    try {
      await this.db.transaction().execute(async (tx) => {
        for (const unit of batch) {
          await sql`savepoint cp_unit`.execute(tx);
          try {
            const value = await unit.work(tx);
            await sql`release savepoint cp_unit`.execute(tx);
            done.push({ unit, value });
          } catch (err) {
            await sql`rollback to savepoint cp_unit`.execute(tx);
            await sql`release savepoint cp_unit`.execute(tx);
            unit.reject(err);
          }
        }
      });
    } catch (err) {
      for (const { unit } of done) unit.reject(err);
      return;
    }
    for (const { unit, value } of done) unit.resolve(value);
  }
}
