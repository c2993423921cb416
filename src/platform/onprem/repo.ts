import type { Executor } from '../../store/database.js';
import type { OnpremDeployment } from '../../store/schema.js';

export const findDeployment = (db: Executor, id: string): Promise<OnpremDeployment | undefined> =>
  db.selectFrom('onprem_deployments').selectAll().where('id', '=', id).executeTakeFirst();

export async function updateDeployment(db: Executor, id: string, patch: Partial<Omit<OnpremDeployment, 'id'>>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db.updateTable('onprem_deployments').set(patch).where('id', '=', id).execute();
}

export async function recordDrop(db: Executor, phoneNumberId: string, from: string, reason: string, message: unknown, at: number): Promise<void> {
  await db.insertInto('inbound_drops').values({ phone_number_id: phoneNumberId, from_wa_id: from, reason, message: JSON.stringify(message), at }).execute();
}
