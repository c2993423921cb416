import type { Executor } from '../../store/database.js';
import type { DialectCapabilities } from '../../store/dialect.js';
import { preparedOne } from '../../store/prepared.js';
import type { NewPhoneNumber, PhoneNumber, PhoneNumberPatch } from '../../store/schema.js';

const phoneById = preparedOne((db, p: { id: string }) => db.selectFrom('phone_numbers').selectAll().where('id', '=', p.id));

export const findPhoneNumber = (db: Executor, id: string): Promise<PhoneNumber | undefined> => phoneById(db, { id });

/** The columns the send path needs; reading all ~30 columns costs more than the rest of the lookup. */
export type SendingNumber = Pick<PhoneNumber, 'id' | 'waba_id' | 'cc' | 'number' | 'api' | 'webhook_override_url' | 'history_since'>;

const sendingNumberById = preparedOne(
  (db, p: { id: string }) =>
    db.selectFrom('phone_numbers').select(['id', 'waba_id', 'cc', 'number', 'api', 'webhook_override_url', 'history_since']).where('id', '=', p.id),
  { cached: true },
);

export const findSendingNumber = (db: Executor, id: string): Promise<SendingNumber | undefined> => sendingNumberById(db, { id });

/** Loads a number for update: a row lock where the engine has them; SQLite serialises writers anyway. */
export function lockPhoneNumber(db: Executor, caps: DialectCapabilities, id: string): Promise<PhoneNumber | undefined> {
  const q = db.selectFrom('phone_numbers').selectAll().where('id', '=', id);
  return (caps.rowLocks ? q.forUpdate() : q).executeTakeFirst();
}

export const findPhoneNumberByE164 = (db: Executor, cc: string, number: string): Promise<PhoneNumber | undefined> =>
  db.selectFrom('phone_numbers').selectAll().where('cc', '=', cc).where('number', '=', number).executeTakeFirst();

/** Most recently onboarded first, Graph's default order. */
export const listPhoneNumbers = (db: Executor, wabaId: string): Promise<PhoneNumber[]> =>
  db
    .selectFrom('phone_numbers')
    .selectAll()
    .where('waba_id', '=', wabaId)
    .orderBy('last_onboarded_at', (ob) => ob.desc().nullsLast()) // SQLite's default; PostgreSQL puts NULLs first
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();

export async function insertPhoneNumber(db: Executor, row: NewPhoneNumber): Promise<void> {
  await db.insertInto('graph_nodes').values({ id: row.id, kind: 'phone_number' }).execute();
  await db.insertInto('phone_numbers').values(row).execute();
}

export async function updatePhoneNumber(db: Executor, id: string, patch: PhoneNumberPatch): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db.updateTable('phone_numbers').set(patch).where('id', '=', id).execute();
}

export async function countRegistrationEvents(db: Executor, id: string, kind: 'register' | 'deregister', since: number): Promise<number> {
  const row = await db
    .selectFrom('registration_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('phone_number_id', '=', id)
    .where('kind', '=', kind)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function addRegistrationEvent(db: Executor, id: string, kind: 'register' | 'deregister', at: number): Promise<void> {
  await db.insertInto('registration_events').values({ phone_number_id: id, kind, at }).execute();
}
