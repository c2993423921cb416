import { CompiledQuery, type Compilable, type Insertable, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Executor } from './database.js';
import { LruCache } from '../core/lru.js';
import { directFor, tablesRead, type DirectConnection } from './direct.js';

/**
 * Compile-once queries for hot paths. Building and compiling a Kysely query costs more than running
 * it on SQLite, so a prepared query is built once per database with sentinel values, and each call
 * only swaps the real values into the compiled parameter list. The SQL still comes from Kysely, so
 * every dialect gets its own placeholders and quoting. On SQLite the statement runs on the connection
 * directly (direct.ts).
 */
export interface PreparedQuery<P, R> {
  (db: Executor, params: P): Promise<R[]>;
}

export interface PreparedOptions {
  /**
   * Keep results in memory while none of the tables the query reads has been written (single-process
   * SQLite only: see WriteTracker in direct.ts; elsewhere every call runs the query). For the hottest
   * lookups of rows that rarely change. Cached rows are frozen: callers must not modify them.
   */
  readonly cached?: boolean;
}

const SENTINEL = '\u0000sb-param:';
const CACHE_ENTRIES = 10_000;
const CACHE_TTL_MS = 10 * 60_000;

export function prepared<P extends Record<string, unknown>, R>(build: (db: Kysely<Database>, p: P) => Compilable<R>, options: PreparedOptions = {}): PreparedQuery<P, R> {
  const compile = compileOnce(build);
  const caches = new WeakMap<DirectConnection, LruCache<unknown, { stamp: number; rows: R[] }>>();
  const runDirect = (direct: DirectConnection, { sql, parameters }: CompiledOnce): R[] => {
    if (!options.cached) return direct.run(sql, parameters) as R[];
    let cache = caches.get(direct);
    if (!cache) caches.set(direct, (cache = new LruCache(CACHE_ENTRIES, CACHE_TTL_MS)));
    // A query has a fixed number of parameters; most cached ones take one (an id), which keys itself.
    const key = parameters.length === 1 ? parameters[0] : JSON.stringify(parameters);
    const stamp = direct.stamp(tablesOf(sql));
    const hit = cache.get(key);
    if (hit?.stamp === stamp) return hit.rows;
    const rows = Object.freeze((direct.run(sql, parameters) as R[]).map((row) => Object.freeze(row))) as R[];
    cache.set(key, { stamp, rows });
    return rows;
  };
  return async (db, params) => {
    const compiled = compile(db, params);
    const direct = directFor(db);
    if (direct) return runDirect(direct, compiled);
    const result = await db.executeQuery<R>(CompiledQuery.raw(compiled.sql, compiled.parameters));
    return result.rows as R[];
  };
}

/** A lookup by key: the query's first row, or undefined (for any compile-once query, platform or control plane). */
export function firstRowOf<A extends unknown[], R>(query: (...args: A) => Promise<R[]>): (...args: A) => Promise<R | undefined> {
  return async (...args) => (await query(...args))[0];
}

/** A compile-once lookup by key: its first row, or undefined. */
export function preparedOne<P extends Record<string, unknown>, R>(build: (db: Kysely<Database>, p: P) => Compilable<R>, options: PreparedOptions = {}): (db: Executor, params: P) => Promise<R | undefined> {
  return firstRowOf(prepared(build, options));
}

export interface CompiledOnce {
  sql: string;
  parameters: unknown[];
}

/**
 * Builds a query once per dialect with stand-in values, so the SQL still comes from Kysely (each
 * dialect's placeholders and quoting); each call only puts the real values in order. Shared by the
 * platform's and the control plane's stores.
 */
export function compileOnce<DB, P extends Record<string, unknown>>(build: (db: Kysely<DB>, p: P) => Compilable<unknown>): (db: Kysely<DB>, params: P) => CompiledOnce {
  const byDialect = new WeakMap<object, { sql: string; slots: (string | { constant: unknown })[] }>();
  return (db, params) => {
    // A transaction shares its database's dialect adapter, so the SQL compiled once serves both.
    const adapter = db.getExecutor().adapter;
    let compiled = byDialect.get(adapter);
    if (!compiled) {
      const sentinels = new Proxy({} as P, { get: (_t, key) => `${SENTINEL}${String(key)}` });
      const query = build(db, sentinels).compile();
      compiled = {
        sql: query.sql,
        slots: query.parameters.map((v) => (typeof v === 'string' && v.startsWith(SENTINEL) ? v.slice(SENTINEL.length) : { constant: v })),
      };
      byDialect.set(adapter, compiled);
    }
    return { sql: compiled.sql, parameters: compiled.slots.map((slot) => (typeof slot === 'string' ? params[slot] : slot.constant)) };
  };
}

const tablesBySql = new Map<string, string[]>();
/** The tables a cached query reads, worked out (and the query checked to be a SELECT) once per SQL text. */
function tablesOf(sql: string): string[] {
  let tables = tablesBySql.get(sql);
  if (!tables) {
    if (!/^\s*select\b/i.test(sql)) throw new Error(`only a SELECT can be cached: ${sql}`);
    tablesBySql.set(sql, (tables = tablesRead(sql)));
  }
  return tables;
}

/** Every insertable column of a table, each marked as written (true) or left to its default (false). */
export type ColumnChoice<T extends keyof Database> = { readonly [K in keyof Insertable<Database[T]>]-?: boolean };

/**
 * A compile-once single-row insert. The column list names every column of the table (the type says so),
 * so a column added to the schema is a compile error here rather than a silently defaulted value.
 */
export function preparedInsert<T extends keyof Database & string>(table: T, columns: ColumnChoice<T>): (db: Executor, row: Insertable<Database[T]>) => Promise<void> {
  const written = Object.entries(columns).filter(([, write]) => write).map(([column]) => column);
  const insert = prepared((db, p: Record<string, unknown>) =>
    // The values are sentinels that `prepared` swaps for the row's; Kysely cannot type a generic table's row.
    db.insertInto(table).values(Object.fromEntries(written.map((c) => [c, p[c]])) as never),
  );
  return async (db, row) => {
    await insert(db, row as Record<string, unknown>);
  };
}
