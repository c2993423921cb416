import type { DialectCapabilities } from '../store/dialect.js';
import { sql } from 'kysely';
import { LATEST_CLOCK_MS } from '../core/clock.js';
import { errors } from '../core/errors.js';
import { SETTING_KEYS } from '../platform/settings.js';
import type { Executor } from '../store/database.js';

const limitOf = (query: unknown, max = 500): number => {
  const raw = Number((query as Record<string, unknown> | undefined)?.['limit'] ?? 100);
  return Number.isInteger(raw) && raw > 0 ? Math.min(raw, max) : 100;
};
const q = (query: unknown, key: string): string | undefined => {
  const v = (query as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/** Everything the console's platform view lists, in one call. */
export async function overview(db: Executor): Promise<Record<string, unknown>> {
  const [businesses, wabas, apps, subscriptions, numbers, consumers, templates] = await Promise.all([
    db.selectFrom('businesses').selectAll().orderBy('created_at').execute(),
    db.selectFrom('wabas').selectAll().where('deleted_at', 'is', null).orderBy('created_at').execute(),
    db.selectFrom('apps').select(['id', 'name', 'business_id', 'callback_url', 'subscribed_fields']).orderBy('created_at').execute(),
    db.selectFrom('waba_subscriptions').selectAll().execute(),
    db.selectFrom('phone_numbers').selectAll().orderBy('created_at').execute(),
    db.selectFrom('consumers').selectAll().orderBy('created_at').execute(),
    db.selectFrom('templates').select(['id', 'waba_id', 'name', 'language', 'category', 'status', 'quality_score', 'rejected_reason']).orderBy('created_at').execute(),
  ]);
  return {
    businesses,
    wabas,
    apps: apps.map((a) => ({ ...a, subscribed_fields: JSON.parse(a.subscribed_fields) as unknown })),
    subscriptions,
    phone_numbers: numbers.map(({ pin_hash: _secret, ...n }) => n),
    consumers,
    templates,
  };
}

export async function listMessages(db: Executor, query: unknown): Promise<{ data: unknown[] }> {
  let s = db.selectFrom('messages').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limitOf(query));
  const number = q(query, 'phone_number_id');
  const waId = q(query, 'wa_id');
  if (number) s = s.where('phone_number_id', '=', number);
  if (waId) s = s.where('wa_id', '=', waId);
  const rows = await s.execute();
  return { data: rows.map((m) => ({ ...m, body: JSON.parse(m.body) as unknown, pricing: m.pricing === null ? null : (JSON.parse(m.pricing) as unknown) })) };
}

/** The SMS/voice "inbox": codes Meta would have sent to each business number. */
export async function listCodes(db: Executor, query: unknown): Promise<{ data: unknown[] }> {
  let s = db
    .selectFrom('verification_codes')
    .innerJoin('phone_numbers', 'phone_numbers.id', 'verification_codes.phone_number_id')
    .select([
      'verification_codes.id',
      'verification_codes.phone_number_id',
      'phone_numbers.cc',
      'phone_numbers.number',
      'verification_codes.code',
      'verification_codes.method',
      'verification_codes.language',
      'verification_codes.text',
      'verification_codes.sent_at',
      'verification_codes.expires_at',
      'verification_codes.consumed_at',
    ])
    .orderBy('verification_codes.id', 'desc')
    .limit(limitOf(query));
  const number = q(query, 'phone_number_id');
  if (number) s = s.where('verification_codes.phone_number_id', '=', number);
  const phone = q(query, 'phone_number');
  if (phone) s = s.where(sql<string>`phone_numbers.cc || phone_numbers.number`, '=', phone.replace(/\D/g, ''));
  return { data: await s.execute() };
}

export async function inspectDeliveries(db: Executor, query: unknown): Promise<{ data: unknown[] }> {
  let s = db.selectFrom('webhook_events').selectAll().orderBy('id', 'desc').limit(limitOf(query));
  const status = q(query, 'status');
  const app = q(query, 'app_id');
  const field = q(query, 'field');
  const number = q(query, 'phone_number_id');
  if (status) s = s.where('status', '=', status as 'pending');
  if (app) s = s.where('app_id', '=', app);
  if (field) s = s.where('field', '=', field);
  if (number) s = s.where('phone_number_id', '=', number);
  const rows = await s.execute();
  return { data: rows.map((e) => ({ ...e, value: JSON.parse(e.value) as unknown })) };
}

export async function inspectDelivery(db: Executor, caps: DialectCapabilities, rawId: string): Promise<Record<string, unknown>> {
  // Decimal digits only: Number() would also take "0x10" (16) or "1e3", and "abc" would be NaN.
  if (!/^\d{1,15}$/.test(rawId)) throw errors.notFound('webhook delivery', rawId);
  const id = Number(rawId);
  const event = await db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirst();
  if (!event) throw errors.notFound('webhook delivery', rawId);
  const attempts = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where(caps.jsonArrayContainsInteger('webhook_attempts.event_ids', id))
    .orderBy('id')
    .execute();
  return { ...event, value: JSON.parse(event.value) as unknown, attempts };
}

export async function recordSink(db: Executor, sink: string, headers: Record<string, unknown>, body: string, now: number): Promise<void> {
  await db.insertInto('sink_requests').values({ sink, headers: JSON.stringify(headers), body, received_at: now }).execute();
}

export async function listSink(db: Executor, sink: string, query: unknown): Promise<{ data: unknown[] }> {
  const rows = await db.selectFrom('sink_requests').selectAll().where('sink', '=', sink).orderBy('id', 'desc').limit(limitOf(query)).execute();
  return { data: rows.map((r) => ({ ...r, headers: JSON.parse(r.headers) as unknown })) };
}

/** Inbound messages dropped during migration downtime (or to unregistered numbers). */
export async function listDrops(db: Executor, query: unknown): Promise<{ data: unknown[] }> {
  let s = db.selectFrom('inbound_drops').selectAll().orderBy('id', 'desc').limit(limitOf(query));
  const number = q(query, 'phone_number_id');
  if (number) s = s.where('phone_number_id', '=', number);
  const rows = await s.execute();
  return { data: rows.map((r) => ({ ...r, message: JSON.parse(r.message) as unknown })) };
}

const CLOCK_KEY = 'clock_offset_ms';

export async function loadClockOffset(db: Executor): Promise<number> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', CLOCK_KEY).executeTakeFirst();
  return row ? Number(row.value) : 0;
}

