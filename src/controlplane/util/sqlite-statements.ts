import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * Kysely prepares every statement anew, and preparing costs more than running the control plane's
 * small queries (measured: ~250 µs a statement; about a tenth of a migration run's CPU). Query texts
 * come from a fixed set, so each is prepared once and reused — Kysely runs one query at a time on
 * SQLite's single connection, so a statement is never in use twice.
 */
export function preparedOnce(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let stmt = statements.get(text);
      if (!stmt) {
        // Texts vary only with the length of IN lists and multi-row inserts; cap the cache all the same.
        if (statements.size >= 1024) statements.clear();
        stmt = sqlite.prepare(text);
        statements.set(text, stmt);
      }
      return stmt;
    },
  };
}
