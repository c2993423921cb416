import { sql, type Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

/**
 * The dispatcher's "no earlier event of this number in flight" check reads this. Only databases that
 * several processes share run that check; on SQLite the index would only slow every send (measured:
 * about a quarter of POST /messages throughput).
 */
export async function up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void> {
  if (!caps.sharedByProcesses) return;
  await db.schema.createIndex('webhook_events_pending_number_idx').on('webhook_events').columns(['phone_number_id', 'id']).where(sql.ref('status'), '=', 'pending').execute();
}
