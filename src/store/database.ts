import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type SqliteDatabase, type Transaction } from 'kysely';
import { GroupCommit } from './group-commit.js';
import { sqliteCapabilities, type DialectCapabilities } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either a plain handle or an open transaction; repos accept both. */
export type Executor = Kysely<Database>;

export interface Store {
  readonly db: Db;
  readonly caps: DialectCapabilities;
  /**
   * Runs `work` in one transaction: all of it lands, or none of it. Concurrent transactions may share
   * one commit (see group-commit.ts); `work` must not open another transaction.
   */
  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Opens (creating if needed) a SQLite database file, or ':memory:', and brings its schema up to date. */
export async function openSqliteStore(path: string): Promise<Store> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  await migrate(db, sqliteCapabilities);
  const groupCommit = new GroupCommit(db);
  return {
    db,
    caps: sqliteCapabilities,
    transaction: (work) => groupCommit.run(work),
    close: () => db.destroy(),
  };
}

/**
 * Kysely prepares every statement anew; preparing costs more than running most of our queries.
 * Statements are reusable in better-sqlite3, so keep the most recent ones (Kysely runs one query at a
 * time on SQLite's single connection, so a cached statement is never in use twice).
 */
function withStatementCache(sqlite: SQLite.Database, size = 512): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value ?? '');
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

async function migrate(db: Db, caps: DialectCapabilities): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(caps) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}
