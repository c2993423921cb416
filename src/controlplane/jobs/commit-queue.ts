import type { Kysely } from 'kysely';
import type { Db } from '../../store/database.js';
import { GroupCommit } from '../../store/group-commit.js';
import type { BoundQuery } from './prepared.js';
import type { CpDb } from './store.js';

interface Unit<DB> {
  work: (tx: Kysely<DB>) => Promise<unknown>;
  /** Set when the unit is only compile-once writes (see `statements`). */
  statements?: readonly BoundQuery[];
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** Runs SQL on the SQLite connection itself, synchronously (prepared statements, no Kysely). */
export interface DirectWrites {
  run(sql: string, parameters: readonly unknown[]): void;
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
 * Why not src/store/group-commit.ts alone: it starts the first transaction at once, and with
 * better-sqlite3 that transaction (COMMIT included) completes before the next I/O callback runs — a
 * job's write would never meet another job's. It serves here for the unit-by-unit retry of a batch.
 * Units must not open transactions themselves.
 */
export class CommitQueue<DB> {
  private pending: Unit<DB>[] = [];
  private scheduled = false;
  /** The batch being committed; batches commit one after another, in arrival order. */
  private tail: Promise<void> = Promise.resolve();

  /** Only opens transactions and savepoints, so the platform's schema type it is declared with does not matter. */
  private readonly isolated: GroupCommit;

  constructor(
    private readonly db: Kysely<DB>,
    /** How a batch's transaction runs (PostgreSQL: serializable, retried). */
    private readonly transaction: <T>(work: (tx: Kysely<DB>) => Promise<T>) => Promise<T> = (work) => db.transaction().execute(work),
    /** SQLite: batches made only of `statements` units run on the connection directly. */
    private readonly direct?: DirectWrites,
  ) {
    this.isolated = new GroupCommit(db as unknown as Db);
  }

  run<T>(work: (tx: Kysely<DB>) => Promise<T>): Promise<T> {
    return this.enqueue(work) as Promise<T>;
  }

  /**
   * A unit of compile-once writes, in order. On SQLite a batch of only such units runs as one
   * synchronous BEGIN … COMMIT on the driver: Kysely's per-query machinery (connection mutex, promise
   * hops, result objects) cost about as much CPU as the statements and the commit themselves. Being
   * synchronous, nothing else can run on the connection in between.
   */
  statements(queries: readonly BoundQuery[]): Promise<void> {
    const work = async (tx: Kysely<DB>): Promise<void> => {
      for (const query of queries) await query.run(tx as unknown as CpDb);
    };
    return this.enqueue(work, queries) as Promise<void>;
  }

  private enqueue(work: (tx: Kysely<DB>) => Promise<unknown>, statements?: readonly BoundQuery[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.push({ work, ...(statements && { statements }), resolve, reject });
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
    if (this.direct && batch.every((unit) => unit.statements)) return this.commitDirect(this.direct, batch);
    if (batch.length === 1) return this.commitIsolated(batch);
    let values: unknown[];
    try {
      values = await this.transaction(async (tx) => {
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

  private async commitDirect(direct: DirectWrites, batch: Unit<DB>[]): Promise<void> {
    const db = this.db as unknown as CpDb;
    try {
      direct.run('begin immediate', []); // the write lock at BEGIN, as every SQLite transaction here (store/sqlite.ts)
      for (const unit of batch) {
        for (const query of unit.statements ?? []) {
          const { sql, parameters } = query.compiled(db);
          direct.run(sql, parameters);
        }
      }
      direct.run('commit', []);
    } catch {
      try {
        direct.run('rollback', []);
      } catch {
        // Not in a transaction any more (the COMMIT itself failed and ended it).
      }
      return this.commitIsolated(batch);
    }
    batch.forEach((unit) => unit.resolve(undefined));
  }

  /** Each unit in its own savepoint (the platform's group commit), so only a failing one is rejected. */
  private async commitIsolated(batch: Unit<DB>[]): Promise<void> {
    await Promise.all(batch.map((unit) => this.isolated.run((tx) => unit.work(tx as unknown as Kysely<DB>)).then(unit.resolve, unit.reject)));
  }
}
