import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceClock, expectGraphError, stopWorlds } from '../support/graph-helpers.js';
import { createTemplate, templateBody, uniqueName } from '../support/message-helpers.js';
import {
  OnpremClient,
  cloudRegister,
  codeInbox,
  eventually,
  expectOnpremError,
  expectOnpremOk,
  inbound,
  latestCode,
  numberRow,
  phoneFields,
  type DeploymentView,
  type NumberRef,
} from '../support/onprem-helpers.js';
import { TestPlatform, addNumber, createWorld, sendText, type HttpResult, type World } from '../support/platform.js';

/**
 * Invariants of moving a number between Cloud API and On-Premises API (seeds 000–002):
 * one API at any instant (also under concurrent registration), what a round trip must not change
 * (seed 001's list), and two-step PIN rules shared by both APIs.
 */

const PIN = '123456';
const LOCKED_DETAILS = 'Try again after 60 minutes.';

let consumerSeq = 0;
const consumer = (): string => `4476${String(process.pid % 1000).padStart(3, '0')}${String((consumerSeq += 1)).padStart(5, '0')}`;

describe('migration invariants', () => {
  let tp: TestPlatform;
  let world: World;

  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
  });
  afterAll(async () => {
    await stopWorlds(world);
    await tp.stop();
  });

  /**
   * Checks, through every door, that the number is on exactly one API (or none): Graph's platform_type,
   * whether Cloud sends are accepted, every deployment's health and sends, the emulator's row and
   * deployment list, and where an inbound message is routed. Returns the platform_type.
   */
  async function assertOnOneApi(number: NumberRef, deps: OnpremClient[]): Promise<string> {
    const from = consumer();
    const platformType = String((await phoneFields(tp, world, number.id, 'platform_type'))['platform_type']);
    const healths = await Promise.all(deps.map((d) => d.health()));
    const connected = deps.filter((_, i) => healths[i] === 'connected');
    const state = { platformType, healths: Object.fromEntries(deps.map((d, i) => [d.id, healths[i]])) };

    expect(connected.length, JSON.stringify(state)).toBe(platformType === 'ON_PREMISE' ? 1 : 0);
    for (const h of healths) expect(['connected', 'disconnected', 'unregistered'], JSON.stringify(state)).toContain(h);

    const cloudSend = await sendText(tp, world, number.id, 'which API?', from);
    if (platformType === 'CLOUD_API') expect(cloudSend.status, JSON.stringify(state)).toBe(200);
    else expectGraphError(cloudSend, { status: 400, code: 133010, message: '(#133010) Account not registered' });

    for (const dep of deps) {
      const res = await dep.sendText(from);
      if (connected.includes(dep)) expectOnpremOk(res);
      else expectOnpremError(res, 500, 1011, 'Service not ready');
    }

    const row = await numberRow(tp, number.id);
    const api = { CLOUD_API: 'cloud', ON_PREMISE: 'onprem', NOT_APPLICABLE: 'none' }[platformType];
    expect(row['api']).toBe(api);
    // On Cloud no deployment holds it; off every API it may remember the deployment it left.
    if (api !== 'none') expect(row['onprem_deployment_id']).toBe(connected[0]?.id ?? null);
    const { data } = await tp.control<{ data: DeploymentView[] }>('GET', 'onprem/deployments');
    expect(data.filter((d) => d.phone_number_id === number.id && d.gateway_status === 'connected').map((d) => d.id)).toEqual(connected.map((d) => d.id));

    const routed = await inbound(tp, number.id, from);
    if (api === 'none') expect(routed).toMatchObject({ delivered: false, dropped: true });
    else expect(routed).toMatchObject({ delivered: true, api });
    return platformType;
  }

  describe('a number is on exactly one API at any instant', () => {
    it('through Cloud → On-Prem → another deployment → a failed migration → Cloud', async () => {
      const number = await addNumber(tp, world);
      const d1 = await OnpremClient.create(tp);
      const d2 = await OnpremClient.create(tp);
      expect(await assertOnOneApi(number, [d1, d2])).toBe('CLOUD_API');

      // A pending code request does not move the number.
      expectOnpremOk(await d1.requestAccount(number, { pin: PIN }), 202);
      expect(await assertOnOneApi(number, [d1, d2])).toBe('CLOUD_API');
      expectOnpremOk(await d1.call('POST', 'account/verify', { code: (await latestCode(tp, number.id)).code }), 201);
      expect(await assertOnOneApi(number, [d1, d2])).toBe('ON_PREMISE');

      // A second deployment registering the number takes it from the first.
      await d2.register(number, PIN);
      expect(await assertOnOneApi(number, [d1, d2])).toBe('ON_PREMISE');
      expect(await d2.health()).toBe('connected');

      // Wrong PIN with the backup: on neither API.
      const data = await d2.backup('pw');
      expectGraphError(await cloudRegister(tp, world, number.id, '000000', { password: 'pw', data }), { status: 400, code: 133005 });
      expect(await assertOnOneApi(number, [d1, d2])).toBe('NOT_APPLICABLE');

      expect((await cloudRegister(tp, world, number.id, PIN, { password: 'pw', data })).body).toEqual({ success: true });
      expect(await assertOnOneApi(number, [d1, d2])).toBe('CLOUD_API');
    });

    /**
     * The verify is fired before the registers, once the first register has committed (the others
     * still in flight), or a little later; which call commits last differs, the invariants do not.
     */
    it.each(['before the registers', 'after the first register commits', 'after 60 ms'] as const)(
      'stays consistent under 4 concurrent Cloud registers with the backup and an On-Prem verify fired %s',
      async (when) => {
        const number = await addNumber(tp, world);
        const d1 = await OnpremClient.create(tp);
        await d1.register(number, PIN);
        const data = await d1.backup('race');
        const d2 = await OnpremClient.create(tp);
        expectOnpremOk(await d2.requestAccount(number, { pin: PIN }), 202);
        const { code } = await latestCode(tp, number.id);

        const verify = (): Promise<HttpResult> => d2.call('POST', 'account/verify', { code });
        const verifying = when === 'before the registers' ? verify() : undefined;
        const registering = [1, 2, 3, 4].map(() => cloudRegister(tp, world, number.id, PIN, { password: 'race', data }));
        let verified: HttpResult;
        if (verifying) verified = await verifying;
        else {
          if (when === 'after the first register commits') await eventually(async () => (await numberRow(tp, number.id))['api'] === 'cloud', 5000, 1);
          else await new Promise((r) => setTimeout(r, 60));
          verified = await verify();
        }
        const registered = await Promise.all(registering);

        // The first register to commit wins for Cloud; the others are retries of the same backup (done) —
        // unless d2's verify took the number in between, which makes the backup out of date (issue 8).
        const outcomes = registered.map((res) => (res.status === 200 ? 'done' : (res.body as { error?: { error_data?: { details?: string } } }).error?.error_data?.details ?? JSON.stringify(res.body)));
        for (const o of outcomes) expect(o).toMatch(/^done$|out of date/);
        expect(expectOnpremOk(verified, 201)).toEqual({});
        const finalType = await assertOnOneApi(number, [d1, d2]);
        if (outcomes.some((o) => o !== 'done')) expect(finalType).toBe('ON_PREMISE');
        expect(['CLOUD_API', 'ON_PREMISE']).toContain(finalType);
        // d1 lost the number in every interleaving: to Cloud, or to d2.
        expect(await d1.health()).toBe('disconnected');
        expect(await d2.health()).toBe(finalType === 'ON_PREMISE' ? 'connected' : 'disconnected');
        expect(await phoneFields(tp, world, number.id, 'status')).toMatchObject({ status: 'CONNECTED' });
      },
    );

    it('ends On-Prem when the verify commits while a register call is still waiting out the downtime', async () => {
      const slow = await TestPlatform.start({ downtimeMs: 1000 });
      const w = await createWorld(slow);
      try {
        const number = await addNumber(slow, w);
        const d1 = await OnpremClient.create(slow);
        await d1.register(number, PIN);
        const data = await d1.backup('race');
        const d2 = await OnpremClient.create(slow);
        expectOnpremOk(await d2.requestAccount(number, { pin: PIN }), 202);
        const { code } = await latestCode(slow, number.id);
        // The first register moves the number and then waits out the downtime; two more land meanwhile
        // (the number is already on Cloud for them: they return at once), then the On-Prem verify.
        let firstAnswered = false;
        const first = cloudRegister(slow, w, number.id, PIN, { password: 'race', data }).then((res) => {
          firstAnswered = true;
          return res;
        });
        await eventually(async () => (await numberRow(slow, number.id))['api'] === 'cloud', 5000, 1);
        for (const res of await Promise.all([1, 2].map(() => cloudRegister(slow, w, number.id, PIN, { password: 'race', data })))) expect(res.body).toEqual({ success: true });
        expectOnpremOk(await d2.call('POST', 'account/verify', { code }), 201);
        expect(firstAnswered).toBe(false);
        expect((await first).body).toEqual({ success: true });
        expect(await phoneFields(slow, w, number.id, 'platform_type')).toMatchObject({ platform_type: 'ON_PREMISE' });
        expect(await d2.health()).toBe('connected');
        expect(await d1.health()).toBe('disconnected');
        expectGraphError(await sendText(slow, w, number.id, 'cloud?', consumer()), { status: 400, code: 133010 });
        expectOnpremOk(await d2.sendText(consumer()));
      } finally {
        await stopWorlds(w);
        await slow.stop();
      }
    });

    it('stays consistent when two deployments restore the same backup at once', async () => {
      const number = await addNumber(tp, world);
      const d1 = await OnpremClient.create(tp);
      await d1.register(number, PIN);
      const data = await d1.backup('twice');
      const d2 = await OnpremClient.create(tp);
      const d3 = await OnpremClient.create(tp);
      const results = await Promise.all([d2, d3, d2, d3].map((d) => d.call('POST', 'settings/restore', { password: 'twice', data })));
      // One deployment takes the number; the backup is then out of date for the other (1009), and
      // restoring again onto the holder is 1004.
      for (const r of results) expect([200, 400, 409]).toContain(r.status);
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(await assertOnOneApi(number, [d1, d2, d3])).toBe('ON_PREMISE');
      expect(await d1.health()).toBe('disconnected');
    });
  });

  it('a Cloud → On-Prem → Cloud round trip with the backup keeps display name, quality, templates, WABA, OBA and messaging limit', async () => {
    const number = await addNumber(tp, world, { verified_name: 'Round Trip Co', quality_rating: 'YELLOW', messaging_limit_tier: 'TIER_10K', is_official_business_account: true });
    const approved = await createTemplate(tp, world, templateBody(uniqueName('rt_ok')));
    const rejected = await createTemplate(tp, world, templateBody(uniqueName('rt_no')));
    const paused = await createTemplate(tp, world, templateBody(uniqueName('rt_paused'), { category: 'MARKETING' }));
    await tp.control('POST', `templates/${approved.id}/status`, { status: 'APPROVED' });
    await tp.control('POST', `templates/${rejected.id}/status`, { status: 'REJECTED', reason: 'PROMOTIONAL' });
    await tp.control('POST', `templates/${paused.id}/status`, { status: 'PAUSED' });

    const snapshot = async (): Promise<Record<string, unknown>> => {
      const fields = await phoneFields(
        tp,
        world,
        number.id,
        'verified_name,name_status,display_phone_number,quality_rating,messaging_limit_tier,whatsapp_business_manager_messaging_limit,is_official_business_account,code_verification_status,throughput',
      );
      const listed = await tp.graph<{ data: { id: string }[] }>('GET', `${world.wabaId}/phone_numbers`, world.token);
      const waba = await tp.graph('GET', `${world.wabaId}?fields=id,name,account_review_status,business_verification_status,owner_business_info`, world.token);
      const templates = await tp.graph<{ data: { id: string }[] }>('GET', `${world.wabaId}/message_templates?fields=id,name,status,category,language,rejected_reason&limit=100`, world.token);
      const mine = new Set([approved.id, rejected.id, paused.id]);
      return {
        fields,
        owningWaba: listed.body.data.some((n) => n.id === number.id) ? world.wabaId : null,
        waba: waba.body,
        templates: templates.body.data.filter((t) => mine.has(t.id)),
      };
    };

    const before = await snapshot();
    expect(before['fields']).toMatchObject({ verified_name: 'Round Trip Co', quality_rating: 'YELLOW', messaging_limit_tier: 'TIER_10K', is_official_business_account: true });
    expect(before['owningWaba']).toBe(world.wabaId);
    const byId = (list: unknown): { id: string }[] => [...(list as { id: string }[])].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(before['templates'])).toEqual(
      byId([
        { id: approved.id, name: expect.stringMatching(/^rt_ok_/), status: 'APPROVED', category: 'UTILITY', language: 'en_US', rejected_reason: expect.anything() },
        { id: rejected.id, name: expect.stringMatching(/^rt_no_/), status: 'REJECTED', category: 'UTILITY', language: 'en_US', rejected_reason: 'PROMOTIONAL' },
        { id: paused.id, name: expect.stringMatching(/^rt_paused_/), status: 'PAUSED', category: 'MARKETING', language: 'en_US', rejected_reason: expect.anything() },
      ]),
    );

    // Cloud → On-Prem.
    const dep = await OnpremClient.create(tp);
    await dep.register(number, PIN);
    expect(await phoneFields(tp, world, number.id, 'platform_type')).toMatchObject({ platform_type: 'ON_PREMISE' });
    expect(await snapshot()).toEqual(before);

    // On-Prem → Cloud with the backup.
    const data = await dep.backup('round-trip');
    expect((await cloudRegister(tp, world, number.id, PIN, { password: 'round-trip', data })).body).toEqual({ success: true });
    expect(await phoneFields(tp, world, number.id, 'platform_type')).toMatchObject({ platform_type: 'CLOUD_API' });
    expect(await snapshot()).toEqual(before);

    // Templates are still usable on Cloud.
    const tpl = await tp.graph('POST', `${number.id}/messages`, world.token, {
      messaging_product: 'whatsapp',
      to: consumer(),
      type: 'template',
      template: { name: (before['templates'] as { id: string; name: string }[]).find((t) => t.id === approved.id)?.name, language: { code: 'en_US' } },
    });
    expect(tpl.status, JSON.stringify(tpl.body)).toBe(200);
  });

  describe('two-step PIN rules hold on both APIs', () => {
    it('wrong guesses on On-Prem and Cloud share one counter: too fast → 133009 / 1015, five → 133008 / 1015 lockout for an hour', async () => {
      const number = await addNumber(tp, world);
      const dep = await OnpremClient.create(tp);

      for (let i = 0; i < 3; i++) expectOnpremError(await dep.requestAccount(number, { pin: '000000' }), 403, 1005, 'Access denied');
      // From three failures on, guesses must be spaced out, on either API.
      expectOnpremError(await dep.requestAccount(number, { pin: '000000' }), 429, 1015, 'Too many requests', /^Try again after \d+ seconds\.$/);
      expectGraphError(await cloudRegister(tp, world, number.id, '000000'), {
        status: 400,
        code: 133009,
        message: '(#133009) Two step verification PIN was entered too quickly',
        details: /^Try again after \d+ seconds\.$/,
      });
      // Even the right PIN is not tried while too fast.
      expectGraphError(await cloudRegister(tp, world, number.id, PIN), { status: 400, code: 133009 });

      await advanceClock(tp, 11);
      expectGraphError(await cloudRegister(tp, world, number.id, '000000'), { status: 400, code: 133005, message: '(#133005) Two step verification PIN Mismatch' });
      await advanceClock(tp, 11);
      // The fifth consecutive failure locks the PIN.
      expectOnpremError(await dep.requestAccount(number, { pin: '000000' }), 429, 1015, 'Too many requests', LOCKED_DETAILS);

      expectGraphError(await cloudRegister(tp, world, number.id, PIN), {
        status: 400,
        code: 133008,
        message: '(#133008) Too many two step verification PIN guesses for this phone number',
        details: LOCKED_DETAILS,
      });
      expectOnpremError(await dep.requestAccount(number, { pin: PIN }), 429, 1015, 'Too many requests', LOCKED_DETAILS);
      expect(await codeInbox(tp, number.id)).toEqual([]);
      // The number itself is untouched: still on Cloud.
      expect(await phoneFields(tp, world, number.id, 'platform_type')).toMatchObject({ platform_type: 'CLOUD_API' });

      await advanceClock(tp, 59 * 60);
      expectGraphError(await cloudRegister(tp, world, number.id, PIN), { status: 400, code: 133008, details: /^Try again after \d+ seconds\.$/ });
      await advanceClock(tp, 61);
      expectOnpremOk(await dep.requestAccount(number, { pin: PIN }), 202);
      expectOnpremOk(await dep.call('POST', 'account/verify', { code: (await latestCode(tp, number.id)).code }), 201);
      expect(await dep.health()).toBe('connected');
    });

    it('a lockout reached while migrating to Cloud with the backup blocks every deployment too', async () => {
      const number = await addNumber(tp, world);
      const d1 = await OnpremClient.create(tp);
      await d1.register(number, PIN);
      const data = await d1.backup('lock');
      const backup = { password: 'lock', data };

      // First wrong PIN: 133005, and the deployment is down (seed 002).
      expectGraphError(await cloudRegister(tp, world, number.id, '111111', backup), { status: 400, code: 133005 });
      expect(await d1.health()).toBe('disconnected');
      expectGraphError(await cloudRegister(tp, world, number.id, '111111', backup), { status: 400, code: 133005 });
      expectGraphError(await cloudRegister(tp, world, number.id, '111111', backup), { status: 400, code: 133005 });
      expectGraphError(await cloudRegister(tp, world, number.id, '111111', backup), { status: 400, code: 133009 });
      await advanceClock(tp, 11);
      // Shards on the (disconnected) deployment are not a way around it.
      expectOnpremError(await d1.setShards(number, 2, PIN), 500, 1011, 'Service not ready');
      const d2 = await OnpremClient.create(tp);
      expectOnpremError(await d2.requestAccount(number, { pin: '111111' }), 403, 1005, 'Access denied');
      await advanceClock(tp, 11);
      expectGraphError(await cloudRegister(tp, world, number.id, '111111', backup), { status: 400, code: 133008, details: LOCKED_DETAILS });

      expectOnpremError(await d2.requestAccount(number, { pin: PIN }), 429, 1015, 'Too many requests', LOCKED_DETAILS);
      expectGraphError(await cloudRegister(tp, world, number.id, PIN, backup), { status: 400, code: 133008 });
      expect(await assertOnOneApi(number, [d1, d2])).toBe('NOT_APPLICABLE');

      await advanceClock(tp, 60 * 60 + 1);
      expect((await cloudRegister(tp, world, number.id, PIN, backup)).body).toEqual({ success: true });
      expect(await assertOnOneApi(number, [d1, d2])).toBe('CLOUD_API');
    });

    it('a right PIN resets the failure count; PIN format is checked on both APIs', async () => {
      const number = await addNumber(tp, world);
      const dep = await OnpremClient.create(tp);
      await dep.register(number, PIN);
      for (let i = 0; i < 2; i++) expectOnpremError(await dep.setShards(number, 2, '999999'), 403, 1005, 'Access denied');
      expectOnpremOk(await dep.setShards(number, 2, PIN), 201);
      for (let i = 0; i < 3; i++) expectOnpremError(await dep.setShards(number, 4, '999999'), 403, 1005, 'Access denied');
      expect((await dep.view()).shards).toBe(2);

      expectOnpremError(await dep.setShards(number, 2, '12345'), 400, 1009, 'Parameter value is not valid');
      expectOnpremError(await dep.call('POST', 'settings/account/two-step', { pin: 'abcdef' }), 400, 1009, 'Parameter value is not valid');
      expectGraphError(await cloudRegister(tp, world, number.id, '12345'), { status: 400, code: 100 });
      expect(await phoneFields(tp, world, number.id, 'platform_type')).toMatchObject({ platform_type: 'ON_PREMISE' });
    });

    it('On-Prem can change or disable two-step; Cloud then requires the new PIN, or sets the one given', async () => {
      const number = await addNumber(tp, world);
      const dep = await OnpremClient.create(tp);
      await dep.register(number, PIN);

      // Changed On-Prem: the old PIN no longer works on Cloud.
      expect(expectOnpremOk(await dep.call('POST', 'settings/account/two-step', { pin: '222222' }))).toEqual({});
      const data = await dep.backup('pins');
      expectGraphError(await cloudRegister(tp, world, number.id, PIN, { password: 'pins', data }), { status: 400, code: 133005 });
      expect(await dep.health()).toBe('disconnected');
      expect((await cloudRegister(tp, world, number.id, '222222', { password: 'pins', data })).body).toEqual({ success: true });

      // Back On-Prem (with the current PIN), then two-step disabled there.
      const dep2 = await OnpremClient.create(tp);
      expectOnpremError(await dep2.requestAccount(number, { pin: PIN }), 403, 1005, 'Access denied');
      await dep2.register(number, '222222');
      expect(expectOnpremOk(await dep2.call('DELETE', 'settings/account/two-step'))).toEqual({});
      expect(await phoneFields(tp, world, number.id, 'is_pin_enabled')).toMatchObject({ is_pin_enabled: false });
      const data2 = await dep2.backup('pins');
      // Any 6-digit PIN now registers, and becomes the PIN (seed 002).
      expect((await cloudRegister(tp, world, number.id, '777777', { password: 'pins', data: data2 })).body).toEqual({ success: true });
      expect(await phoneFields(tp, world, number.id, 'is_pin_enabled,platform_type')).toMatchObject({ is_pin_enabled: true, platform_type: 'CLOUD_API' });
      const dep3 = await OnpremClient.create(tp);
      expectOnpremError(await dep3.requestAccount(number, { pin: '222222' }), 403, 1005, 'Access denied');
      expectOnpremOk(await dep3.requestAccount(number, { pin: '777777' }), 202);
    });
  });
});
