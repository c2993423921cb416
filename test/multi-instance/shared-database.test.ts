import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPlatform, addNumber, createWorld, type World } from '../support/platform.js';
import { expectGraphError, numberState } from '../support/graph-helpers.js';
import { inbound } from '../support/onprem-helpers.js';
import { requestMigration, twoPartners } from '../support/waba-migration-helpers.js';

/**
 * Two platform instances (each with its own connection pool, caches, clock, change feed and webhook
 * dispatcher) on one PostgreSQL database: the same state, served consistently by either. Runs in the
 * postgres project only (vitest.config.ts).
 */
describe('two platform instances on one PostgreSQL database', () => {
  let a: TestPlatform;
  let b: TestPlatform;
  let world: World;
  beforeAll(async () => {
    a = await TestPlatform.start({ webhooks: { concurrency: 4 } });
    b = await TestPlatform.start({ database: a.database, webhooks: { concurrency: 4 } });
    world = await createWorld(a);
  });
  afterAll(async () => {
    await world?.receiver.stop();
    await b?.stop();
    await a?.stop();
  });

  it('what one instance writes, the other serves', async () => {
    const n = await addNumber(a, world);
    const viaB = await b.graph<{ data: { id: string }[] }>('GET', `${world.wabaId}/phone_numbers`, world.token);
    expect(viaB.status).toBe(200);
    expect(viaB.body.data.map((x) => x.id)).toContain(n.id);
    await b.control('PATCH', `phone-numbers/${n.id}`, { two_step_enabled: false });
    expect((await numberState(a, n.id))['two_step_enabled']).toBeFalsy();
  });

  it('two destinations racing through different instances: exactly one claims the number', async () => {
    const p = await twoPartners(a);
    const rival = await createWorld(a);
    await a.control('PATCH', `wabas/${rival.wabaId}`, { payment_method: 'credit_line' });
    try {
      const asked = await Promise.all([requestMigration(a, p), requestMigration(b, { dest: rival, number: p.number })]);
      expect(asked.map((r) => r.status).sort()).toEqual([200, 400]);
      const claims = await b.control<{ data: { dest_waba_id: string; status: string }[] }>('GET', `migrations?phone_number_id=${p.number.id}`);
      expect(claims.data).toHaveLength(1);
    } finally {
      for (const w of [p.source, p.dest, rival]) await w.receiver.stop();
    }
  });

  it('webhooks: every event delivered once, each number in order, with both dispatchers running', async () => {
    world.receiver.delayMs = 5;
    const numbers = await Promise.all([1, 2, 3, 4].map(() => addNumber(a, world)));
    const perNumber = 30;
    await Promise.all(
      numbers.map(async (n, k) => {
        for (let i = 0; i < perNumber; i++) await inbound(i % 2 ? a : b, n.id, `1650555${String(k).padStart(2, '0')}00`, { type: 'text', text: { body: `${n.id}#${i}` } });
      }),
    );
    const ours = (): Record<string, unknown>[] => world.receiver.inboundMessages().filter((m) => numbers.some((n) => String((m['text'] as { body: string }).body).startsWith(`${n.id}#`)));
    await world.receiver.waitFor(() => ours().length >= numbers.length * perNumber, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    const bodies = ours().map((m) => (m['text'] as { body: string }).body);
    expect(new Set(bodies).size).toBe(bodies.length);
    expect(bodies).toHaveLength(numbers.length * perNumber);
    for (const n of numbers) {
      const sequence = bodies.filter((x) => x.startsWith(`${n.id}#`)).map((x) => Number(x.split('#')[1]));
      expect(sequence).toEqual([...sequence].sort((x, y) => x - y));
    }
    world.receiver.delayMs = 0;
  });

  it('the clock, settings and a reset reach the other instance', async () => {
    const before = (await b.control<{ offset_ms: number }>('GET', 'clock')).offset_ms;
    await a.control('POST', 'clock/advance', { seconds: 3600 });
    await expect.poll(async () => (await b.control<{ offset_ms: number }>('GET', 'clock')).offset_ms, { timeout: 2000 }).toBe(before + 3_600_000);
    await b.control('POST', 'clock/advance', { seconds: 60 });
    await expect.poll(async () => (await a.control<{ offset_ms: number }>('GET', 'clock')).offset_ms, { timeout: 2000 }).toBe(before + 3_660_000);

    await a.control('PATCH', 'settings', { downtime_ms: 1234 });
    await expect.poll(async () => (await b.control<{ downtime_ms: number }>('GET', 'settings')).downtime_ms, { timeout: 2000 }).toBe(1234);

    // B has the token cached; after A's reset, B must refuse it at once, not when its cache expires.
    expect((await b.graph('GET', `${world.wabaId}/phone_numbers`, world.token)).status).toBe(200);
    await a.control('POST', 'reset', { seed: 'empty' });
    await expect
      .poll(async () => (await b.graph('GET', `${world.wabaId}/phone_numbers`, world.token)).status, { timeout: 2000 })
      .toBe(401);
    expectGraphError(await b.graph('GET', `${world.wabaId}/phone_numbers`, world.token), { status: 401, code: 190, type: 'OAuthException' });
    expect((await b.control<{ offset_ms: number }>('GET', 'clock')).offset_ms).toBe(0);
  });
});
