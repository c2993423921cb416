import { sql, type Kysely } from 'kysely';

/** The dispatcher's "no earlier event of this number in flight" check (shared databases) reads this. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('webhook_events_pending_number_idx').on('webhook_events').columns(['phone_number_id', 'id']).where(sql.ref('status'), '=', 'pending').execute();
}
