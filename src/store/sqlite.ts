import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDatabase } from 'kysely';
import { LruCache } from '../core/lru.js';
import { LocalChangeFeed } from './change-feed.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, startCheckpointer } from './checkpointer.js';
import { migrateToLatest, type Store } from './database.js';
import { registerDirect, WriteTracker } from './direct.js';
import { sqliteCapabilities } from './dialect.js';
import { GroupCommit } from './group-commit.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export interface SqliteOptions {
  /** `FULL` when a commit must survive a power cut, not only a process crash. */
  readonly synchronous?: 'NORMAL' | 'FULL';
}

/** Opens a SQLite file (created if needed) or ':memory:' with the pragmas every store here wants. */
export function openSqliteFile(path: string, options: SqliteOptions = {}): SQLite.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

/**
 * Kysely's SQLite dialect, with every transaction begun IMMEDIATE (the write lock taken at BEGIN).
 * A deferred transaction that reads first holds a read snapshot; when it then writes while another
 * connection holds the write lock (the checkpointer's RESTART, another process on the control plane's
 * file), SQLite refuses the upgrade at once with SQLITE_BUSY, without waiting out busy_timeout (it
 * could deadlock otherwise). Under load that was a 500 for template sends, which look the template up
 * before writing. Taken at BEGIN, the lock is waited for like any other.
 */
export function sqliteDialect(database: SqliteDatabase): SqliteDialect {
  return new ImmediateSqliteDialect(database);
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteDatabase) {
    super({ database });
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** The platform's store on a SQLite file (one process) or ':memory:'. */
export async function openSqliteStore(path: string): Promise<Store> {
  const sqlite = openSqliteFile(path);
  const writes = new WriteTracker();
  const statements = withStatementCache(sqlite, { onPrepare: (sql) => writes.note(sql) });
  const db = new Kysely<Database>({ dialect: sqliteDialect(statements) });
  await migrateToLatest(db, migrationProvider(sqliteCapabilities));
  registerDirect(db, { inTransaction: () => sqlite.inTransaction, run: statements.run, stamp: (tables) => writes.stamp(tables) });
  const checkpointer = path === ':memory:' ? undefined : startCheckpointer(path);
  if (checkpointer) sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  const groupCommit = new GroupCommit(db);
  const changes = new LocalChangeFeed();
  return {
    db,
    caps: sqliteCapabilities,
    ...(path !== ':memory:' && { file: path }),
    transaction: (work) => groupCommit.run(work),
    changes,
    async close() {
      // The worker's connection goes first, so the last one to close checkpoints and removes the WAL.
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every statement anew; preparing costs more than running most of our queries.
 * Statements are reusable in better-sqlite3, so keep the most recent ones (Kysely runs one query at a
 * time on SQLite's single connection, so a cached statement is never in use twice). `onPrepare` sees
 * every statement before it runs (the write tracker of direct.ts).
 */
export function withStatementCache(sqlite: SQLite.Database, { onPrepare, size = 512 }: { onPrepare?: (sql: string) => void; size?: number } = {}): CachedStatements {
  const cache = new LruCache<string, SQLite.Statement>(size, Infinity);
  const prepare = (sql: string): SQLite.Statement => {
    onPrepare?.(sql);
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = sqlite.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  return {
    close: () => sqlite.close(),
    prepare,
    run(sql, values) {
      const stmt = prepare(sql);
      if (stmt.reader) return stmt.all(values);
      stmt.run(values);
      return [];
    },
  };
}

/** Kysely's view of a connection, plus running a statement on it directly (same statement cache). */
export interface CachedStatements extends SqliteDatabase {
  prepare(sql: string): SQLite.Statement;
  /** One statement, synchronously: a reader's rows, an empty list otherwise. */
  run(sql: string, values: readonly unknown[]): unknown[];
}
