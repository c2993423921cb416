import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_CARD_MICROS } from '../../src/platform/billing/domain.js';
import type { LedgerView } from '../../src/platform/billing/ledger.js';
import { advanceClock, expectSuccess, stopWorlds } from '../support/graph-helpers.js';
import { createTemplate, settle, statusObjects, templateBody, uniqueConsumer, uniqueName } from '../support/message-helpers.js';
import { inbound, OnpremClient } from '../support/onprem-helpers.js';
import { TestPlatform, addNumber, registerNumber, sharedPlatform, type World } from '../support/platform.js';
import { migrate, migrationsOf, twoPartners, type TwoPartners } from '../support/waba-migration-helpers.js';

/**
 * Seed 004 "Billing migration": messages are charged when delivered, to the WABA that sent them. What
 * the source sent before the migration is the source's charge even when it is delivered after it;
 * what the destination sends after is the destination's. Free-form (service) messages and utility
 * templates inside the customer service window are free.
 */

type Ledger = LedgerView;

interface StoredMessage {
  id: string;
  waba_id: string;
  direction: string;
  status: string;
  pricing: { billable: boolean; category: string } | null;
}

const MARKETING = RATE_CARD_MICROS['marketing'] ?? NaN;
const UTILITY = RATE_CARD_MICROS['utility'] ?? NaN;

const ledger = (tp: TestPlatform, wabaId: string, query = ''): Promise<Ledger> => tp.control<Ledger>('GET', `billing/${wabaId}${query}`);

const storedMessages = async (tp: TestPlatform, numberId: string): Promise<StoredMessage[]> =>
  (await tp.control<{ data: StoredMessage[] }>('GET', `messages?phone_number_id=${numberId}&limit=500`)).data;

const deliveredBillable = (messages: StoredMessage[]): string[] =>
  messages.filter((m) => m.direction === 'outbound' && ['delivered', 'read'].includes(m.status) && m.pricing?.billable === true).map((m) => m.id);

/** `POST /{PHONE_NUMBER_ID}/messages` as `world`, asserting acceptance; returns the message id. */
async function send(tp: TestPlatform, world: World, numberId: string, to: string, message: Record<string, unknown>): Promise<string> {
  const res = await tp.graph<{ messages: { id: string }[] }>('POST', `${numberId}/messages`, world.token, { messaging_product: 'whatsapp', to, ...message });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.messages[0]?.id ?? '';
}

const template = (name: string): Record<string, unknown> => ({ type: 'template', template: { name, language: { code: 'en_US' } } });
const text = (body: string): Record<string, unknown> => ({ type: 'text', text: { body } });

/** A MARKETING and a UTILITY template created (and approved) in the world's WABA. */
async function templatesOf(tp: TestPlatform, world: World): Promise<{ marketing: string; utility: string }> {
  const marketing = uniqueName('promo');
  const utility = uniqueName('receipt');
  expect(await createTemplate(tp, world, templateBody(marketing, { category: 'MARKETING', text: 'New arrivals this week.' }))).toMatchObject({ status: 'APPROVED' });
  expect(await createTemplate(tp, world, templateBody(utility, { category: 'UTILITY', text: 'Your order is ready.' }))).toMatchObject({ status: 'APPROVED' });
  return { marketing, utility };
}

/** The stored status of each message id. */
async function statusesOf(tp: TestPlatform, numberId: string, ids: string[]): Promise<string[]> {
  const byId = new Map((await storedMessages(tp, numberId)).map((m) => [m.id, m.status]));
  return ids.map((id) => byId.get(id) ?? 'missing');
}

