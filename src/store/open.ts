import type { Store } from './database.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';

/** A URL `postgres://...` (or `postgresql://`) selects PostgreSQL; anything else is a SQLite file or ':memory:'. */
export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location);

/** Opens the platform's database at `location` (see isPostgresUrl) and brings its schema up to date. */
export function openStore(location: string): Promise<Store> {
  return isPostgresUrl(location) ? openPostgresStore(location) : openSqliteStore(location);
}
