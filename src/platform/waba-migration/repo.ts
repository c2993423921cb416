import type { Executor } from '../../store/database.js';
import type { NumberMigration } from '../../store/schema.js';

/** Pending claims on a number, newest first (expired ones included: callers decide what expiry means). */
export const pendingMigrations = (db: Executor, numberId: string): Promise<NumberMigration[]> =>
  db.selectFrom('number_migrations').selectAll().where('phone_number_id', '=', numberId).where('status', '=', 'pending').orderBy('id', 'desc').execute();

export async function insertMigration(db: Executor, m: Omit<NumberMigration, 'id'>): Promise<number> {
  const row = await db.insertInto('number_migrations').values(m).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function updateMigration(db: Executor, id: number, patch: Partial<Omit<NumberMigration, 'id'>>): Promise<void> {
  await db.updateTable('number_migrations').set(patch).where('id', '=', id).execute();
}

export const findMigration = (db: Executor, id: number): Promise<NumberMigration | undefined> =>
  db.selectFrom('number_migrations').selectAll().where('id', '=', id).executeTakeFirst();

export const listMigrations = (db: Executor, filter: { phoneNumberId?: string | undefined; wabaId?: string | undefined }): Promise<NumberMigration[]> => {
  let q = db.selectFrom('number_migrations').selectAll();
  if (filter.phoneNumberId) q = q.where('phone_number_id', '=', filter.phoneNumberId);
  if (filter.wabaId) q = q.where((eb) => eb.or([eb('source_waba_id', '=', filter.wabaId ?? ''), eb('dest_waba_id', '=', filter.wabaId ?? '')]));
  return q.orderBy('id', 'desc').limit(500).execute();
};
