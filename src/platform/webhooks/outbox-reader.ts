import Database from 'better-sqlite3';
import { DUE_EVENT_COLUMNS, type DueEvent } from './delivery.js';

/**
 * The delivery thread's own read-only connection to the platform's SQLite file (WAL: readers never
 * wait for the writer). It sees committed rows only, so the dispatcher asks for a round after a
 * commit barrier, and records the outcomes itself (one writer: the API's thread).
 */
export class OutboxReader {
  private readonly db: Database.Database;
  private readonly due: Database.Statement<[number, number], DueEvent>;
  private readonly secret: Database.Statement<[string], string>;

  constructor(file: string) {
    this.db = new Database(file, { fileMustExist: true });
    this.db.pragma('query_only = ON');
    this.db.pragma('busy_timeout = 5000');
    // 'pending' is a literal so that SQLite may use the partial index of pending events.
    this.due = this.db.prepare(`select ${DUE_EVENT_COLUMNS.join(', ')} from webhook_events where status = 'pending' and next_attempt_at <= ? order by id limit ?`);
    this.secret = this.db.prepare<[string], string>('select app_secret from apps where id = ?').pluck();
  }

  /** Up to `limit` events due at `now` (emulator time), oldest first, and their apps' secrets. */
  read(now: number, limit: number): { due: DueEvent[]; secrets: Map<string, string> } {
    const due = this.due.all(now, limit);
    const secrets = new Map<string, string>();
    for (const e of due) if (!secrets.has(e.app_id)) secrets.set(e.app_id, this.secret.get(e.app_id) ?? '');
    return { due, secrets };
  }

  close(): void {
    this.db.close();
  }
}
