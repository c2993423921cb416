import type { Compilable, Kysely } from 'kysely';
import type { Executor } from '../../store/database.js';
import { prepared } from '../../store/prepared.js';
import type { ControlPlaneDatabase } from './schema.js';

type CpDb = Kysely<ControlPlaneDatabase>;

/**
 * Compile-once queries (src/store/prepared.ts) for the control plane's hot statements — a step's
 * marks, its job's progress, a gate: building and compiling a Kysely query costs more than running
 * it. That helper is typed for the platform's schema, but it only builds once, compiles and runs SQL
 * through the executor it is given, so the schema type is only swapped at this boundary.
 */
export function cpPrepared<P extends Record<string, unknown>, R = unknown>(build: (db: CpDb, p: P) => Compilable<R>): (db: CpDb, params: P) => Promise<R[]> {
  const query = prepared<P, R>((db, p) => build(db as unknown as CpDb, p));
  return (db, params) => query(db as unknown as Executor, params);
}