/**
 * Moves the stored clock offset by `ms` (atomic when run in a transaction), refusing a move that would
 * take the clock past LATEST_CLOCK_MS before anything is written.
 */
export async function advanceClockOffset(db: Executor, ms: number, wallNow = Date.now()): Promise<void> {
  const offset = (await loadClockOffset(db)) + ms;
  if (wallNow + offset > LATEST_CLOCK_MS) {
    throw errors.invalidParameter(`Advancing the clock by ${ms} ms would move it past ${new Date(LATEST_CLOCK_MS).toISOString()}`);
  }
  await db.insertInto('settings').values({ key: CLOCK_KEY, value: String(offset) }).onConflict((oc) => oc.column('key').doUpdateSet({ value: String(offset) })).execute();
}

/** Empties every table but the installation secrets, in dependency order. */
export async function resetAll(db: Executor): Promise<void> {
  const tables = [
    'billing_ledger',
    'number_migrations',
    'inbound_drops',
    'onprem_stickerpacks',
    'onprem_tokens',
    'onprem_deployments',
    'webhook_attempts',
    'webhook_events',
    'sink_requests',
    'messages',
    'service_windows',
    'media',
    'templates',
    'verification_codes',
    'registration_events',
    'consumers',
    'access_tokens',
    'waba_subscriptions',
    'phone_numbers',
    'apps',
    'wabas',
    'businesses',
    'graph_nodes',
  ] as const;
  for (const t of tables) await db.deleteFrom(t).execute();
  await db.deleteFrom('settings').where('key', 'in', ['demo', CLOCK_KEY, ...Object.values(SETTING_KEYS)]).execute();
}
