import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PostgresChangeFeed } from './change-feed.js';
import { migrateToLatest, type Executor, type Store } from './database.js';
import { postgresCapabilities } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

const INT8 = 20;
const NUMERIC = 1700;

/**
 * Our integers (millisecond timestamps, ids, counts) fit a JS number; pg returns int8 and numeric as
 * strings by default, which would make `count(*)` and ids compare wrongly. Per pool, not global.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 || oid === NUMERIC ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser,
};

/** Serialization failures and deadlocks: the transaction lost a race and may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 20;

export function isRetryable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && RETRYABLE.has(String((err as { code?: unknown }).code));
}

/** A pg pool with our integer parsing; also used by the control plane's job store. */
export function openPostgresPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', (err) => console.error('postgres pool:', err.message));
  return pool;
}

/**
 * Runs `work` at SERIALIZABLE, again after a serialization failure (another transaction, maybe in
 * another process, touched the same rows), so every transaction behaves as if it ran alone, as on SQLite.
 */
export async function serializable<DB, T>(db: Kysely<DB>, work: (tx: Kysely<DB>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().setIsolationLevel('serializable').execute(work);
    } catch (err) {
      if (!isRetryable(err) || attempt >= MAX_ATTEMPTS) throw err;
      await sleep(Math.random() * Math.min(100, 2 ** attempt));
    }
  }
}

/** The platform's store on PostgreSQL: several platform processes may share it. */
export async function openPostgresStore(url: string): Promise<Store> {
  const pool = openPostgresPool(url);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db, migrationProvider(postgresCapabilities));
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const changes = await PostgresChangeFeed.start(
    () => new pg.Client({ connectionString: url }),
    (channel, payload) => pool.query('select pg_notify($1, $2)', [channel, payload]),
  );
  return {
    db,
    caps: postgresCapabilities,
    transaction: <T>(work: (tx: Executor) => Promise<T>) => serializable(db, work),
    changes,
    async close() {
      await changes.close();
      await db.destroy();
    },
  };
}
