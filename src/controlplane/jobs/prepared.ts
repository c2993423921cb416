import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import { compileOnce } from '../../store/prepared.js';
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

/**
 * Compile-once queries for the control plane's hot statements — a step's marks, its job's progress, a
 * gate (see src/store/prepared.ts): plus `with`, which hands the compiled SQL to the commit queue, so
 * that on SQLite it runs a batch of such writes on the driver directly.
 */
export function cpPrepared<P extends Record<string, unknown>, R = unknown>(build: (db: CpDb, p: P) => Compilable<R>): CpQuery<P, R> {
  const compile = compileOnce(build);
  const run = async (db: CpDb, params: P): Promise<R[]> => {
    const { sql, parameters } = compile(db, params);
    return (await db.executeQuery<R>(CompiledQuery.raw(sql, parameters))).rows as R[];
  };
  return Object.assign(run, { with: (params: P): BoundQuery => ({ run: (db) => run(db, params), compiled: (db) => compile(db, params) }) });
}
