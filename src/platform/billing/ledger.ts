import type { Executor } from '../../store/database.js';
import { prepared } from '../../store/prepared.js';
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
  const [waba] = await wabaCurrency(db, { wabaId: message.waba_id });
  await insertCharge(db, {
    wabaId: message.waba_id,
    phoneNumberId: message.phone_number_id,
    messageId: message.id,
    category: charge.category,
    pricingType: charge.pricingType,
    amountMicros: charge.amountMicros,
    currency: waba?.currency ?? 'USD',
    sentAt: message.created_at,
    chargedAt: now,
  });
}

// Compile-once statements: every billable send (templates, mostly) charges on delivery.
const wabaCurrency = prepared((db, p: { wabaId: string }) => db.selectFrom('wabas').select('currency').where('id', '=', p.wabaId), { cached: true });

// A type, not an interface: prepared() takes parameter records (an interface has no index signature).
type ChargeRow = {
  wabaId: string;
  phoneNumberId: string;
  messageId: string;
  category: string;
  pricingType: string;
  amountMicros: number;
  currency: string;
  sentAt: number;
  chargedAt: number;
};

const insertCharge = prepared((db, p: ChargeRow) =>
  db
    .insertInto('billing_ledger')
    .values({
      waba_id: p.wabaId,
      phone_number_id: p.phoneNumberId,
      message_id: p.messageId,
      category: p.category,
      pricing_type: p.pricingType,
      amount_micros: p.amountMicros,
      currency: p.currency,
      sent_at: p.sentAt,
      charged_at: p.chargedAt,
    })
    .onConflict((oc) => oc.column('message_id').doNothing()),
);

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
