import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import { LocalChangeFeed } from './change-feed.js';
import { migrateToLatest, type Store } from './database.js';
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

/** The platform's store on a SQLite file (one process) or ':memory:'. */
export async function openSqliteStore(path: string): Promise<Store> {
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(openSqliteFile(path)) }) });
  await migrateToLatest(db, migrationProvider(sqliteCapabilities));
  const groupCommit = new GroupCommit(db);
  const changes = new LocalChangeFeed();
  return {
    db,
    caps: sqliteCapabilities,
    transaction: (work) => groupCommit.run(work),
    changes,
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
