import { describe, expect, it } from 'vitest';
import { MAX_BULK_NUMBERS } from '../../src/control/bulk.js';
import { basicAuth } from '../support/onprem-helpers.js';
import { sharedPlatform, type HttpResult } from '../support/platform.js';
import { expectInvalid, expectNotFound, expectRequired } from '../support/webhook-helpers.js';

interface Created {
  phone_number_id: string;
  cc: string;
  phone_number: string;
  deployment_id: string;
}

/** `POST /_switchboard/onprem/bulk`: many numbers, each on its own On-Prem deployment, in one call. */
describe('control API: bulk On-Prem provisioning', () => {
  const shared = sharedPlatform();
  const PASSWORD = 'Bulk-admin-1';
  const PIN = '654321';
  let seq = 0;
  /** A request body with unique numbers and deployment ids (one platform serves the whole file). */
  const body = (extra: Record<string, unknown> = {}): Record<string, unknown> => {
    seq += 1;
    return {
      waba_id: shared.world.wabaId,
      count: 3,
      cc: '1',
      first_phone_number: `55577${String(process.pid % 100).padStart(2, '0')}${String(seq).padStart(2, '0')}00`,
      deployment_prefix: `bulk-${process.pid}-${seq}x-`,
      admin_password: PASSWORD,
      pin: PIN,
      verified_name: 'Bulk Shop',
      is_official_business_account: true,
      ...extra,
    };
  };
  const bulk = (b: unknown): Promise<HttpResult<{ data: Created[] }>> => shared.tp.request('POST', '/_switchboard/onprem/bulk', { body: b });
  const numbersOf = async (cc: string, first: string, count: number): Promise<number> => {
    const wanted = Array.from({ length: count }, (_, i) => String(BigInt(first) + BigInt(i)).padStart(first.length, '0'));
    return (await shared.tp.platform.store.db.selectFrom('phone_numbers').select('id').where('cc', '=', cc).where('number', 'in', wanted).execute()).length;
  };
  // Not SQL LIKE: it ignores case and reads `_` as a wildcard.
  const deploymentsWith = async (prefix: string): Promise<number> =>
    (await shared.tp.platform.store.db.selectFrom('onprem_deployments').select('id').execute()).filter((d) => d.id.startsWith(prefix)).length;

  it('creates N numbers, each connected to its own deployment, two-step PIN set: ready to back up and register on Cloud API', async () => {
    const { tp, world } = shared;
    const req = body();
    const res = await bulk(req);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const first = String(req['first_phone_number']);
    expect(res.body.data.map((d) => [d.phone_number, d.deployment_id])).toEqual([0, 1, 2].map((i) => [String(Number(first) + i), `${String(req['deployment_prefix'])}${i}`]));

    for (const d of res.body.data) {
      const number = await tp.graph('GET', `${d.phone_number_id}?fields=platform_type,is_official_business_account`, world.token);
      expect(number.body).toMatchObject({ platform_type: 'ON_PREMISE', is_official_business_account: true });
      const login = await tp.request<{ users: { token: string }[] }>('POST', `/onprem/${d.deployment_id}/v1/users/login`, { headers: { authorization: basicAuth('admin', PASSWORD) } });
      expect(login.status).toBe(200);
      const token = login.body.users[0]?.token ?? '';
      expect((await tp.request('GET', `/onprem/${d.deployment_id}/v1/health`, { token })).body).toMatchObject({ health: { gateway_status: 'connected' } });
      expect((await tp.request('GET', `/onprem/${d.deployment_id}/v1/settings/application`, { token })).body).toMatchObject({ settings: { application: { wa_id: `1${d.phone_number}` } } });
    }

    // The first one migrates as seed 000 describes: backup, then register on Cloud API with it and the PIN.
    const [one] = res.body.data;
    if (!one) throw new Error('no number created');
    const login = await tp.request<{ users: { token: string }[] }>('POST', `/onprem/${one.deployment_id}/v1/users/login`, { headers: { authorization: basicAuth('admin', PASSWORD) } });
    const token = login.body.users[0]?.token ?? '';
    const backup = await tp.request<{ settings: { data: string } }>('POST', `/onprem/${one.deployment_id}/v1/settings/backup`, { token, body: { password: 'tacocat' } });
    expect(backup.status).toBe(200);
    const register = await tp.graph('POST', `${one.phone_number_id}/register`, world.token, { messaging_product: 'whatsapp', pin: PIN, backup: { password: 'tacocat', data: backup.body.settings.data } });
    expect(register.body).toEqual({ success: true });
    expect((await tp.graph('GET', `${one.phone_number_id}?fields=platform_type`, world.token)).body).toMatchObject({ platform_type: 'CLOUD_API' });
  });

  it('accepts the upper bound and refuses one more', async () => {
    const big = body({ count: MAX_BULK_NUMBERS });
    const res = await bulk(big);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toHaveLength(MAX_BULK_NUMBERS);
    expect(await deploymentsWith(String(big['deployment_prefix']))).toBe(MAX_BULK_NUMBERS);
    expectInvalid(await bulk(body({ count: MAX_BULK_NUMBERS + 1 })), /^Param count is invalid/);
  });

  it('answers bad input with the control API error object and creates nothing', async () => {
    for (const field of ['waba_id', 'count', 'cc', 'first_phone_number', 'deployment_prefix', 'admin_password', 'pin', 'verified_name']) {
      const b = body();
      delete b[field];
      expectRequired(await bulk(b), field);
    }
    const invalid: [Record<string, unknown>, RegExp][] = [
      [{ count: 0 }, /^Param count is invalid/],
      [{ count: 2.5 }, /^Param count is invalid/],
      [{ count: '3' }, /^Param count is invalid/],
      [{ pin: '12345' }, /^Param pin is invalid/],
      [{ cc: '+1' }, /^Param cc is invalid/],
      [{ first_phone_number: '555-0100' }, /^Param first_phone_number is invalid/],
      [{ deployment_prefix: 'Bulk_' }, /^Param deployment_prefix is invalid: lowercase letters, digits and dashes/],
      [{ admin_password: 'short' }, /^Param admin_password is invalid/],
      [{ webhook_url: 'ftp://example.com/hook' }, /^Param webhook_url is invalid/],
      [{ is_official_business_account: 'yes' }, /^Param is_official_business_account is invalid/],
      // 9998 + 2 needs a fifth digit.
      [{ first_phone_number: '9998', count: 3 }, /^Param first_phone_number: 9998 \+ 2 needs more than 4 digits$/],
    ];
    for (const [patch, details] of invalid) {
      const b = body(patch);
      expectInvalid(await bulk(b), details);
      expect(await deploymentsWith(String(b['deployment_prefix']))).toBe(0);
    }
    expectInvalid(await bulk([body()]), /./);
    const unknown = body({ waba_id: '999999999999999' });
    expectNotFound(await bulk(unknown), 'waba', '999999999999999');
    expect(await deploymentsWith(String(unknown['deployment_prefix']))).toBe(0);
  });

  it('refuses the whole request when one number or one deployment id is taken, leaving nothing half-made', async () => {
    const taken = body({ count: 1 });
    expect((await bulk(taken)).status).toBe(201);
    const first = String(taken['first_phone_number']);

    // The third number would be the one already taken.
    const overlapping = body({ first_phone_number: String(Number(first) - 2).padStart(first.length, '0') });
    expectInvalid(await bulk(overlapping), new RegExp(`^Param first_phone_number: \\+1 ${first} already exists$`));
    expect(await deploymentsWith(String(overlapping['deployment_prefix']))).toBe(0);
    expect(await numbersOf('1', String(overlapping['first_phone_number']), 3)).toBe(1);

    const sameDeployments = body({ deployment_prefix: taken['deployment_prefix'] });
    expectInvalid(await bulk(sameDeployments), new RegExp(`^Param deployment_prefix: deployment ${String(taken['deployment_prefix'])}0 already exists$`));
    expect(await numbersOf('1', String(sameDeployments['first_phone_number']), 3)).toBe(0);
  });
});
