import type { Kysely } from 'kysely';

/** Which backup (its nonce) last onboarded a number, so a retry with that backup is idempotent. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('phone_numbers').addColumn('onboarded_by_backup', 'text').execute();
}
