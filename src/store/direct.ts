import type { Executor } from './database.js';

/**
 * Synchronous access to a SQLite connection, for compile-once queries on hot paths. better-sqlite3
 * runs a statement to completion on the calling thread, so going through Kysely's asynchronous
 * executor (connection mutex, plugins, several promise hops per query) costs more than the statement.
 */
export interface DirectConnection {
  /** Whether a transaction is open on the connection (somebody else's, unless the caller is in it). */
  inTransaction(): boolean;
  /** Runs one statement: the rows of a reader, an empty list otherwise. */
  run(sql: string, values: readonly unknown[]): unknown[];
  /** Changes whenever a statement that may have written one of `tables` ran on the connection. */
  stamp(tables: readonly string[]): number;
}

/**
 * Counts writes per table on one connection, from the SQL of every statement it prepares (Kysely's
 * driver and the direct path prepare each statement they run). Anything it cannot read as a plain
 * insert or update of one table — a delete, a rollback, DDL — counts as a write to every table, so a
 * cache keyed by these stamps can only be too cautious. There are no triggers or cascades in the schema.
 */
export class WriteTracker {
  private readonly writes = new Map<string, number>();
  private readonly kinds = new Map<string, StatementKind>();
  private everything = 0;

  note(sql: string): void {
    let kind = this.kinds.get(sql);
    if (kind === undefined) {
      // Texts repeat (only IN lists and multi-row inserts vary in length); bound the memo all the same.
      if (this.kinds.size >= 4096) this.kinds.clear();
      this.kinds.set(sql, (kind = statementKind(sql)));
    }
    if (kind === 'read') return;
    if (kind === 'unknown') this.everything += 1;
    else this.writes.set(kind.table, (this.writes.get(kind.table) ?? 0) + 1);
  }

  stamp(tables: readonly string[]): number {
    // Counters only grow, so their sum changes exactly when one of them does.
    let sum = this.everything;
    for (const table of tables) sum += this.writes.get(table) ?? 0;
    return sum;
  }
}

const READS = /^\s*(select|begin|commit|savepoint|release)\b/i;
const SINGLE_TABLE_WRITE = /^\s*(?:insert\s+into|update)\s+"([^"]+)"/i;

type StatementKind = 'read' | 'unknown' | { table: string };

function statementKind(sql: string): StatementKind {
  if (READS.test(sql)) return 'read';
  const table = SINGLE_TABLE_WRITE.exec(sql)?.[1];
  return table === undefined ? 'unknown' : { table };
}

/** The tables a SELECT reads (Kysely quotes every identifier). */
export function tablesRead(sql: string): string[] {
  return [...new Set([...sql.matchAll(/\b(?:from|join)\s+"([^"]+)"/gi)].map((m) => m[1] ?? ''))];
}

const byAdapter = new WeakMap<object, DirectConnection>();

/** Makes `direct` the fast path for queries on `db` and on every transaction opened from it. */
export function registerDirect(db: Executor, direct: DirectConnection): void {
  // A transaction shares its database's dialect adapter, so one key serves both.
  byAdapter.set(db.getExecutor().adapter, direct);
}

/**
 * The direct connection under `db`, when using it now gives the same result as Kysely would: inside a
 * transaction the connection is the caller's; outside one, only while no transaction is open (a
 * synchronous statement cannot interleave with anything else, but must not land inside another's).
 */
export function directFor(db: Executor): DirectConnection | undefined {
  const direct = byAdapter.get(db.getExecutor().adapter);
  if (!direct) return undefined;
  return db.isTransaction || !direct.inTransaction() ? direct : undefined;
}
