import { Migrator, type Kysely, type MigrationProvider, type Transaction } from 'kysely';
import type { DialectCapabilities } from './dialect.js';
import type { ChangeFeed } from './change-feed.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either a plain handle or an open transaction; repos accept both. */
export type Executor = Kysely<Database>;

export interface Store {
  readonly db: Db;
  readonly caps: DialectCapabilities;
  /** The SQLite file behind the store, for read-only connections on other threads; absent for ':memory:' and PostgreSQL. */
  readonly file?: string;
  /**
   * Runs `work` in one transaction: all of it lands, or none of it. On SQLite concurrent transactions
   * may share one commit (group-commit.ts); on PostgreSQL they run serializable and a unit that loses
   * a race with another transaction or process is run again, so `work` must touch nothing but `tx`
   * (or be harmless to repeat) and must not open another transaction.
   */
  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T>;
  /** Tells every process on this database that shared state changed (settings, clock, a reset). */
  readonly changes: ChangeFeed;
  close(): Promise<void>;
}

/** Migrations (numbered, append-only) to the latest; `table` names the bookkeeping table per product. */
export async function migrateToLatest<DB>(db: Kysely<DB>, provider: MigrationProvider, table?: { migrations: string; lock: string }): Promise<void> {
  const migrator = new Migrator({ db, provider, ...(table && { migrationTableName: table.migrations, migrationLockTableName: table.lock }) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}
