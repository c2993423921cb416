import { describe, expect, it } from 'vitest';
import { basicAuth } from '../support/onprem-helpers.js';
import { sharedPlatform } from '../support/platform.js';
import { expectInvalid } from '../support/webhook-helpers.js';

/** The emulator-only `backup_kdf_cost` setting: cheaper On-Prem backups for rehearsals and benchmarks. */
describe('control API: backup_kdf_cost', () => {
  const shared = sharedPlatform();
  const PASSWORD = 'Kdf-admin-12';
  const PIN = '123456';

  /** Two numbers on their own deployments, and a bearer token for each deployment. */
  async function onpremNumbers(prefix: string, first: string): Promise<{ id: string; deployment: string; token: string }[]> {
    const { tp, world } = shared;
    const created = await tp.control<{ data: { phone_number_id: string; deployment_id: string }[] }>('POST', 'onprem/bulk', {
      waba_id: world.wabaId,
      count: 2,
      cc: '1',
      first_phone_number: first,
      deployment_prefix: prefix,
      admin_password: PASSWORD,
      pin: PIN,
      verified_name: 'Kdf Shop',
    });
    return Promise.all(
      created.data.map(async (d) => {
        const login = await tp.request<{ users: { token: string }[] }>('POST', `/onprem/${d.deployment_id}/v1/users/login`, { headers: { authorization: basicAuth('admin', PASSWORD) } });
        return { id: d.phone_number_id, deployment: d.deployment_id, token: login.body.users[0]?.token ?? '' };
      }),
    );
  }

  const backup = async (n: { deployment: string; token: string }): Promise<string> =>
    (await shared.tp.request<{ settings: { data: string } }>('POST', `/onprem/${n.deployment}/v1/settings/backup`, { token: n.token, body: { password: 'tacocat' } })).body.settings.data;

  it('defaults to 12; a lowered cost is recorded in each backup, which registers on Cloud API after the setting changes back', async () => {
    const { tp, world } = shared;
    expect(await tp.control('GET', 'settings')).toMatchObject({ backup_kdf_cost: 12 });
    const [cheap, strong] = await onpremNumbers(`kdf-${process.pid}-a`, `55566${String(process.pid % 1000).padStart(3, '0')}10`);
    if (!cheap || !strong) throw new Error('bulk provisioning failed');

    expect(await tp.control('PATCH', 'settings', { backup_kdf_cost: 4 })).toMatchObject({ backup_kdf_cost: 4 });
    const cheapBlob = await backup(cheap);
    expect(Buffer.from(cheapBlob, 'base64')[5]).toBe(4);
    expect(await tp.control('PATCH', 'settings', { backup_kdf_cost: 12 })).toMatchObject({ backup_kdf_cost: 12 });
    const strongBlob = await backup(strong);
    expect(Buffer.from(strongBlob, 'base64')[5]).toBe(12);

    for (const [n, data] of [
      [cheap, cheapBlob],
      [strong, strongBlob],
    ] as const) {
      const res = await tp.graph('POST', `${n.id}/register`, world.token, { messaging_product: 'whatsapp', pin: PIN, backup: { password: 'tacocat', data } });
      expect(res.body, JSON.stringify(res.body)).toEqual({ success: true });
    }
  });

  it('refuses costs outside 4–14 and non-integers; a reset restores the default', async () => {
    const { tp } = shared;
    for (const bad of [3, 15, 4.5, '8', null]) expectInvalid(await tp.request('PATCH', '/_switchboard/settings', { body: { backup_kdf_cost: bad } }), /^Param backup_kdf_cost is invalid/);
    expect(await tp.control('GET', 'settings')).toMatchObject({ backup_kdf_cost: 12 });
    await tp.control('PATCH', 'settings', { backup_kdf_cost: 6 });
    await tp.control('POST', 'reset', { seed: 'empty' });
    expect(await tp.control('GET', 'settings')).toMatchObject({ backup_kdf_cost: 12 });
  });
});
