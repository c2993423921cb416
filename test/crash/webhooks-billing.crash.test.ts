import { describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../support/receiver.js';
import { Checks, GRAPH, Proc, SEEDS, between, fireAndKill, rng, sleep, tempDb } from './harness.js';

/**
 * Crash during webhook delivery and billable sends: inbound and outbound messages, templates to
 * online consumers and offline consumers coming online, kill -9 mid-flight, restart, wait for quiet.
 * Webhooks are at-least-once with stable payloads (nothing lost, duplicates only of the same event);
 * the billing ledger holds exactly one entry per delivered billable message.
 */
const NUMBERS = 3;
const ONLINE = 10;
const OFFLINE = 6;

interface Event {
  id: number;
  field: string;
  status: string;
  phone_number_id: string | null;
  value: Record<string, unknown>;
}
interface Message {
  id: string;
  direction: string;
  status: string;
  wa_id: string;
  pricing: { billable: boolean } | null;
}

const keyOf = (field: string, value: unknown): string => `${field} ${JSON.stringify(value)}`;

describe('crash during webhook delivery and billable sends', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: at-least-once webhooks with stable ids, balanced ledger`, async () => {
      const r = rng(seed);
      const { db, cleanup } = tempDb(`hooks-${seed}`);
      const receiver = new WebhookReceiver();
      await receiver.start();
      let p = await Proc.start(db);
      const checks = new Checks();
      try {
        // --- setup ---
        const partner = await p.control<{ id: string }>('POST', 'businesses', { name: 'Partner' });
        const waba = await p.control<{ id: string }>('POST', 'wabas', { name: 'WABA', owner_business_id: partner.id, payment_method: 'credit_line' });
        const app = await p.control<{ id: string; app_secret: string }>('POST', 'apps', { name: 'App', business_id: partner.id, callback_url: receiver.url, verify_token: receiver.verifyToken });
        receiver.appSecret = app.app_secret;
        await p.control('POST', `wabas/${waba.id}/subscribed_apps/${app.id}`);
        const { access_token: token } = await p.control<{ access_token: string }>('POST', 'tokens', { app_id: app.id, business_ids: [partner.id] });
        const numbers: string[] = [];
        for (let i = 0; i < NUMBERS; i++) {
          const n = await p.control<{ id: string }>('POST', 'phone-numbers', { waba_id: waba.id, cc: '1', phone_number: `5554${String(seed % 100).padStart(2, '0')}${String(i).padStart(4, '0')}`, verified_name: 'Shop', register_pin: '123456' });
          numbers.push(n.id);
        }
        const tpl = await p.ok<{ status: string }>('POST', `${GRAPH}/${waba.id}/message_templates`, { name: 'crash_util', language: 'en_US', category: 'UTILITY', components: [{ type: 'BODY', text: 'Your order is ready.' }] }, token);
        expect(tpl.status).toBe('APPROVED');
        const online = Array.from({ length: ONLINE }, (_, i) => `4478${String(seed % 100).padStart(2, '0')}${String(i).padStart(5, '0')}`);
        const offline = Array.from({ length: OFFLINE }, (_, i) => `4479${String(seed % 100).padStart(2, '0')}${String(i).padStart(5, '0')}`);
        for (const wa of online) await p.control('POST', 'consumers', { wa_id: wa, name: 'On', online: true });
        for (const wa of offline) await p.control('POST', 'consumers', { wa_id: wa, name: 'Off', online: false });
        const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
        const template = { type: 'template', template: { name: 'crash_util', language: { code: 'en_US' } } };
        // Templates waiting for offline consumers (status "sent"): delivered when they come online.
        for (const wa of offline) for (let k = 0; k < 2; k++) await p.ok('POST', `${GRAPH}/${pick(numbers)}/messages`, { messaging_product: 'whatsapp', to: wa, ...template }, token);

        // --- crash window ---
        const running = p;
        type Op = { kind: string; run: () => Promise<{ status: number; body: any }> };
        const ops: Op[] = [];
        for (let k = 0; k < 40; k++) {
          const n = pick(numbers);
          const from = pick(online);
          ops.push({ kind: 'inbound', run: () => running.call('POST', '/_switchboard/inbound', { phone_number_id: n, from, name: 'On', text: { body: `hi ${k}` } }) });
        }
        for (let k = 0; k < 40; k++) {
          const n = pick(numbers);
          const to = pick(online);
          ops.push({ kind: 'template', run: () => running.call('POST', `${GRAPH}/${n}/messages`, { messaging_product: 'whatsapp', to, ...template }, token) });
        }
        for (let k = 0; k < 10; k++) {
          const n = pick(numbers);
          const to = pick(online);
          ops.push({ kind: 'text', run: () => running.call('POST', `${GRAPH}/${n}/messages`, { messaging_product: 'whatsapp', to, text: { body: `t${k}` } }, token) });
        }
        for (const wa of offline) ops.push({ kind: 'online', run: () => running.call('PATCH', `/_switchboard/consumers/${wa}`, { online: true }) });
        // Seeded shuffle.
        for (let i = ops.length - 1; i > 0; i--) {
          const j = Math.floor(r() * (i + 1));
          [ops[i], ops[j]] = [ops[j]!, ops[i]!];
        }
        const delay = between(r, 5, 80);
        const postsBefore = () => receiver.received.length;
        const { outcomes, killedAtMs } = await fireAndKill(p, ops.map((o) => o.run), delay);
        const receivedAtKill = postsBefore();
        const keysAtKill = new Set(receiver.received.flatMap((post) => (post.body as { entry: { changes: { field: string; value: unknown }[] }[] }).entry.flatMap((e) => e.changes.map((c) => keyOf(c.field, c.value)))));

        // --- restart (the new process releases the dead one's leases), wait for quiet ---
        p = await Proc.start(db);
        // Events go out at once; the clock jump below only makes failed attempts' retries due (leases
        // run on wall time, so it cannot expire a delivery in flight).
        await sleep(1000);
        await p.control('POST', 'clock/advance', { seconds: 25 });
        let pending = -1;
        for (let t = 0; t < 40; t++) {
          await p.control('POST', 'webhook-deliveries/flush');
          pending = (await p.control<{ data: unknown[] }>('GET', 'webhook-deliveries?status=pending&limit=500')).data.length;
          if (pending === 0) break;
          await sleep(250);
        }
        await sleep(300);

        const events = (await p.control<{ data: Event[] }>('GET', 'webhook-deliveries?limit=500')).data;
        const messages = (await p.control<{ data: Message[] }>('GET', 'messages?limit=500')).data;
        checks.check(events.length < 500 && messages.length < 500, () => `seed ${seed}: listing limit reached (${events.length} events, ${messages.length} messages)`);
        checks.check(pending === 0, () => `seed ${seed}: ${pending} events still pending after restart and flush`);

        // Every event delivered, and received at least once; every POST is some event (maxBatch 1).
        const received = new Map<string, number>();
        let badSignatures = 0;
        for (const post of receiver.received) {
          if (!post.validSignature) badSignatures += 1;
          const body = post.body as { entry: { changes: { field: string; value: unknown }[] }[] };
          for (const e of body.entry) for (const c of e.changes) received.set(keyOf(c.field, c.value), (received.get(keyOf(c.field, c.value)) ?? 0) + 1);
        }
        checks.check(badSignatures === 0, () => `seed ${seed}: ${badSignatures} POSTs with a bad signature`);
        const eventKeys = new Map<string, number>();
        for (const e of events) eventKeys.set(keyOf(e.field, e.value), (eventKeys.get(keyOf(e.field, e.value)) ?? 0) + 1);
        for (const e of events) {
          checks.check(e.status === 'delivered', () => `seed ${seed}: event ${e.id} (${e.field}) is ${e.status} after restart`);
          checks.check((received.get(keyOf(e.field, e.value)) ?? 0) >= 1, () => `seed ${seed}: event ${e.id} (${e.field} ${JSON.stringify(e.value).slice(0, 200)}) never reached the receiver (lost)`);
        }
        for (const k of received.keys()) checks.check(eventKeys.has(k), () => `seed ${seed}: receiver got a payload that is no outbox event: ${k.slice(0, 300)}`);
        const duplicates = [...received.values()].reduce((s, c) => s + Math.max(0, c - 1), 0);
        const redeliveredAfterCrash = [...received.entries()].filter(([k, c]) => keysAtKill.has(k) && c > 1).length;

        // Stable ids: one event per (wamid, status) and per inbound wamid — a retry resends, never re-mints.
        const statusEvents = new Map<string, number>();
        const inboundEvents = new Map<string, number>();
        for (const e of events) {
          for (const s of (e.value['statuses'] as { id: string; status: string }[] | undefined) ?? []) statusEvents.set(`${s.id}/${s.status}`, (statusEvents.get(`${s.id}/${s.status}`) ?? 0) + 1);
          for (const m of (e.value['messages'] as { id: string }[] | undefined) ?? []) inboundEvents.set(m.id, (inboundEvents.get(m.id) ?? 0) + 1);
        }
        for (const [k, c] of [...statusEvents, ...inboundEvents]) checks.check(c === 1, () => `seed ${seed}: ${c} distinct events for ${k} (doubled webhook)`);

        // Nothing lost: every committed message has its webhooks.
        const chain: Record<string, string[]> = { sent: ['sent'], delivered: ['sent', 'delivered'], read: ['sent', 'delivered', 'read'], failed: ['failed'] };
        for (const m of messages) {
          if (m.direction === 'inbound') checks.check(inboundEvents.get(m.id) === 1, () => `seed ${seed}: inbound ${m.id} committed but has no webhook event`);
          else for (const s of chain[m.status] ?? []) checks.check(statusEvents.get(`${m.id}/${s}`) === 1, () => `seed ${seed}: outbound ${m.id} (${m.status}) has no "${s}" webhook event`);
        }
        // Acknowledged operations are durable.
        const stored = new Set(messages.map((m) => m.id));
        let acknowledged = 0;
        for (const [i, o] of outcomes.entries()) {
          if (!o.ok || o.value.status !== 200) continue;
          acknowledged += 1;
          const id = ops[i]!.kind === 'inbound' ? (o.value.body as { messageId?: string }).messageId : ops[i]!.kind === 'online' ? undefined : (o.value.body as { messages?: { id: string }[] }).messages?.[0]?.id;
          if (id) checks.check(stored.has(id), () => `seed ${seed}: acknowledged ${ops[i]!.kind} ${id} is not stored after restart`);
        }

        // Billing: one ledger entry per delivered billable message, none twice.
        const ledgerCheck = async (phase: string): Promise<{ entries: number; stuck: string[] }> => {
          const ms = (await p.control<{ data: Message[] }>('GET', 'messages?limit=500')).data;
          const ledger = await p.control<{ total_micros: number; entries: { message_id: string; amount_micros: number }[] }>('GET', `billing/${waba.id}`);
          const ids = ledger.entries.map((e) => e.message_id);
          const billable = new Set(ms.filter((m) => m.direction === 'outbound' && (m.status === 'delivered' || m.status === 'read') && m.pricing?.billable === true).map((m) => m.id));
          checks.check(new Set(ids).size === ids.length, () => `seed ${seed} ${phase}: a message charged twice: ${JSON.stringify(ids.filter((x, i) => ids.indexOf(x) !== i))}`);
          checks.check(ids.every((id) => billable.has(id)), () => `seed ${seed} ${phase}: charge without a delivered billable message: ${JSON.stringify(ids.filter((id) => !billable.has(id)))}`);
          checks.check([...billable].every((id) => ids.includes(id)), () => `seed ${seed} ${phase}: delivered billable message not charged: ${JSON.stringify([...billable].filter((id) => !ids.includes(id)))}`);
          checks.check(ledger.total_micros === ledger.entries.reduce((s, e) => s + e.amount_micros, 0), () => `seed ${seed} ${phase}: total_micros does not add up`);
          const consumers = (await p.control<{ consumers: { wa_id: string; online: number }[] }>('GET', 'state')).consumers;
          const isOnline = new Set(consumers.filter((c) => c.online === 1).map((c) => c.wa_id));
          const stuck = ms.filter((m) => m.direction === 'outbound' && m.status === 'sent' && isOnline.has(m.wa_id)).map((m) => m.id);
          return { entries: ids.length, stuck };
        };
        const afterCrash = await ledgerCheck('after-restart');
        // Not an invariant of the issue, but a hang worth seeing: "sent" messages to consumers already online.
        if (afterCrash.stuck.length > 0) console.log(`[crash:webhooks seed=${seed}] NOTE ${afterCrash.stuck.length} messages stay "sent" to consumers marked online: ${afterCrash.stuck.join(',')}`);
        // The client retries its PATCHes: pending messages get delivered and charged once.
        for (const wa of offline) await p.control('PATCH', `consumers/${wa}`, { online: true });
        const afterRetry = await ledgerCheck('after-retry');
        checks.check(afterRetry.stuck.length === 0, () => `seed ${seed}: ${afterRetry.stuck.length} messages still "sent" to online consumers after retrying PATCH online`);

        console.log(
          `[crash:webhooks+billing seed=${seed}] ops=${ops.length} kill@${killedAtMs.toFixed(0)}ms (delay ${delay}) acknowledged=${acknowledged} committed-messages=${messages.length} events=${events.length} ` +
            `POSTs=${receiver.received.length} (before kill ${receivedAtKill}) duplicates=${duplicates} (of events received before the kill: ${redeliveredAfterCrash}) ledger=${afterCrash.entries}→${afterRetry.entries} stuck-after-crash=${afterCrash.stuck.length} checks passed=${checks.passed} violations=${checks.violations.length}`,
        );
        expect(checks.violations).toEqual([]);
      } finally {
        await p.stop();
        await receiver.stop();
        cleanup();
      }
    }, 60_000);
  }
});
