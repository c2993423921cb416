import { describe, expect, it } from 'vitest';
import { expectGraphError } from '../support/graph-helpers.js';
import { cloudRegister, expectOnpremOk, latestCode, OnpremClient, phoneFields } from '../support/onprem-helpers.js';
import { addNumber, sharedPlatform } from '../support/platform.js';

/**
 * Tampered backups never decrypt (AES-GCM); a replayed or superseded one must not take a number back
 * either (issue 8): a backup is good only until the number registers again, except as a retry of the
 * registration it already performed.
 */
describe('replayed and stale On-Prem backups', () => {
  const shared = sharedPlatform();
  const PIN = '123456';

  it('a retry of the same backup on Cloud API is answered as done; after the number moves on, the backup is refused', async () => {
    const { tp, world } = shared;
    const number = await addNumber(tp, world, { register_pin: undefined });
    const d1 = await OnpremClient.create(tp);
    await d1.register(number);
    const data = await d1.backup('pw');
    expect((await cloudRegister(tp, world, number.id, PIN, { password: 'pw', data })).body).toEqual({ success: true });
    expect((await cloudRegister(tp, world, number.id, PIN, { password: 'pw', data })).body).toEqual({ success: true });

    // The number moves to another deployment: the old backup must not pull it back to Cloud API.
    const d2 = await OnpremClient.create(tp);
    expectOnpremOk(await d2.requestAccount(number, { pin: PIN }), 202);
    expectOnpremOk(await d2.call('POST', 'account/verify', { code: (await latestCode(tp, number.id)).code }), 201);
    expectGraphError(await cloudRegister(tp, world, number.id, PIN, { password: 'pw', data }), { status: 400, code: 100, details: /out of date/ });
    expect(await phoneFields(tp, world, number.id, 'platform_type')).toMatchObject({ platform_type: 'ON_PREMISE' });
    expect(await d2.health()).toBe('connected');
  });

  it('a backup made before the latest registration cannot be restored onto a new deployment', async () => {
    const { tp, world } = shared;
    const number = await addNumber(tp, world, { register_pin: undefined });
    const d1 = await OnpremClient.create(tp);
    await d1.register(number);
    const old = await d1.backup('pw');
    await tp.control('POST', 'clock/advance', { ms: 5 });
    const d2 = await OnpremClient.create(tp);
    expectOnpremOk(await d2.call('POST', 'settings/restore', { password: 'pw', data: await d1.backup('pw') }));
    const d3 = await OnpremClient.create(tp);
    const stale = await d3.call<{ errors: { code: number; details: string }[] }>('POST', 'settings/restore', { password: 'pw', data: old });
    expect(stale.status).toBe(400);
    expect(stale.body.errors[0]).toMatchObject({ code: 1009, details: expect.stringMatching(/out of date/) as unknown });
    expect(await d2.health()).toBe('connected');
    expect(await d3.health()).toBe('unregistered');
  });
});
