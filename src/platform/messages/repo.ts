import type { Executor } from '../../store/database.js';
import { prepared, preparedInsert, preparedOne } from '../../store/prepared.js';
import type { Consumer, Media, Message, Template } from '../../store/schema.js';

const consumerById = preparedOne((db, p: { waId: string }) => db.selectFrom('consumers').selectAll().where('wa_id', '=', p.waId), { cached: true });

export const findConsumer = (db: Executor, waId: string): Promise<Consumer | undefined> => consumerById(db, { waId });

const messageById = preparedOne((db, p: { id: string }) => db.selectFrom('messages').selectAll().where('id', '=', p.id));

export const findMessage = (db: Executor, id: string): Promise<Message | undefined> => messageById(db, { id });

const windowOf = preparedOne(
  (db, p: { phoneNumberId: string; waId: string }) =>
    db.selectFrom('service_windows').select('last_inbound_at').where('phone_number_id', '=', p.phoneNumberId).where('wa_id', '=', p.waId),
  { cached: true },
);

export async function lastInboundAt(db: Executor, phoneNumberId: string, waId: string): Promise<number | undefined> {
  return (await windowOf(db, { phoneNumberId, waId }))?.last_inbound_at;
}

export async function touchServiceWindow(db: Executor, phoneNumberId: string, waId: string, at: number): Promise<void> {
  await db
    .insertInto('service_windows')
    .values({ phone_number_id: phoneNumberId, wa_id: waId, last_inbound_at: at })
    .onConflict((oc) => oc.columns(['phone_number_id', 'wa_id']).doUpdateSet({ last_inbound_at: at }))
    .execute();
}

// Every template send looks its template up; a template changes rarely (status, quality), so cached.
const templateByName = preparedOne(
  (db, p: { wabaId: string; name: string; language: string }) =>
    db.selectFrom('templates').selectAll().where('waba_id', '=', p.wabaId).where('name', '=', p.name).where('language', '=', p.language),
  { cached: true },
);

/** The template of a send (a frozen row: do not modify it). */
export const findTemplateByName = (db: Executor, wabaId: string, name: string, language: string): Promise<Template | undefined> =>
  templateByName(db, { wabaId, name, language });

// Media sends by id and media downloads look the upload up; it changes once at most (deleted), so cached.
const mediaMetaById = preparedOne(
  (db, p: { id: string }) =>
    db.selectFrom('media').select(['id', 'phone_number_id', 'api', 'mime_type', 'sha256', 'file_size', 'filename', 'created_at', 'expires_at', 'deleted_at']).where('id', '=', p.id),
  { cached: true },
);

/** An upload without its bytes (a frozen row: do not modify it). */
export const findMediaMeta = (db: Executor, id: string): Promise<Omit<Media, 'data'> | undefined> => mediaMetaById(db, { id });

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

const updateStatus = prepared((db, p: { id: string; status: string; at: number }) => db.updateTable('messages').set({ status: p.status, updated_at: p.at }).where('id', '=', p.id));

/** Mark-as-read and simulated deliveries move a message's status: compile-once, like the send. */
export async function setMessageStatus(db: Executor, id: string, status: string, at: number): Promise<void> {
  await updateStatus(db, { id, status, at });
}
