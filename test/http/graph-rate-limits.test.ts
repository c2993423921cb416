import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectGraphError } from '../support/graph-helpers.js';
import { addNumber, createWorld, TestPlatform, type HttpResult, type World } from '../support/platform.js';
import { requestMigration, twoPartners } from '../support/waba-migration-helpers.js';

/** Graph's per-app, per-WABA hourly quota (api-facts A.5; seed 004 "Standard Graph API rate limits apply"). */
describe('Graph per-WABA call quotas', () => {
  let tp: TestPlatform;
  let world: World;

  beforeEach(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
  });
  afterEach(async () => {
    await world.receiver.stop();
    await tp.stop();
  });

  /** `n` quota calls, a few at a time; returns the statuses. */
  async function listNumbers(n: number, token = world.token): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < n; i += 20) {
      const batch = await Promise.all(Array.from({ length: Math.min(20, n - i) }, () => tp.graph('GET', `${world.wabaId}/phone_numbers`, token)));
      statuses.push(...batch.map((r) => r.status));
    }
    return statuses;
  }

  const usage = (res: HttpResult<unknown>, wabaId: string): { call_count: number; estimated_time_to_regain_access: number } => {
    const header = res.headers.get('x-business-use-case-usage');
    expect(header, 'x-business-use-case-usage header').not.toBeNull();
    const parsed = JSON.parse(header ?? '{}') as Record<string, { type: string; call_count: number; estimated_time_to_regain_access: number }[]>;
    const [entry] = parsed[wabaId] ?? [];
    expect(entry?.type).toBe('whatsapp_business_management');
    return entry ?? { call_count: -1, estimated_time_to_regain_access: -1 };
  };

  it('allows 200 calls an hour on a WABA without a registered number, then answers 80007 until the hour is over', async () => {
    // createWorld's POST /subscribed_apps was the first call of the hour.
    const statuses = await listNumbers(199);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const over = await tp.graph('GET', `${world.wabaId}/phone_numbers`, world.token);
    expectGraphError(over, { status: 400, code: 80007, message: '(#80007) Rate limit issues' });
    expect(usage(over, world.wabaId)).toMatchObject({ call_count: 100 });
    expect(usage(over, world.wabaId).estimated_time_to_regain_access).toBeGreaterThan(0);

    await tp.control('POST', 'clock/advance', { seconds: 3600 });
    const later = await tp.graph('GET', `${world.wabaId}/phone_numbers`, world.token);
    expect(later.status).toBe(200);
    expect(usage(later, world.wabaId).call_count).toBe(0);
  });

  it('counts per app: another app keeps its own quota on the same WABA', async () => {
    await listNumbers(199);
    const other = await tp.control<{ id: string }>('POST', 'apps', { name: 'Other app', business_id: world.partnerId, skip_verification: true });
    const { access_token } = await tp.control<{ access_token: string }>('POST', 'tokens', { app_id: other.id, business_ids: [world.partnerId] });
    expect((await tp.graph('GET', `${world.wabaId}/phone_numbers`, access_token)).status).toBe(200);
    expect((await tp.graph('GET', `${world.wabaId}/phone_numbers`, world.token)).status).toBe(400);
  });

  it('gives an active WABA (a registered number) 5,000 calls an hour, counting calls on its numbers', async () => {
    const number = await addNumber(tp, world);
    const statuses = await listNumbers(250);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const view = await tp.graph('GET', number.id, world.token);
    expect(view.status).toBe(200);
    // 1 subscription + 250 lists + this call.
    expect(usage(view, world.wabaId).call_count).toBe(Math.floor((252 * 100) / 5000));
  });

  it('does not count messaging calls, and can be switched off at run time', async () => {
    const number = await addNumber(tp, world);
    const send = await tp.graph('POST', `${number.id}/messages`, world.token, { messaging_product: 'whatsapp', to: '16505551234', text: { body: 'hi' } });
    expect(send.headers.get('x-business-use-case-usage')).toBeNull();
    expect(await tp.control('PATCH', 'settings', { graph_rate_limits: false })).toMatchObject({ graph_rate_limits: false });
    const res = await tp.graph('GET', `${world.wabaId}/phone_numbers`, world.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-business-use-case-usage')).toBeNull();
  });

  it('applies to migration requests on the destination WABA (seed 004)', async () => {
    const p = await twoPartners(tp);
    // One call went to subscribing the destination's app; 199 more use up the hour.
    const statuses = [];
    for (let i = 0; i < 199; i += 1) statuses.push((await tp.graph('GET', `${p.dest.wabaId}/subscribed_apps`, p.dest.token)).status);
    expect(new Set(statuses)).toEqual(new Set([200]));
    const refused = await requestMigration(tp, p);
    expectGraphError(refused, { status: 400, code: 80007 });
    const claims = await tp.control<{ data: unknown[] }>('GET', `migrations?phone_number_id=${p.number.id}`);
    expect(claims.data).toEqual([]);
    await p.source.receiver.stop();
    await p.dest.receiver.stop();
  });
});
