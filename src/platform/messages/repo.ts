import type { Executor } from '../../store/database.js';
import { prepared, preparedInsert } from '../../store/prepared.js';
import type { Consumer, Media, Message, Template } from '../../store/schema.js';

const consumerById = prepared((db, p: { waId: string }) => db.selectFrom('consumers').selectAll().where('wa_id', '=', p.waId), { cached: true });

export const findConsumer = async (db: Executor, waId: string): Promise<Consumer | undefined> => (await consumerById(db, { waId }))[0];

export const findMessage = (db: Executor, id: string): Promise<Message | undefined> =>
  db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();

const windowOf = prepared(
  (db, p: { phoneNumberId: string; waId: string }) =>
    db.selectFrom('service_windows').select('last_inbound_at').where('phone_number_id', '=', p.phoneNumberId).where('wa_id', '=', p.waId),
  { cached: true },
);

export async function lastInboundAt(db: Executor, phoneNumberId: string, waId: string): Promise<number | undefined> {
  return (await windowOf(db, { phoneNumberId, waId }))[0]?.last_inbound_at;
}

export async function touchServiceWindow(db: Executor, phoneNumberId: string, waId: string, at: number): Promise<void> {
  await db
    .insertInto('service_windows')
    .values({ phone_number_id: phoneNumberId, wa_id: waId, last_inbound_at: at })
    .onConflict((oc) => oc.columns(['phone_number_id', 'wa_id']).doUpdateSet({ last_inbound_at: at }))
    .execute();
}

export const findTemplateByName = (db: Executor, wabaId: string, name: string, language: string): Promise<Template | undefined> =>
  db.selectFrom('templates').selectAll().where('waba_id', '=', wabaId).where('name', '=', name).where('language', '=', language).executeTakeFirst();

export const findMediaMeta = (db: Executor, id: string): Promise<Omit<Media, 'data'> | undefined> =>
  db
    .selectFrom('media')
    .select(['id', 'phone_number_id', 'api', 'mime_type', 'sha256', 'file_size', 'filename', 'created_at', 'expires_at', 'deleted_at'])
    .where('id', '=', id)
    .executeTakeFirst();

export const insertMessage: (db: Executor, row: Message) => Promise<void> = preparedInsert('messages', {
  id: true,
  phone_number_id: true,
  waba_id: true,
  direction: true,
  wa_id: true,
  type: true,
  body: true,
  status: true,
  api: true,
  biz_opaque_callback_data: true,
  pricing: true,
  error_code: true,
  created_at: true,
  updated_at: true,
});

export async function setMessageStatus(db: Executor, id: string, status: string, at: number): Promise<void> {
  await db.updateTable('messages').set({ status, updated_at: at }).where('id', '=', id).execute();
}
