import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { ControlPlaneDatabase } from './schema.js';

type CpDb = Kysely<ControlPlaneDatabase>;

/** A compile-once query with its values: a write the commit queue may run without Kysely. */
export interface BoundQuery {
  /** Through Kysely (any dialect, inside a transaction). */
  run(db: CpDb): Promise<unknown>;
  /** The SQL for `db`'s dialect and the values in order (for running on the driver itself). */
  compiled(db: CpDb): { sql: string; parameters: readonly unknown[] };
}

export interface CpQuery<P extends Record<string, unknown>, R> {
  (db: CpDb, params: P): Promise<R[]>;
  with(params: P): BoundQuery;
}

const SENTINEL = '\u0000cp-param:';

/**
 * Compile-once queries for the control plane's hot statements — a step's marks, its job's progress, a
 * gate: building and compiling a Kysely query costs more than running it. Built once per dialect with
 * stand-in values (so the SQL still comes from Kysely, with each dialect's placeholders); each call
 * only puts the real values in order. Like src/store/prepared.ts, plus `with`, which hands the
 * compiled SQL to the commit queue: on SQLite it runs a batch of such writes on the driver directly.
 */
export function cpPrepared<P extends Record<string, unknown>, R = unknown>(build: (db: CpDb, p: P) => Compilable<R>): CpQuery<P, R> {
  const byDialect = new WeakMap<object, { sql: string; slots: (string | { constant: unknown })[] }>();
  const compile = (db: CpDb, params: P): { sql: string; parameters: unknown[] } => {
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
  const run = async (db: CpDb, params: P): Promise<R[]> => {
    const { sql, parameters } = compile(db, params);
    return (await db.executeQuery<R>(CompiledQuery.raw(sql, parameters))).rows as R[];
  };
  return Object.assign(run, { with: (params: P): BoundQuery => ({ run: (db) => run(db, params), compiled: (db) => compile(db, params) }) });
}
