import type { Kysely } from 'kysely';

/** When an approved template was edited (JSON array of epoch ms), for Meta's edit limits (api-facts B.10). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('templates').addColumn('edit_history', 'text', (c) => c.notNull().defaultTo('[]')).execute();
}
