import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

/** WABA-to-WABA migrations (seed 004), the per-WABA billing ledger and history cut-off after a migration. */
export async function up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void> {
  const ms = 'bigint' as const;
  const s = db.schema;

  await caps
    .addSerialId(s.createTable('number_migrations'))
    .addColumn('phone_number_id', 'text', (c) => c.notNull())
    .addColumn('source_waba_id', 'text', (c) => c.notNull())
    .addColumn('dest_waba_id', 'text', (c) => c.notNull())
    .addColumn('source_api', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_at', ms, (c) => c.notNull())
    .addColumn('expires_at', ms, (c) => c.notNull())
    .addColumn('completed_at', ms)
    .addColumn('report', 'text')
    .execute();
  await s.createIndex('number_migrations_number_idx').on('number_migrations').columns(['phone_number_id', 'status']).execute();

  // A code requested by a migration's destination can only complete that migration.
  await s.alterTable('verification_codes').addColumn('migration_id', 'integer').execute();

  // Messages and media from before this instant are not the number's any more (history not carried).
  await s.alterTable('phone_numbers').addColumn('history_since', ms).execute();

  await caps
    .addSerialId(s.createTable('billing_ledger'))
    .addColumn('waba_id', 'text', (c) => c.notNull())
    .addColumn('phone_number_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('pricing_type', 'text', (c) => c.notNull())
    .addColumn('amount_micros', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('sent_at', ms, (c) => c.notNull())
    .addColumn('charged_at', ms, (c) => c.notNull())
    .execute();
  await s.createIndex('billing_ledger_waba_idx').on('billing_ledger').columns(['waba_id', 'charged_at']).execute();
}
