import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HookReceiver, type Envelope } from '../../../test/support/webhook-helpers.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor, Store } from '../../store/database.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { WebhookEvent } from '../../store/schema.js';
import { lanes } from './delivery.js';
import { defaultDispatcherOptions, retryDelay, WebhookDispatcher, type DispatcherOptions } from './dispatcher.js';
import { Outbox } from './outbox.js';

describe('retryDelay', () => {
  it('doubles from the base delay and never exceeds the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelay(n, 1000, 15_000))).toEqual([1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(n, 20, 100))).toEqual([20, 40, 80, 100, 100]);
  });

  it('treats attempt 0 (and below) like the first attempt and stays finite for huge attempt counts', () => {
    expect(retryDelay(0, 50, 400)).toBe(50);
    expect(retryDelay(-3, 50, 400)).toBe(50);
    expect(retryDelay(10_000, 50, 400)).toBe(400);
    expect(retryDelay(10_000, 1000, defaultDispatcherOptions.retryMaxMs)).toBe(defaultDispatcherOptions.retryMaxMs);
  });

  it('has defaults that back off from 1 s to at most 15 min and give up after 7 days', () => {
    expect(defaultDispatcherOptions).toMatchObject({ maxBatch: 1, retryBaseMs: 1000, retryMaxMs: 15 * 60 * 1000, maxAgeMs: 7 * 24 * 60 * 60 * 1000 });
  });
});

let nextId = 1;
function ev(over: Partial<WebhookEvent> = {}): WebhookEvent {
  const id = nextId++;
  return {
    id,
    app_id: 'app1',
    waba_id: 'waba1',
    phone_number_id: 'pn1',
    format: 'cloud',
    field: 'messages',
    value: JSON.stringify({ n: id }),
    target_url: 'http://a.example/hook',
    status: 'pending',
    attempts: 0,
    next_attempt_at: 0,
    lease_until: null,
    last_error: null,
    created_at: 0,
    delivered_at: null,
    ...over,
  };
}

describe('lanes', () => {
  const numbers = Array.from({ length: 64 }, (_, i) => `10${String(i).padStart(13, '7')}`);

  it('keeps every event of one phone number in one lane, in input order, for any width', () => {
    const events = Array.from({ length: 640 }, (_, i) => ev({ phone_number_id: numbers[i % numbers.length]! }));
    for (const width of [1, 2, 3, 7, 16, 32, 64]) {
      const out = lanes(events, width);
      for (const n of numbers) {
        const holding = [...out.values()].filter((lane) => lane.some((e) => e.phone_number_id === n));
        expect(holding, `width ${width}, number ${n}`).toHaveLength(1);
        const mine = holding[0]!.filter((e) => e.phone_number_id === n).map((e) => e.id);
        expect(mine).toEqual(events.filter((e) => e.phone_number_id === n).map((e) => e.id));
      }
      // Every event lands in exactly one lane, and lane order follows input order.
      const all = [...out.values()].flat();
      expect(all).toHaveLength(events.length);
      expect(new Set(all.map((e) => e.id)).size).toBe(events.length);
      for (const lane of out.values()) expect(lane.map((e) => e.id)).toEqual([...lane.map((e) => e.id)].sort((a, b) => a - b));
      expect(out.size).toBeLessThanOrEqual(width);
    }
  });

  it('spreads different numbers over several lanes (parallelism), one lane when width is 1', () => {
    const events = numbers.map((n) => ev({ phone_number_id: n }));
    expect(lanes(events, 16).size).toBeGreaterThan(1);
    expect(lanes(events, 1).size).toBe(1);
  });

  it('never mixes apps, target URLs or formats in one lane', () => {
    const events = [
      ev({ app_id: 'app1', target_url: 'http://a.example/hook' }),
      ev({ app_id: 'app2', target_url: 'http://a.example/hook' }),
      ev({ app_id: 'app1', target_url: 'http://b.example/hook' }),
      ev({ app_id: 'app1', target_url: 'http://a.example/hook', format: 'onprem' }),
      ev({ app_id: 'app1', target_url: 'http://a.example/hook' }),
    ];
    const out = [...lanes(events, 1).values()];
    expect(out).toHaveLength(4);
    for (const lane of out) {
      expect(new Set(lane.map((e) => `${e.app_id} ${e.target_url} ${e.format}`)).size).toBe(1);
    }
    expect(out.find((l) => l.length === 2)?.map((e) => e.id)).toEqual([events[0]!.id, events[4]!.id]);
  });

  it('keys events without a phone number by their WABA', () => {
    const events = [ev({ phone_number_id: null, waba_id: 'w-1' }), ev({ phone_number_id: 'pn-x' }), ev({ phone_number_id: null, waba_id: 'w-1' })];
    for (const width of [2, 5, 16, 31]) {
      const holding = [...lanes(events, width).values()].filter((l) => l.some((e) => e.waba_id === 'w-1' && e.phone_number_id === null));
      expect(holding).toHaveLength(1);
      expect(holding[0]!.filter((e) => e.phone_number_id === null).map((e) => e.id)).toEqual([events[0]!.id, events[2]!.id]);
    }
  });
});

