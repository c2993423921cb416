import type { Kysely } from 'kysely';

/** Third-party stickerpacks of On-Prem deployments (Cloud API has none, so they never migrate). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('onprem_stickerpacks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('deployment_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('publisher', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
