import type { Kysely } from 'kysely';

/** Wrong guesses per verification code, so a code can be burned before 6 digits are brute-forced. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('verification_codes').addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