describe('WebhookDispatcher against a real endpoint', () => {
  const SECRET = 'dispatcher-test-secret';
  let store: Store;
  let hook: HookReceiver;
  let other: HookReceiver;
  let t: number;
  const clock = { now: (): number => t };
  const dispatchers: WebhookDispatcher[] = [];

  beforeAll(async () => {
    hook = await new HookReceiver().start();
    other = await new HookReceiver().start();
    hook.appSecret = other.appSecret = SECRET;
  });
  afterAll(async () => {
    await hook.stop();
    await other.stop();
  });

  async function openWithApp(path: string): Promise<Store> {
    const s = await openSqliteStore(path);
    await s.db.insertInto('businesses').values({ id: 'b1', name: 'B', verification_status: 'verified', tos_accepted_at: t, created_at: t }).execute();
    await s.db
      .insertInto('apps')
      .values({ id: 'app1', name: 'A', business_id: 'b1', app_secret: SECRET, callback_url: hook.url, verify_token: null, subscribed_fields: '["messages"]', created_at: t })
      .execute();
    return s;
  }

  beforeEach(async () => {
    t = 1_750_000_000_000;
    store = await openWithApp(':memory:');
    hook.hits.length = 0;
    other.hits.length = 0;
    hook.status = 200;
    other.status = 200;
    hook.delay = () => 0;
  });
  afterEach(async () => {
    for (const d of dispatchers.splice(0)) await d.stop();
    await store.close();
  });

  /** The same store, as processes sharing a database see it: claims take leases. */
  const shared = (): Store => ({ ...store, transaction: (work) => store.transaction(work), caps: { ...store.caps, sharedByProcesses: true } });

  function dispatcher(options: Partial<DispatcherOptions> = {}, on: Store = store): WebhookDispatcher {
    const d = new WebhookDispatcher(on, clock, new Outbox(), { ...defaultDispatcherOptions, retryBaseMs: 100, retryMaxMs: 1000, maxAgeMs: 10_000, ...options }, clock);
    dispatchers.push(d);
    return d;
  }

  async function enqueue(n: number, over: Partial<Omit<WebhookEvent, 'id'>> = {}, on: Executor = store.db): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = await on
        .insertInto('webhook_events')
        .values({
          app_id: 'app1',
          waba_id: 'waba1',
          phone_number_id: 'pn1',
          format: 'cloud',
          field: 'messages',
          value: JSON.stringify({ seq: ids.length + 1, text: 'olá' }),
          target_url: hook.url,
          status: 'pending',
          attempts: 0,
          next_attempt_at: t,
          lease_until: null,
          last_error: null,
          created_at: t,
          delivered_at: null,
          ...over,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(row.id);
    }
    return ids;
  }

  const row = (id: number): Promise<WebhookEvent> => store.db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const seqs = (h: HookReceiver): number[][] => h.accepted().map((p) => (p.body as Envelope).entry.flatMap((e) => e.changes.map((c) => (c.value as { seq: number }).seq)));

  it('signs the escaped body with the app secret, marks the event delivered and logs the attempt', async () => {
    const [id] = await enqueue(1, { created_at: t - 5000 });
    expect(await dispatcher().deliverDue()).toBe(1);
    expect(hook.accepted()).toHaveLength(1);
    const hit = hook.accepted()[0]!;
    expect(hit.raw).toBe(`{"object":"whatsapp_business_account","entry":[{"id":"waba1","changes":[{"value":{"seq":1,"text":"ol\\u00e1"},"field":"messages"}]}]}`);
    expect(hit.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', SECRET).update(hit.raw).digest('hex')}`);
    expect(hit.headers['content-type']).toBe('application/json');
    expect(await row(id!)).toMatchObject({ status: 'delivered', delivered_at: t, attempts: 0, lease_until: null, last_error: null });
    const attempts = await store.db.selectFrom('webhook_attempts').selectAll().execute();
    expect(attempts).toEqual([expect.objectContaining({ app_id: 'app1', event_ids: JSON.stringify([id]), url: hook.url, payload: hit.raw, http_status: 200, error: null, response_snippet: 'EVENT_RECEIVED' })]);
    // On the emulator's clock (frozen here): the POST started after the round did, by wall-clock milliseconds.
    expect(attempts[0]?.started_at).toBeGreaterThanOrEqual(t);
    expect(attempts[0]?.started_at).toBeLessThan(t + 5000);
    // Nothing left to do.
    expect(await dispatcher().deliverDue()).toBe(0);
    expect(hook.posts()).toHaveLength(1);
  });

  it('schedules retries with capped exponential backoff and does not retry early', async () => {
    hook.status = 500;
    const d = dispatcher({ retryBaseMs: 100, retryMaxMs: 300 });
    const [id] = await enqueue(1);
    const expectedDelays = [100, 200, 300, 300];
    for (const [i, delay] of expectedDelays.entries()) {
      expect(await d.deliverDue()).toBe(1);
      expect(await row(id!)).toMatchObject({ status: 'pending', attempts: i + 1, next_attempt_at: t + delay, lease_until: null, last_error: 'HTTP 500' });
      t += delay - 1;
      expect(await d.deliverDue(), `not due 1 ms early (attempt ${i + 2})`).toBe(0);
      t += 1;
    }
    expect(hook.posts()).toHaveLength(4);
    hook.status = 200;
    expect(await d.deliverDue()).toBe(1);
    expect(await row(id!)).toMatchObject({ status: 'delivered', attempts: 4, delivered_at: t });
    expect(hook.accepted()).toHaveLength(1);
  });

  // POST /_switchboard/webhook-deliveries/flush drains. It used to wait for the polling loop, which against
  // a slow, failing endpoint never ended: two rounds in turn, each finding the other's event due again.
  it('drains only what was due when it began, so a failing endpoint cannot keep it going', async () => {
    hook.status = 500;
    hook.delay = () => {
      t += 2_000; // each POST takes longer than any retry delay (at most 1 s here)
      return 20;
    };
    const d = dispatcher({ pollMs: 1, maxAgeMs: 1e12 });
    const [first] = await enqueue(1);
    d.start();
    await hook.waitFor(() => hook.posts().length >= 1);
    const [second] = await enqueue(1, { phone_number_id: 'pn2' }); // due while the first round is out
    const drained = await Promise.race([d.drain().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 3_000))]);
    hook.delay = () => 0;
    expect(drained, 'drain() still going after 3 s').toBe(true);
    for (const id of [first!, second!]) expect(await row(id)).toMatchObject({ status: 'pending', last_error: 'HTTP 500' });
  });

  it('dead-letters an event that fails once it is maxAgeMs old, not before', async () => {
    hook.status = 502;
    const d = dispatcher({ maxAgeMs: 10_000 });
    const [young, old] = [...(await enqueue(1, { created_at: t - 9_999 })), ...(await enqueue(1, { created_at: t - 10_000, phone_number_id: 'pn2' }))];
    expect(await d.deliverDue()).toBe(2);
    expect(await row(young!)).toMatchObject({ status: 'pending', attempts: 1, last_error: 'HTTP 502' });
    expect(await row(old!)).toMatchObject({ status: 'dead', attempts: 1, last_error: 'HTTP 502', delivered_at: null });
    t += 60_000;
    hook.status = 200;
    expect(await d.deliverDue()).toBe(1);
    expect(await row(old!)).toMatchObject({ status: 'dead' });
    expect(await row(young!)).toMatchObject({ status: 'delivered' });
  });

  it('records a network failure with no HTTP status', async () => {
    const [id] = await enqueue(1, { target_url: 'http://127.0.0.1:1/hook' });
    expect(await dispatcher().deliverDue()).toBe(1);
    const ev1 = await row(id!);
    expect(ev1).toMatchObject({ status: 'pending', attempts: 1 });
    expect(ev1.last_error).toMatch(/\S/);
    const attempt = await store.db.selectFrom('webhook_attempts').selectAll().executeTakeFirstOrThrow();
    expect(attempt).toMatchObject({ http_status: null, response_snippet: null });
    expect(attempt.error).toBe(ev1.last_error);
  });

  it.each([
    ['one process (rounds take turns)', false],
    ['a shared database (leases)', true],
  ])('never hands one event to two concurrent rounds: %s', async (_, isShared) => {
    hook.delay = () => 30;
    const ids = await enqueue(6);
    const d = dispatcher({ maxBatch: 1 }, isShared ? shared() : store);
    const [a, b] = await Promise.all([d.deliverDue(), d.deliverDue()]);
    expect(a + b).toBe(6);
    expect(hook.accepted()).toHaveLength(6);
    expect(seqs(hook).flat().sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const id of ids) expect((await row(id)).status).toBe('delivered');
  });

  it('on a shared database, leaves an event leased by another process alone until the lease expires', async () => {
    const [id] = await enqueue(1, { lease_until: t + 5000 });
    const d = dispatcher({}, shared());
    expect(await d.deliverDue()).toBe(0);
    t += 4999;
    expect(await d.deliverDue()).toBe(0);
    t += 1;
    expect(await d.deliverDue()).toBe(1);
    expect((await row(id!)).status).toBe('delivered');
  });

  it('in one process, writes no leases (nothing else could hold one; start-up releases old ones)', async () => {
    const [id] = await enqueue(1);
    hook.delay = () => 50;
    const d = dispatcher();
    const round = d.deliverDue();
    await new Promise((r) => setTimeout(r, 25));
    expect((await row(id!)).lease_until).toBeNull();
    expect(await round).toBe(1);
  });

  it('delivers the same on the delivery thread as inline: body, signature, outcome', async () => {
    const [id] = await enqueue(2);
    expect(await dispatcher({ deliveryThread: true, maxBatch: 2 }).deliverDue()).toBe(2);
    expect(await dispatcher({ deliveryThread: false, maxBatch: 2 }).deliverDue()).toBe(0);
    await store.db.updateTable('webhook_events').set({ status: 'pending' }).execute();
    expect(await dispatcher({ deliveryThread: false, maxBatch: 2 }).deliverDue()).toBe(2);
    const [threaded, inline] = hook.accepted();
    expect(threaded?.raw).toBe(inline?.raw);
    expect(threaded?.headers['x-hub-signature-256']).toBe(inline?.headers['x-hub-signature-256']);
    expect(threaded?.validSignature).toBe(true);
    expect((await row(id!)).status).toBe('delivered');
  });

  it('on a SQLite file, the delivery thread reads the outbox itself: committed events only, each once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-dispatch-'));
    const file = await openWithApp(join(dir, 'platform.sqlite'));
    try {
      hook.delay = () => 20;
      const d = dispatcher({ maxBatch: 2 }, file);
      expect(await d.deliverDue()).toBe(0); // the thread is up
      // A transaction still open when the round starts: the round waits for its commit, then sees its events.
      let commit = (): void => undefined;
      let written = (): void => undefined;
      const inserted = new Promise<void>((resolve) => (written = resolve));
      const open = file.transaction(async (tx) => {
        await enqueue(3, {}, tx);
        written();
        await new Promise<void>((resolve) => (commit = resolve));
      });
      await inserted;
      const first = d.deliverDue();
      const second = d.deliverDue();
      await new Promise((r) => setTimeout(r, 50));
      commit();
      await open;
      expect((await first) + (await second)).toBe(3);
      expect(seqs(hook)).toEqual([[1, 2], [3]]);
      const rows = await file.db.selectFrom('webhook_events').select(['status', 'lease_until']).execute();
      expect(rows).toEqual(Array.from({ length: 3 }, () => ({ status: 'delivered', lease_until: null })));
      expect(await file.db.selectFrom('webhook_attempts').select('http_status').execute()).toEqual([{ http_status: 200 }, { http_status: 200 }]);
    } finally {
      for (const d of dispatchers.splice(0)) await d.stop();
      await file.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips events that are not due yet and ignores delivered and dead ones', async () => {
    await enqueue(1, { next_attempt_at: t + 1 });
    await enqueue(1, { status: 'delivered' });
    await enqueue(1, { status: 'dead' });
    expect(await dispatcher().deliverDue()).toBe(0);
    expect(hook.posts()).toHaveLength(0);
  });

  it('batches up to maxBatch events per POST, in order, and never mixes target URLs', async () => {
    await enqueue(7);
    await enqueue(2, { target_url: other.url, phone_number_id: 'pn1' });
    expect(await dispatcher({ maxBatch: 3 }).deliverDue()).toBe(9);
    expect(seqs(hook)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(seqs(other)).toEqual([[1, 2]]);
    for (const h of [...hook.accepted(), ...other.accepted()]) {
      expect(h.validSignature).toBe(true);
      expect((h.body as Envelope).entry).toHaveLength(1);
    }
    const attempts = await store.db.selectFrom('webhook_attempts').select(['event_ids', 'url']).orderBy('id').execute();
    expect(attempts.map((a) => (JSON.parse(a.event_ids) as number[]).length).sort()).toEqual([1, 2, 3, 3]);
  });

  it('start() delivers what is due without being asked, and stop() ends the loop', async () => {
    const ids = await enqueue(3);
    const d = dispatcher({ pollMs: 10 });
    d.start();
    await hook.waitFor(() => hook.accepted().length === 3);
    await d.stop();
    for (const id of ids) expect((await row(id)).status).toBe('delivered');
    await enqueue(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(hook.posts()).toHaveLength(3);
  });
});
