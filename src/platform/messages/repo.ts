import type { Executor } from '../../store/database.js';
import { prepared } from '../../store/prepared.js';
import type { Consumer, Media, Message, Template } from '../../store/schema.js';

const consumerById = prepared((db, p: { waId: string }) => db.selectFrom('consumers').selectAll().where('wa_id', '=', p.waId));

export const findConsumer = async (db: Executor, waId: string): Promise<Consumer | undefined> => (await consumerById(db, { waId }))[0];

export const findMessage = (db: Executor, id: string): Promise<Message | undefined> =>
  db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();

const windowOf = prepared((db, p: { phoneNumberId: string; waId: string }) =>
  db.selectFrom('service_windows').select('last_inbound_at').where('phone_number_id', '=', p.phoneNumberId).where('wa_id', '=', p.waId),
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

export async function insertMessage(db: Executor, row: Message): Promise<void> {
  await db.insertInto('messages').values(row).execute();
}

export async function setMessageStatus(db: Executor, id: string, status: string, at: number): Promise<void> {
  await db.updateTable('messages').set({ status, updated_at: at }).where('id', '=', id).execute();
}