describe('WABA-to-WABA migration: billing across the migration instant (seed 004)', () => {
  let tp: TestPlatform;
  let p: TwoPartners;
  const online = uniqueConsumer();
  const offline = uniqueConsumer();
  let completedAt: number;
  /** Source sends, before the migration. */
  const src = { marketingOnline: '', utilityOffline: '', serviceText: '', utilityInWindow: '' };
  /** Destination sends, after it. */
  const dst = { marketing1: '', marketing2: '', utilityOffline: '', serviceText: '' };
  let delivered: string[];

  beforeAll(async () => {
    tp = await TestPlatform.start();
    p = await twoPartners(tp);
    await tp.control('POST', 'consumers', { wa_id: online, name: 'Online Olga', online: true });
    await tp.control('POST', 'consumers', { wa_id: offline, name: 'Offline Omar', online: false });
    const sourceTemplates = await templatesOf(tp, p.source);
    const destTemplates = await templatesOf(tp, p.dest);

    // Before: the online consumer writes (their service window opens), the source answers and markets.
    expect(await inbound(tp, p.number.id, online, { type: 'text', text: { body: 'hi' } })).toMatchObject({ delivered: true });
    src.marketingOnline = await send(tp, p.source, p.number.id, online, template(sourceTemplates.marketing));
    src.utilityOffline = await send(tp, p.source, p.number.id, offline, template(sourceTemplates.utility));
    src.serviceText = await send(tp, p.source, p.number.id, online, text('thanks for writing'));
    src.utilityInWindow = await send(tp, p.source, p.number.id, online, template(sourceTemplates.utility));
    expect(await statusesOf(tp, p.number.id, Object.values(src))).toEqual(['delivered', 'sent', 'delivered', 'delivered']);

    await advanceClock(tp, 2);
    await migrate(tp, p);
    const [m] = (await migrationsOf(tp, p.number.id)) as (Awaited<ReturnType<typeof migrationsOf>>[number] & { completed_at: number })[];
    completedAt = m?.completed_at ?? NaN;
    await advanceClock(tp, 2);

    // After: the destination registers and sends.
    expectSuccess(await registerNumber(tp, p.dest, p.number.id, '654321'));
    expect(await inbound(tp, p.number.id, online, { type: 'text', text: { body: 'hello again' } })).toMatchObject({ delivered: true, api: 'cloud' });
    dst.marketing1 = await send(tp, p.dest, p.number.id, online, template(destTemplates.marketing));
    dst.marketing2 = await send(tp, p.dest, p.number.id, online, template(destTemplates.marketing));
    dst.utilityOffline = await send(tp, p.dest, p.number.id, offline, template(destTemplates.utility));
    dst.serviceText = await send(tp, p.dest, p.number.id, online, text('welcome to the new provider'));
    expect(await statusesOf(tp, p.number.id, Object.values(dst))).toEqual(['delivered', 'delivered', 'sent', 'delivered']);

    // Later still, the offline consumer's phone comes online: both pending messages are delivered now.
    await advanceClock(tp, 2);
    const patched = await tp.control<{ online: number; delivered_message_ids: string[] }>('PATCH', `consumers/${offline}`, { online: true });
    delivered = patched.delivered_message_ids;
  });

  afterAll(async () => {
    await stopWorlds(p.source, p.dest);
    await tp.stop();
  });

  it('delivers the pending messages of both WABAs when the consumer comes online', () => {
    expect(delivered).toEqual([src.utilityOffline, dst.utilityOffline]);
  });

  it('charges the source for what it sent, including the message delivered after the migration', async () => {
    const view = await ledger(tp, p.source.wabaId);
    expect(view).toMatchObject({ waba_id: p.source.wabaId, currency: 'USD', total_micros: MARKETING + UTILITY });
    expect(view.by_category).toEqual({ marketing: { count: 1, amount_micros: MARKETING }, utility: { count: 1, amount_micros: UTILITY } });
    expect(view.entries.map((e) => [e.message_id, e.category, e.amount_micros, e.pricing_type])).toEqual([
      [src.marketingOnline, 'marketing', MARKETING, 'regular'],
      [src.utilityOffline, 'utility', UTILITY, 'regular'],
    ]);
    expect(view.entries.every((e) => e.waba_id === p.source.wabaId && e.phone_number_id === p.number.id && e.currency === 'USD')).toBe(true);

    const [early, late] = view.entries;
    // Delivered at once: charged when sent, before the migration.
    expect(early?.charged_at).toBe(early?.sent_at);
    expect(early?.charged_at).toBeLessThan(completedAt);
    // Sent before the migration, delivered (and so charged) after it: still the source's.
    expect(late?.sent_at).toBeLessThan(completedAt);
    expect(late?.charged_at).toBeGreaterThan(completedAt);
  });

  it('charges the destination for what it sent after the migration', async () => {
    const view = await ledger(tp, p.dest.wabaId);
    expect(view).toMatchObject({ waba_id: p.dest.wabaId, currency: 'USD', total_micros: 2 * MARKETING + UTILITY });
    expect(view.by_category).toEqual({ marketing: { count: 2, amount_micros: 2 * MARKETING }, utility: { count: 1, amount_micros: UTILITY } });
    expect(view.entries.map((e) => [e.message_id, e.category, e.amount_micros])).toEqual([
      [dst.marketing1, 'marketing', MARKETING],
      [dst.marketing2, 'marketing', MARKETING],
      [dst.utilityOffline, 'utility', UTILITY],
    ]);
    expect(view.entries.every((e) => e.waba_id === p.dest.wabaId && e.sent_at > completedAt && e.charged_at >= e.sent_at)).toBe(true);
  });

  it('filters a ledger by charge time around the migration', async () => {
    const before = await ledger(tp, p.source.wabaId, `?until=${completedAt}`);
    expect(before.entries.map((e) => e.message_id)).toEqual([src.marketingOnline]);
    expect(before.total_micros).toBe(MARKETING);
    const after = await ledger(tp, p.source.wabaId, `?since=${completedAt}`);
    expect(after.entries.map((e) => e.message_id)).toEqual([src.utilityOffline]);
    expect(after.by_category).toEqual({ utility: { count: 1, amount_micros: UTILITY } });
  });

  it('does not charge free-form service messages or utility templates inside the service window', async () => {
    const charged = new Set([...(await ledger(tp, p.source.wabaId)).entries, ...(await ledger(tp, p.dest.wabaId)).entries].map((e) => e.message_id));
    for (const id of [src.serviceText, src.utilityInWindow, dst.serviceText]) expect(charged.has(id), id).toBe(false);
    const byId = new Map((await storedMessages(tp, p.number.id)).map((m) => [m.id, m]));
    expect(byId.get(src.serviceText)).toMatchObject({ status: 'delivered', pricing: { billable: false, category: 'service' } });
    expect(byId.get(src.utilityInWindow)).toMatchObject({ status: 'delivered', pricing: { billable: false, category: 'utility' } });
    expect(byId.get(dst.serviceText)).toMatchObject({ status: 'delivered', pricing: { billable: false, category: 'service' } });
  });

  it('reports the late delivery to the source WABA\'s app, not the destination\'s', async () => {
    await p.source.receiver.waitFor(() => p.source.receiver.statusesOf(src.utilityOffline).length === 2);
    await settle(tp);
    expect(p.source.receiver.statusesOf(src.utilityOffline)).toEqual(['sent', 'delivered']);
    expect(p.dest.receiver.statusesOf(src.utilityOffline)).toEqual([]);
    const deliveredStatus = statusObjects(p.source.receiver, src.utilityOffline)[1];
    expect(deliveredStatus).toMatchObject({ status: 'delivered', recipient_id: offline, pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' } });
    // The destination's own pending message is reported to the destination only.
    await p.dest.receiver.waitFor(() => p.dest.receiver.statusesOf(dst.utilityOffline).length === 2);
    expect(p.dest.receiver.statusesOf(dst.utilityOffline)).toEqual(['sent', 'delivered']);
    expect(p.source.receiver.statusesOf(dst.utilityOffline)).toEqual([]);
  });

  it('keeps the ledger balanced: one entry per delivered billable message, none twice when the status moves on', async () => {
    const entriesOf = async (): Promise<Ledger['entries']> => [...(await ledger(tp, p.source.wabaId)).entries, ...(await ledger(tp, p.dest.wabaId)).entries];
    const billable = deliveredBillable(await storedMessages(tp, p.number.id));
    expect(billable).toHaveLength(5);
    const ids = (await entriesOf()).map((e) => e.message_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...billable].sort());
    // The WABA charged is the one stored as the sender.
    const senders = new Map((await storedMessages(tp, p.number.id)).map((m) => [m.id, m.waba_id]));
    expect((await entriesOf()).every((e) => senders.get(e.message_id) === e.waba_id)).toBe(true);

    // Delivered again, then read: nothing is charged a second time.
    for (const id of [...Object.values(src), ...Object.values(dst)]) {
      await tp.control('POST', `messages/${encodeURIComponent(id)}/status`, { status: 'delivered' });
      await tp.control('POST', `messages/${encodeURIComponent(id)}/status`, { status: 'read' });
    }
    expect(await statusesOf(tp, p.number.id, billable)).toEqual(billable.map(() => 'read'));
    const after = await entriesOf();
    expect(after.map((e) => e.message_id).sort()).toEqual([...billable].sort());
    expect((await ledger(tp, p.source.wabaId)).total_micros).toBe(MARKETING + UTILITY);
    expect((await ledger(tp, p.dest.wabaId)).total_micros).toBe(2 * MARKETING + UTILITY);
    // The read receipts follow the same routing as the deliveries.
    await p.source.receiver.waitFor(() => p.source.receiver.statusesOf(src.utilityOffline).includes('read'));
    await settle(tp);
    expect(p.dest.receiver.statusesOf(src.utilityOffline)).toEqual([]);
  });
});

describe('billing does not depend on the API (seed 004): On-Prem template sends are charged too', () => {
  const shared = sharedPlatform();

  it('charges a delivered On-Prem template to its WABA, in the template\'s category; free-form stays free', async () => {
    const { tp, world } = shared;
    const number = await addNumber(tp, world, { register_pin: undefined });
    const dep = await OnpremClient.create(tp);
    await dep.register(number);
    const { utility } = await templatesOf(tp, world);
    const to = uniqueConsumer();
    await tp.control('POST', 'consumers', { wa_id: to, name: 'Online', online: true });

    const sent = await dep.call<{ messages: { id: string }[] }>('POST', 'messages', { to, type: 'template', template: { namespace: 'ns', name: utility, language: { policy: 'deterministic', code: 'en_US' } } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect((await dep.sendText(to, 'outside the window: fails, never charged')).status).toBe(200);

    const charged = await ledger(tp, world.wabaId);
    expect(charged.entries.map((e) => [e.message_id, e.category, e.amount_micros])).toEqual([[sent.body.messages[0]?.id, 'utility', UTILITY]]);
  });
});
