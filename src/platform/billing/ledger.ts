import type { Executor } from '../../store/database.js';
import type { Message } from '../../store/schema.js';
import type { Pricing } from '../webhooks/cloud-format.js';
import { chargeFor, isFirstDelivery } from './domain.js';
import type { LedgerView } from './ledger-view.js';

/**
 * Records the charge of an outbound message that has just been delivered (inside the transaction
 * that moves its status), to the WABA it was sent from. At most one entry per message.
 */
export async function chargeOnDelivery(
  db: Executor,
  message: Pick<Message, 'id' | 'waba_id' | 'phone_number_id' | 'pricing' | 'created_at'>,
  previousStatus: string,
  nextStatus: string,
  now: number,
): Promise<void> {
  if (!isFirstDelivery(previousStatus, nextStatus)) return;
  const charge = chargeFor(message.pricing === null ? null : (JSON.parse(message.pricing) as Pricing));
  if (!charge) return;
  const waba = await db.selectFrom('wabas').select('currency').where('id', '=', message.waba_id).executeTakeFirst();
  await db
    .insertInto('billing_ledger')
    .values({
      waba_id: message.waba_id,
      phone_number_id: message.phone_number_id,
      message_id: message.id,
      category: charge.category,
      pricing_type: charge.pricingType,
      amount_micros: charge.amountMicros,
      currency: waba?.currency ?? 'USD',
      sent_at: message.created_at,
      charged_at: now,
    })
    .onConflict((oc) => oc.column('message_id').doNothing())
    .execute();
}

export type { LedgerView };

/** A WABA's charges, optionally within [since, until) by charge time. */
export async function ledgerOf(db: Executor, wabaId: string, range: { since?: number | undefined; until?: number | undefined } = {}): Promise<LedgerView> {
  let q = db.selectFrom('billing_ledger').selectAll().where('waba_id', '=', wabaId);
  if (range.since !== undefined) q = q.where('charged_at', '>=', range.since);
  if (range.until !== undefined) q = q.where('charged_at', '<', range.until);
  const entries = await q.orderBy('id').execute();
  const byCategory: LedgerView['by_category'] = {};
  for (const e of entries) {
    const c = (byCategory[e.category] ??= { count: 0, amount_micros: 0 });
    c.count += 1;
    c.amount_micros += e.amount_micros;
  }
  const waba = await db.selectFrom('wabas').select('currency').where('id', '=', wabaId).executeTakeFirst();
  return {
    waba_id: wabaId,
    currency: waba?.currency ?? 'USD',
    total_micros: entries.reduce((sum, e) => sum + e.amount_micros, 0),
    by_category: byCategory,
    entries,
  };
}
