import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Executor } from './database.js';

/**
 * Compile-once queries for hot paths. Building and compiling a Kysely query costs more than running
 * it on SQLite, so a prepared query is built once per database with sentinel values, and each call
 * only swaps the real values into the compiled parameter list. The SQL still comes from Kysely, so
 * every dialect gets its own placeholders and quoting.
 */
export interface PreparedQuery<P, R> {
  (db: Executor, params: P): Promise<R[]>;
}

const SENTINEL = '\u0000sb-param:';

export function prepared<P extends Record<string, unknown>, R>(build: (db: Kysely<Database>, p: P) => Compilable<R>): PreparedQuery<P, R> {
  const compiledFor = new WeakMap<object, { sql: string; slots: (string | { constant: unknown })[] }>();
  return async (db, params) => {
    // A transaction shares its database's dialect adapter, so the SQL compiled once serves both.
    const dialect = db.getExecutor().adapter;
    let compiled = compiledFor.get(dialect);
    if (!compiled) {
      const sentinels = new Proxy({} as P, { get: (_t, key) => `${SENTINEL}${String(key)}` });
      const query = build(db, sentinels).compile();
      compiled = {
        sql: query.sql,
        slots: query.parameters.map((v) => (typeof v === 'string' && v.startsWith(SENTINEL) ? v.slice(SENTINEL.length) : { constant: v })),
      };
      compiledFor.set(dialect, compiled);
    }
    const values = compiled.slots.map((slot) => (typeof slot === 'string' ? params[slot] : slot.constant));
    const result = await db.executeQuery<R>(CompiledQuery.raw(compiled.sql, values));
    return result.rows as R[];
  };
}
