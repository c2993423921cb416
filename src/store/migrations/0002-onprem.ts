import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

/** On-Premises API deployments, their login tokens, migration downtime and dropped inbound messages. */
export async function up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void> {
  const ms = 'bigint' as const;
  const s = db.schema;

  await s
    .createTable('onprem_deployments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('admin_password_hash', 'text', (c) => c.notNull())
    .addColumn('password_change_required', 'integer', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('shards', 'integer', (c) => c.notNull())
    .addColumn('phone_number_id', 'text')
    .addColumn('pending_registration', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .execute();

  await s
    .createTable('onprem_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('deployment_id', 'text', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('expires_at', ms, (c) => c.notNull())
    .execute();

  await s.alterTable('phone_numbers').addColumn('downtime_until', ms).execute();

  await caps
    .addSerialId(s.createTable('inbound_drops'))
    .addColumn('phone_number_id', 'text', (c) => c.notNull())
    .addColumn('from_wa_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('at', ms, (c) => c.notNull())
    .execute();
}
