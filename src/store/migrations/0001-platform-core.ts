import { sql, type Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

/** Platform core: accounts, numbers, tokens, messages, media, templates, webhook outbox. */
export async function up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void> {
  const ms = 'bigint' as const;
  const s = db.schema;

  await s.createTable('settings').addColumn('key', 'text', (c) => c.primaryKey()).addColumn('value', 'text', (c) => c.notNull()).execute();

  await s.createTable('graph_nodes').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('kind', 'text', (c) => c.notNull()).execute();

  await s
    .createTable('businesses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('verification_status', 'text', (c) => c.notNull())
    .addColumn('tos_accepted_at', ms)
    .addColumn('created_at', ms, (c) => c.notNull())
    .execute();

  await s
    .createTable('wabas')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('owner_business_id', 'text', (c) => c.notNull().references('businesses.id'))
    .addColumn('partner_business_id', 'text', (c) => c.references('businesses.id'))
    .addColumn('review_status', 'text', (c) => c.notNull())
    .addColumn('payment_method', 'text')
    .addColumn('template_limit', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('timezone_id', 'text', (c) => c.notNull())
    .addColumn('message_template_namespace', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('deleted_at', ms)
    .execute();

  await s
    .createTable('apps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('business_id', 'text', (c) => c.notNull().references('businesses.id'))
    .addColumn('app_secret', 'text', (c) => c.notNull())
    .addColumn('callback_url', 'text')
    .addColumn('verify_token', 'text')
    .addColumn('subscribed_fields', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .execute();

  await s
    .createTable('waba_subscriptions')
    .addColumn('waba_id', 'text', (c) => c.notNull().references('wabas.id'))
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('override_callback_uri', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('waba_subscriptions_pk', ['waba_id', 'app_id'])
    .execute();

  await s
    .createTable('access_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text')
    .addColumn('business_ids', 'text', (c) => c.notNull())
    .addColumn('waba_ids', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('expires_at', ms)
    .addColumn('created_at', ms, (c) => c.notNull())
    .execute();

  await s
    .createTable('phone_numbers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('waba_id', 'text', (c) => c.notNull().references('wabas.id'))
    .addColumn('cc', 'text', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('verified_name', 'text', (c) => c.notNull())
    .addColumn('name_status', 'text', (c) => c.notNull())
    .addColumn('new_verified_name', 'text')
    .addColumn('new_name_status', 'text')
    .addColumn('quality_rating', 'text', (c) => c.notNull())
    .addColumn('messaging_limit_tier', 'text', (c) => c.notNull())
    .addColumn('is_official_business_account', 'integer', (c) => c.notNull())
    .addColumn('throughput_level', 'text', (c) => c.notNull())
    .addColumn('api', 'text', (c) => c.notNull())
    .addColumn('onprem_deployment_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('pin_hash', 'text')
    .addColumn('two_step_enabled', 'integer', (c) => c.notNull())
    .addColumn('pin_failures', 'integer', (c) => c.notNull())
    .addColumn('pin_last_attempt_at', ms)
    .addColumn('pin_locked_until', ms)
    .addColumn('code_verification_status', 'text', (c) => c.notNull())
    .addColumn('verified_at', ms)
    .addColumn('signup_at', ms, (c) => c.notNull())
    .addColumn('is_test_number', 'integer', (c) => c.notNull())
    .addColumn('is_on_biz_app', 'integer', (c) => c.notNull())
    .addColumn('account_mode', 'text', (c) => c.notNull())
    .addColumn('data_localization_region', 'text')
    .addColumn('profile', 'text', (c) => c.notNull())
    .addColumn('webhook_override_url', 'text')
    .addColumn('registered_at', ms)
    .addColumn('last_onboarded_at', ms)
    .addColumn('created_at', ms, (c) => c.notNull())
    .addUniqueConstraint('phone_numbers_e164_unique', ['cc', 'number'])
    .execute();
  await s.createIndex('phone_numbers_waba_idx').on('phone_numbers').columns(['waba_id', 'created_at']).execute();

  await caps
    .addSerialId(s.createTable('registration_events'))
    .addColumn('phone_number_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', ms, (c) => c.notNull())
    .execute();
  await s.createIndex('registration_events_number_idx').on('registration_events').columns(['phone_number_id', 'at']).execute();

  await caps
    .addSerialId(s.createTable('verification_codes'))
    .addColumn('phone_number_id', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('sent_at', ms, (c) => c.notNull())
    .addColumn('expires_at', ms, (c) => c.notNull())
    .addColumn('consumed_at', ms)
    .execute();
  await s.createIndex('verification_codes_number_idx').on('verification_codes').columns(['phone_number_id', 'sent_at']).execute();

  await s
    .createTable('consumers')
    .addColumn('wa_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('online', 'integer', (c) => c.notNull())
    .addColumn('auto_read', 'integer', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .execute();

  await s
    .createTable('service_windows')
    .addColumn('phone_number_id', 'text', (c) => c.notNull())
    .addColumn('wa_id', 'text', (c) => c.notNull())
    .addColumn('last_inbound_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('service_windows_pk', ['phone_number_id', 'wa_id'])
    .execute();

  await s
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('phone_number_id', 'text', (c) => c.notNull())
    .addColumn('waba_id', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('wa_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('api', 'text', (c) => c.notNull())
    .addColumn('biz_opaque_callback_data', 'text')
    .addColumn('pricing', 'text')
    .addColumn('error_code', 'integer')
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute();
  await s.createIndex('messages_number_idx').on('messages').columns(['phone_number_id', 'created_at']).execute();
  await s.createIndex('messages_consumer_idx').on('messages').columns(['wa_id', 'status']).execute();

  await s
    .createTable('media')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('phone_number_id', 'text', (c) => c.notNull())
    .addColumn('api', 'text', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('file_size', 'integer', (c) => c.notNull())
    .addColumn('filename', 'text')
    .addColumn('data', caps.blobType, (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('expires_at', ms, (c) => c.notNull())
    .addColumn('deleted_at', ms)
    .execute();

  await s
    .createTable('templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('waba_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('sub_category', 'text')
    .addColumn('parameter_format', 'text', (c) => c.notNull())
    .addColumn('components', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('rejected_reason', 'text', (c) => c.notNull())
    .addColumn('quality_score', 'text', (c) => c.notNull())
    .addColumn('quality_updated_at', ms, (c) => c.notNull())
    .addColumn('previous_category', 'text')
    .addColumn('source_template_id', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .addUniqueConstraint('templates_name_language_unique', ['waba_id', 'name', 'language'])
    .execute();

  await caps
    .addSerialId(s.createTable('webhook_events'))
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('waba_id', 'text', (c) => c.notNull())
    .addColumn('phone_number_id', 'text')
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('target_url', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', ms, (c) => c.notNull())
    .addColumn('lease_until', ms)
    .addColumn('last_error', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('delivered_at', ms)
    .execute();
  // The dispatcher scans pending events in id order; delivered ones drop out of this partial index.
  await s.createIndex('webhook_events_pending_idx').on('webhook_events').column('id').where(sql.ref('status'), '=', 'pending').execute();

  await caps
    .addSerialId(s.createTable('webhook_attempts'))
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('event_ids', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('started_at', ms, (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('http_status', 'integer')
    .addColumn('error', 'text')
    .addColumn('response_snippet', 'text')
    .execute();

  await caps
    .addSerialId(s.createTable('sink_requests'))
    .addColumn('sink', 'text', (c) => c.notNull())
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('received_at', ms, (c) => c.notNull())
    .execute();
}
