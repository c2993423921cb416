import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCert } from '../../src/platform/onprem/cert.js';
import { defaultApplicationSettings } from '../../src/platform/onprem/format.js';
import { TestPlatform, addNumber, createWorld, sendInbound, type HttpResult, type World } from '../support/platform.js';
import { WebhookReceiver } from '../support/receiver.js';
import { stopWorlds } from '../support/graph-helpers.js';
import { bytes, uniqueConsumer, uploadMedia } from '../support/message-helpers.js';
import {
  ONPREM_META,
  STRONG_PASSWORD,
  basic,
  certificateOf,
  deploymentId,
  deploymentWithToken,
  expectOnpremError,
  expectOnpremOk,
  gatewayStatus,
  latestCode,
  login,
  newDeployment,
  onprem,
  registerOnDeployment,
  type DeploymentView,
  type NumberRef,
} from '../support/onprem-http-helpers.js';

const PIN = '123456';
const DAY_S = 24 * 60 * 60;

const ACCESS_DENIED = 'Access denied';
const NOT_FOUND = 'Resource not found';
const REQUIRED = 'Required parameter is missing';
const INVALID = 'Parameter value is not valid';
const NOT_READY = 'Service not ready';

interface OnpremStatusObject {
  id: string;
  recipient_id: string;
  status: string;
  timestamp: string;
  type: string;
  errors?: { code: number; title: string }[];
}

describe('On-Premises API over HTTP (/onprem/{deployment}/v1)', () => {
  let tp: TestPlatform;
  let world: World;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
  });
  afterAll(async () => {
    for (const r of receivers) await r.stop();
    await stopWorlds(world);
    await tp.stop();
  });

  const receiver = async (): Promise<WebhookReceiver> => {
    const r = new WebhookReceiver();
    await r.start();
    receivers.push(r);
    return r;
  };
  /** A number registered on Cloud API with two-step PIN 123456. */
  const cloudNumber = (): Promise<NumberRef> => addNumber(tp, world);
  /** A deployment (known password, token) that holds a fresh number. */
  const connected = async (options: { webhook_url?: string } = {}): Promise<{ id: string; token: string; number: NumberRef }> => {
    const dep = await deploymentWithToken(tp, options);
    const number = await cloudNumber();
    await registerOnDeployment(tp, dep.id, dep.token, number, PIN);
    return { ...dep, number };
  };
  const call = (dep: { id: string; token: string }, method: string, path: string, body?: unknown): Promise<HttpResult> =>
    onprem(tp, dep.id, method, path, { token: dep.token, ...(body !== undefined && { body }) });
  const graphFields = async (id: string, fields: string): Promise<Record<string, unknown>> => {
    const res = await tp.graph('GET', `${id}?fields=${fields}`, world.token);
    expect(res.status).toBe(200);
    return res.body;
  };
  const deploymentView = (id: string): Promise<DeploymentView> => tp.control<DeploymentView>('GET', `onprem/deployments/${id}`);
  const nowMs = async (): Promise<number> => (await tp.control<{ now_ms: number }>('GET', 'clock')).now_ms;
  const advanceDays = (days: number): Promise<unknown> => tp.control('POST', 'clock/advance', { seconds: days * DAY_S });
  const codesSent = async (numberId: string): Promise<number> => (await tp.control<{ data: unknown[] }>('GET', `code-inbox?phone_number_id=${numberId}`)).data.length;

  // ---------------------------------------------------------------------------------------------
  describe('POST /v1/users/login', () => {
    const loginWith = (dep: string, authorization: string | undefined, body?: unknown): Promise<HttpResult> =>
      onprem(tp, dep, 'POST', 'users/login', { ...(authorization !== undefined && { headers: { authorization } }), ...(body !== undefined && { body }) });

    it('returns one token with expires_after "YYYY-MM-DD HH:MM:SS+00:00", seven days ahead', async () => {
      const dep = await newDeployment(tp, { admin_password: STRONG_PASSWORD });
      const before = await nowMs();
      const res = await loginWith(dep.id, basic('admin', STRONG_PASSWORD));
      const body = expectOnpremOk<{ users: { token: string; expires_after: string }[] }>(res);
      expect(Object.keys(body)).toEqual(['users']);
      expect(body.users).toHaveLength(1);
      const [user] = body.users;
      expect(Object.keys(user ?? {}).sort()).toEqual(['expires_after', 'token']);
      expect(user?.token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
      expect(user?.expires_after).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+00:00$/);
      const expires = Date.parse((user?.expires_after ?? '').replace(' ', 'T'));
      expect(Math.abs(expires - (before + 7 * DAY_S * 1000))).toBeLessThan(5000);
      // Each login issues a new token.
      const again = expectOnpremOk<{ users: { token: string }[] }>(await loginWith(dep.id, basic('admin', STRONG_PASSWORD)));
      expect(again.users[0]?.token).not.toBe(user?.token);
    });

    it('refuses missing, wrong and malformed Basic credentials with 401 code 1005', async () => {
      const dep = await newDeployment(tp, { admin_password: STRONG_PASSWORD });
      expectOnpremError(await loginWith(dep.id, undefined), 401, 1005, ACCESS_DENIED);
      expectOnpremError(await loginWith(dep.id, basic('admin', 'Wrong-Password1')), 401, 1005, ACCESS_DENIED);
      expectOnpremError(await loginWith(dep.id, basic('root', STRONG_PASSWORD)), 401, 1005, ACCESS_DENIED);
      expectOnpremError(await loginWith(dep.id, basic('admin', 'secret')), 401, 1005, ACCESS_DENIED);
      expectOnpremError(await loginWith(dep.id, 'Basic !!!not-base64'), 401, 1005, ACCESS_DENIED);
      expectOnpremError(await loginWith(dep.id, `Basic ${Buffer.from('admin').toString('base64')}`), 401, 1005, ACCESS_DENIED);
      expectOnpremError(await loginWith(dep.id, `Bearer ${STRONG_PASSWORD}`), 401, 1005, ACCESS_DENIED);
    });

    it('a deployment with the default admin/secret requires new_password (1024), then the new password works alone', async () => {
      const dep = await newDeployment(tp);
      expect(dep.password_change_required).toBe(true);
      expectOnpremError(await loginWith(dep.id, basic('admin', 'secret')), 401, 1024, 'Password change required');
      expectOnpremError(await loginWith(dep.id, basic('admin', 'secret'), {}), 401, 1024, 'Password change required');
      // Too short and too long new passwords are refused, and change nothing.
      expectOnpremError(await loginWith(dep.id, basic('admin', 'secret'), { new_password: 'short' }), 400, 1009, INVALID);
      expectOnpremError(await loginWith(dep.id, basic('admin', 'secret'), { new_password: 'x'.repeat(65) }), 400, 1009, INVALID);
      expectOnpremError(await loginWith(dep.id, basic('admin', 'secret')), 401, 1024, 'Password change required');
      // A wrong current password is checked before anything else.
      expectOnpremError(await loginWith(dep.id, basic('admin', 'nope'), { new_password: STRONG_PASSWORD }), 401, 1005, ACCESS_DENIED);

      const changed = expectOnpremOk<{ users: { token: string }[] }>(await loginWith(dep.id, basic('admin', 'secret'), { new_password: STRONG_PASSWORD }));
      const token = changed.users[0]?.token ?? '';
      expect(await gatewayStatus(tp, dep.id, token)).toBe('unregistered');
      expect((await deploymentView(dep.id)).password_change_required).toBe(false);
      expectOnpremError(await loginWith(dep.id, basic('admin', 'secret')), 401, 1005, ACCESS_DENIED);
      expectOnpremOk(await loginWith(dep.id, basic('admin', STRONG_PASSWORD)));
    });

    it('an unknown deployment is 404 code 1006', async () => {
      expectOnpremError(await loginWith('no-such-deployment', basic('admin', 'secret')), 404, 1006, NOT_FOUND);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('bearer tokens, routing and logout', () => {
    it('a missing, unknown or non-Bearer token is 401 code 1005 on every authenticated endpoint', async () => {
      const dep = await deploymentWithToken(tp);
      const endpoints: [string, string][] = [
        ['GET', 'health'],
        ['POST', 'users/logout'],
        ['POST', 'account'],
        ['POST', 'account/verify'],
        ['POST', 'account/shards'],
        ['POST', 'settings/account/two-step'],
        ['DELETE', 'settings/account/two-step'],
        ['GET', 'settings/application'],
        ['PATCH', 'settings/application'],
        ['DELETE', 'settings/application'],
        ['POST', 'settings/backup'],
        ['POST', 'settings/restore'],
        ['POST', 'messages'],
        ['POST', 'contacts'],
      ];
      for (const [method, path] of endpoints) {
        const body = method === 'GET' || method === 'DELETE' ? undefined : {};
        expectOnpremError(await onprem(tp, dep.id, method, path, { body }), 401, 1005, ACCESS_DENIED);
        expectOnpremError(await onprem(tp, dep.id, method, path, { body, token: 'not-a-token' }), 401, 1005, ACCESS_DENIED);
        expectOnpremError(await onprem(tp, dep.id, method, path, { body, headers: { authorization: basic('admin', STRONG_PASSWORD) } }), 401, 1005, ACCESS_DENIED);
      }
      expectOnpremError(await onprem(tp, dep.id, 'POST', 'media', { raw: bytes(16), headers: { 'content-type': 'image/jpeg' } }), 401, 1005, ACCESS_DENIED);
      // The real token still works.
      expect(await gatewayStatus(tp, dep.id, dep.token)).toBe('unregistered');
    });

    it("a token of deployment A is refused by deployment B (401), and A's token keeps working on A", async () => {
      const a = await deploymentWithToken(tp);
      const b = await deploymentWithToken(tp);
      expectOnpremError(await onprem(tp, b.id, 'GET', 'health', { token: a.token }), 401, 1005, ACCESS_DENIED);
      expectOnpremError(await onprem(tp, b.id, 'GET', 'settings/application', { token: a.token }), 401, 1005, ACCESS_DENIED);
      expect(await gatewayStatus(tp, a.id, a.token)).toBe('unregistered');
      expect(await gatewayStatus(tp, b.id, b.token)).toBe('unregistered');
    });

    it('an unknown deployment is 404 code 1006, even with a valid token of another deployment', async () => {
      const a = await deploymentWithToken(tp);
      expectOnpremError(await onprem(tp, 'missing-deployment', 'GET', 'health', { token: a.token }), 404, 1006, NOT_FOUND);
      expectOnpremError(await onprem(tp, 'missing-deployment', 'POST', 'messages', { token: a.token, body: { to: '16505551234', text: { body: 'x' } } }), 404, 1006, NOT_FOUND);
    });

    it('unknown paths and methods under /onprem answer 404 in the On-Prem envelope', async () => {
      const a = await deploymentWithToken(tp);
      for (const [method, path] of [
        ['GET', '/v1/nope'],
        ['POST', '/v1/settings/unknown'],
        ['GET', '/v1/messages'],
        ['PUT', '/v1/health'],
        ['GET', '/v2/health'],
        ['GET', '/health'],
      ] as const) {
        const res = await tp.request('' + method, `/onprem/${a.id}${path}`, { token: a.token });
        expectOnpremError(res, 404, 1006, NOT_FOUND);
      }
      expectOnpremError(await tp.request('GET', '/onprem/missing-deployment/v1/nope'), 404, 1006, NOT_FOUND);
      // Short /onprem paths must not fall through to the Graph router.
      for (const path of ['/onprem', '/onprem/', `/onprem/${a.id}`, `/onprem/${a.id}/`, `/onprem/${a.id}/v1`, `/onprem/${a.id}/health`, '/onprem/x/y/z']) {
        expectOnpremError(await tp.request('GET', path), 404, 1006, NOT_FOUND);
        expectOnpremError(await tp.request('POST', path, { body: {} }), 404, 1006, NOT_FOUND);
      }
    });

    it('logout revokes only the token it is called with', async () => {
      const dep = await newDeployment(tp, { admin_password: STRONG_PASSWORD });
      const first = await login(tp, dep.id);
      const second = await login(tp, dep.id);
      const out = expectOnpremOk(await onprem(tp, dep.id, 'POST', 'users/logout', { token: first }));
      expect(out).toEqual({});
      expectOnpremError(await onprem(tp, dep.id, 'GET', 'health', { token: first }), 401, 1005, ACCESS_DENIED);
      expectOnpremError(await onprem(tp, dep.id, 'POST', 'users/logout', { token: first }), 401, 1005, ACCESS_DENIED);
      expect(await gatewayStatus(tp, dep.id, second)).toBe('unregistered');
    });

    it('tokens expire after 7 days (401), and a new login works', async () => {
      const dep = await newDeployment(tp, { admin_password: STRONG_PASSWORD });
      const token = await login(tp, dep.id);
      await advanceDays(6);
      expect(await gatewayStatus(tp, dep.id, token)).toBe('unregistered');
      await advanceDays(2);
      expectOnpremError(await onprem(tp, dep.id, 'GET', 'health', { token }), 401, 1005, ACCESS_DENIED);
      expectOnpremError(await onprem(tp, dep.id, 'GET', 'settings/application', { token }), 401, 1005, ACCESS_DENIED);
      const fresh = await login(tp, dep.id);
      expect(await gatewayStatus(tp, dep.id, fresh)).toBe('unregistered');
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('POST /v1/account and /v1/account/verify', () => {
    it('validates the body: missing cc/phone_number/method/cert → 1008, bad values → 1009', async () => {
      const dep = await deploymentWithToken(tp);
      const number = await cloudNumber();
      const full = { cc: number.cc, phone_number: number.phone_number, method: 'sms', cert: await certificateOf(tp, number.id), pin: PIN };
      for (const key of ['cc', 'phone_number', 'method', 'cert'] as const) {
        const { [key]: _dropped, ...rest } = full;
        const err = expectOnpremError(await call(dep, 'POST', 'account', rest), 400, 1008, REQUIRED);
        expect(err.details).toContain(key);
      }
      expectOnpremError(await call(dep, 'POST', 'account', { ...full, method: 'fax' }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'account', { ...full, cc: '+1' }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'account', { ...full, phone_number: '555-0100' }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'account', { ...full, pin: '12345' }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'account', { ...full, cert: '' }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'account', {}), 400, 1008, REQUIRED);
      expect(await codesSent(number.id)).toBe(0);
      expect(await gatewayStatus(tp, dep.id, dep.token)).toBe('unregistered');
    });

    it('refuses a forged, tampered or foreign cert with 1009', async () => {
      const dep = await deploymentWithToken(tp);
      const number = await cloudNumber();
      const other = await cloudNumber();
      const base = { cc: number.cc, phone_number: number.phone_number, method: 'sms', pin: PIN };
      expectOnpremError(await call(dep, 'POST', 'account', { ...base, cert: 'bm90IGEgY2VydA==' }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'account', { ...base, cert: '%%%' }), 400, 1009, INVALID);
      // Signed by another installation.
      const forged = issueCert('another-secret', { cc: number.cc, phone_number: number.phone_number, vname: 'Evil Shop', issued_at: 0 });
      expectOnpremError(await call(dep, 'POST', 'account', { ...base, cert: forged }), 400, 1009, INVALID);
      // A genuine cert with its display name edited.
      const genuine = JSON.parse(Buffer.from(await certificateOf(tp, number.id), 'base64').toString('utf8')) as { body: string; sig: string };
      const edited = Buffer.from(JSON.stringify({ body: genuine.body.replace('Test Shop', 'Evil Shop'), sig: genuine.sig }), 'utf8').toString('base64');
      expectOnpremError(await call(dep, 'POST', 'account', { ...base, cert: edited }), 400, 1009, INVALID);
      // The cert of another number.
      expectOnpremError(await call(dep, 'POST', 'account', { ...base, cert: await certificateOf(tp, other.id) }), 400, 1009, INVALID);
      expect(await codesSent(number.id)).toBe(0);
    });

    it('an unknown phone number (with a valid cert for it) is 404 code 1006', async () => {
      const dep = await deploymentWithToken(tp);
      const cert = issueCert(tp.platform.ctx.certSecret, { cc: '1', phone_number: '5550009999', vname: 'Ghost Shop', issued_at: 0 });
      expectOnpremError(await call(dep, 'POST', 'account', { cc: '1', phone_number: '5550009999', method: 'sms', cert }), 404, 1006, NOT_FOUND);
      expect(await gatewayStatus(tp, dep.id, dep.token)).toBe('unregistered');
    });

    it('with two-step on: no PIN → 1008, wrong PIN → 403 1005, no code sent', async () => {
      const dep = await deploymentWithToken(tp);
      const number = await cloudNumber();
      const body = { cc: number.cc, phone_number: number.phone_number, method: 'sms', cert: await certificateOf(tp, number.id) };
      const missing = expectOnpremError(await call(dep, 'POST', 'account', body), 400, 1008, REQUIRED);
      expect(missing.details).toContain('pin');
      expectOnpremError(await call(dep, 'POST', 'account', { ...body, pin: '000000' }), 403, 1005, ACCESS_DENIED);
      expect(await codesSent(number.id)).toBe(0);
      expect((await graphFields(number.id, 'platform_type')).platform_type).toBe('CLOUD_API');
    });

    it('202 sends a code and returns the cert vname; the number stays on Cloud until verify answers 201', async () => {
      const dep = await deploymentWithToken(tp);
      const number = await cloudNumber();
      const cert = await certificateOf(tp, number.id);
      const res = await call(dep, 'POST', 'account', { cc: number.cc, phone_number: number.phone_number, method: 'voice', cert, pin: PIN });
      expect(expectOnpremOk(res, 202)).toEqual({ account: [{ vname: 'Test Shop' }] });
      const sent = await latestCode(tp, number.id);
      expect(sent.method).toBe('VOICE');
      expect(sent.code).toMatch(/^\d{6}$/);
      expect((await graphFields(number.id, 'platform_type')).platform_type).toBe('CLOUD_API');
      expect(await gatewayStatus(tp, dep.id, dep.token)).toBe('unregistered');

      // A wrong code is 1009 and changes nothing.
      const wrong = sent.code === '000000' ? '111111' : '000000';
      expectOnpremError(await call(dep, 'POST', 'account/verify', { code: wrong }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'account/verify', {}), 400, 1008, REQUIRED);
      expect(await gatewayStatus(tp, dep.id, dep.token)).toBe('unregistered');
      expect((await graphFields(number.id, 'platform_type')).platform_type).toBe('CLOUD_API');

      // The SMS form "123-456" is accepted too.
      const verified = await call(dep, 'POST', 'account/verify', { code: `${sent.code.slice(0, 3)}-${sent.code.slice(3)}` });
      expect(expectOnpremOk(verified, 201)).toEqual({});
      expect(await gatewayStatus(tp, dep.id, dep.token)).toBe('connected');
      expect((await graphFields(number.id, 'platform_type')).platform_type).toBe('ON_PREMISE');
      const view = await deploymentView(dep.id);
      expect({ phone_number_id: view.phone_number_id, gateway_status: view.gateway_status }).toEqual({ phone_number_id: number.id, gateway_status: 'connected' });

      // Nothing is pending any more.
      expectOnpremError(await call(dep, 'POST', 'account/verify', { code: sent.code }), 400, 1025, 'Invalid request');
    });

    it('POST /v1/account on the deployment that already holds the number is 201 with no body and sends no code', async () => {
      const dep = await connected();
      const before = await codesSent(dep.number.id);
      const res = await call(dep, 'POST', 'account', { cc: dep.number.cc, phone_number: dep.number.phone_number, method: 'sms', cert: await certificateOf(tp, dep.number.id), pin: PIN });
      expect(expectOnpremOk(res, 201)).toEqual({});
      expect(await codesSent(dep.number.id)).toBe(before);
      expect(await gatewayStatus(tp, dep.id, dep.token)).toBe('connected');
    });

    it('verify without a pending registration is 400 code 1025', async () => {
      const dep = await deploymentWithToken(tp);
      expectOnpremError(await call(dep, 'POST', 'account/verify', { code: '123456' }), 400, 1025, 'Invalid request');
    });

    it('an expired code (over 10 minutes) is refused with 1009', async () => {
      const dep = await deploymentWithToken(tp);
      const number = await cloudNumber();
      expectOnpremOk(await call(dep, 'POST', 'account', { cc: number.cc, phone_number: number.phone_number, method: 'sms', cert: await certificateOf(tp, number.id), pin: PIN }), 202);
      const { code } = await latestCode(tp, number.id);
      await tp.control('POST', 'clock/advance', { seconds: 11 * 60 });
      expectOnpremError(await call(dep, 'POST', 'account/verify', { code }), 400, 1009, INVALID);
      expect(await gatewayStatus(tp, dep.id, dep.token)).toBe('unregistered');
    });

    it("registering a number another deployment holds moves it here and disconnects the other (verify's 201)", async () => {
      const first = await connected();
      const second = await deploymentWithToken(tp);
      await registerOnDeployment(tp, second.id, second.token, first.number, PIN);
      expect(await gatewayStatus(tp, second.id, second.token)).toBe('connected');
      expect(await gatewayStatus(tp, first.id, first.token)).toBe('disconnected');
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('calls that need a registered deployment', () => {
    it('answer 500 code 1011 "Service not ready" on an unregistered deployment', async () => {
      const dep = await deploymentWithToken(tp);
      const number = await cloudNumber();
      const cert = await certificateOf(tp, number.id);
      expectOnpremError(await call(dep, 'POST', 'settings/account/two-step', { pin: '654321' }), 500, 1011, NOT_READY);
      expectOnpremError(await call(dep, 'DELETE', 'settings/account/two-step'), 500, 1011, NOT_READY);
      expectOnpremError(await call(dep, 'POST', 'settings/backup', { password: 'pw' }), 500, 1011, NOT_READY);
      expectOnpremError(await call(dep, 'POST', 'account/shards', { cc: number.cc, phone_number: number.phone_number, shards: 2, cert, pin: PIN }), 500, 1011, NOT_READY);
      expectOnpremError(await call(dep, 'POST', 'messages', { to: '16505551234', type: 'text', text: { body: 'hi' } }), 500, 1011, NOT_READY);
      expectOnpremError(await onprem(tp, dep.id, 'POST', 'media', { token: dep.token, raw: bytes(64), headers: { 'content-type': 'image/jpeg' } }), 500, 1011, NOT_READY);
      // Two-step on the Cloud number was not touched.
      expect((await graphFields(number.id, 'is_pin_enabled')).is_pin_enabled).toBe(true);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('/v1/settings/account/two-step', () => {
    it('POST validates the PIN and sets it; DELETE turns two-step off (Graph is_pin_enabled false)', async () => {
      const dep = await connected();
      expectOnpremError(await call(dep, 'POST', 'settings/account/two-step', {}), 400, 1008, REQUIRED);
      expectOnpremError(await call(dep, 'POST', 'settings/account/two-step', { pin: '12345' }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'settings/account/two-step', { pin: '1234567' }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'settings/account/two-step', { pin: 'abcdef' }), 400, 1009, INVALID);

      expect(expectOnpremOk(await call(dep, 'POST', 'settings/account/two-step', { pin: '654321' }))).toEqual({});
      expect((await graphFields(dep.number.id, 'is_pin_enabled')).is_pin_enabled).toBe(true);
      // The new PIN is the one that counts now: shards with the old PIN are refused.
      const cert = await certificateOf(tp, dep.number.id);
      const shards = { cc: dep.number.cc, phone_number: dep.number.phone_number, shards: 2, cert };
      expectOnpremError(await call(dep, 'POST', 'account/shards', { ...shards, pin: PIN }), 403, 1005, ACCESS_DENIED);
      expectOnpremOk(await call(dep, 'POST', 'account/shards', { ...shards, pin: '654321' }), 201);

      expect(expectOnpremOk(await call(dep, 'DELETE', 'settings/account/two-step'))).toEqual({});
      expect(await graphFields(dep.number.id, 'is_pin_enabled')).toEqual({ is_pin_enabled: false, id: dep.number.id });
      // With two-step off no PIN is needed.
      expectOnpremOk(await call(dep, 'POST', 'account/shards', { ...shards, shards: 4 }), 201);
      expect((await deploymentView(dep.id)).shards).toBe(4);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('/v1/settings/application', () => {
    const expectedDefaults = {
      callback_backoff_delay_ms: 3000,
      callback_persist: true,
      garbagecollector_enable: { media: false, messages: true },
      heartbeat_interval: 5,
      max_callback_backoff_delay_ms: 900000,
      media: { auto_download: ['image', 'video', 'voice', 'sticker', 'audio', 'document'] },
      notify_user_change_number: true,
      show_security_notifications: true,
      unhealthy_interval: 30,
      wa_id: '',
      webhooks: { url: '', max_concurrent_requests: 12, message: { sent: true, delivered: true, read: false } },
    };
    const read = async (dep: { id: string; token: string }): Promise<Record<string, unknown>> =>
      expectOnpremOk<{ settings: { application: Record<string, unknown> } }>(await call(dep, 'GET', 'settings/application')).settings.application;

    it('GET returns the documented defaults (api-facts D.1), with the webhook URL given at creation', async () => {
      const plain = await deploymentWithToken(tp);
      const body = expectOnpremOk(await call(plain, 'GET', 'settings/application'));
      expect(body).toEqual({ settings: { application: expectedDefaults } });
      const hooked = await deploymentWithToken(tp, { webhook_url: 'http://127.0.0.1:9/hook' });
      expect(await read(hooked)).toEqual({ ...expectedDefaults, webhooks: { ...expectedDefaults.webhooks, url: 'http://127.0.0.1:9/hook' } });
    });

    it('after registration, wa_id is the registered number, and a reset keeps it', async () => {
      const dep = await connected();
      const waId = `${dep.number.cc}${dep.number.phone_number}`;
      expect((await read(dep))['wa_id']).toBe(waId);
      expectOnpremOk(await call(dep, 'PATCH', 'settings/application', { heartbeat_interval: 9 }));
      expectOnpremOk(await call(dep, 'DELETE', 'settings/application'));
      expect(await read(dep)).toEqual({ ...expectedDefaults, wa_id: waId });
    });

    it('PATCH merges nested objects and leaves absent keys unchanged', async () => {
      const dep = await deploymentWithToken(tp);
      const patched = await call(dep, 'PATCH', 'settings/application', { heartbeat_interval: 10, webhooks: { url: 'https://example.com/onprem' } });
      expect(expectOnpremOk(patched)).toEqual({});
      expect(await read(dep)).toEqual({
        ...expectedDefaults,
        heartbeat_interval: 10,
        webhooks: { url: 'https://example.com/onprem', max_concurrent_requests: 12, message: { sent: true, delivered: true, read: false } },
      });
      expectOnpremOk(await call(dep, 'PATCH', 'settings/application', { webhooks: { message: { read: true } }, garbagecollector_enable: { media: true } }));
      expect(await read(dep)).toEqual({
        ...expectedDefaults,
        heartbeat_interval: 10,
        garbagecollector_enable: { media: true, messages: true },
        webhooks: { url: 'https://example.com/onprem', max_concurrent_requests: 12, message: { sent: true, delivered: true, read: true } },
      });
      // Arrays replace, they do not merge.
      expectOnpremOk(await call(dep, 'PATCH', 'settings/application', { media: { auto_download: ['image'] } }));
      expect((await read(dep))['media']).toEqual({ auto_download: ['image'] });
      // An empty patch changes nothing.
      const before = await read(dep);
      expectOnpremOk(await call(dep, 'PATCH', 'settings/application', {}));
      expect(await read(dep)).toEqual(before);
    });

    it('PATCH with a body that is not an object is 400 1009', async () => {
      const dep = await deploymentWithToken(tp);
      expectOnpremError(await call(dep, 'PATCH', 'settings/application', [1, 2]), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'PATCH', 'settings/application', '"text"'), 400, 1009, INVALID);
      expect(await read(dep)).toEqual(expectedDefaults);
    });

    it('PATCH refuses wrong types, bad values and keys that are not application settings (wa_id included) with 1009, and writes nothing', async () => {
      const dep = await connected({ webhook_url: 'http://127.0.0.1:9/hook' });
      expectOnpremOk(await call(dep, 'PATCH', 'settings/application', { heartbeat_interval: 7, webhooks: { message: { read: true } } }));
      const before = await read(dep);
      expect(before['wa_id']).toBe(`${dep.number.cc}${dep.number.phone_number}`);
      const refused: unknown[] = [
        // The sweep's example: every key wrong at once.
        { wa_id: '999', webhooks: { url: 'not a url' }, callback_persist: 'yes', heartbeat_interval: -5 },
        // wa_id is the registered number, not a setting.
        { wa_id: '999' },
        { wa_id: before['wa_id'] },
        // One bad key spoils an otherwise good patch.
        { heartbeat_interval: 10, wa_id: '999' },
        { heartbeat_interval: 10, webhooks: { url: 'not a url' } },
        // The webhook URL must be an absolute http(s) URL.
        { webhooks: { url: 'not a url' } },
        { webhooks: { url: '/relative/hook' } },
        { webhooks: { url: 'ftp://example.com/hook' } },
        { webhooks: { url: 'javascript:alert(1)' } },
        { webhooks: { url: 42 } },
        { webhooks: { url: null } },
        { webhooks: null },
        { webhooks: 'https://example.com/hook' },
        { webhooks: { message: { read: 'yes' } } },
        { webhooks: { message: { seen: true } } },
        { webhooks: { max_concurrent_requests: 0 } },
        { webhooks: { max_concurrent_requests: '12' } },
        { webhooks: { secret: 'x' } },
        // Wrong types and values of the top-level settings.
        { callback_persist: 'yes' },
        { callback_persist: 1 },
        { notify_user_change_number: null },
        { show_security_notifications: 'false' },
        { heartbeat_interval: -5 },
        { heartbeat_interval: 0 },
        { heartbeat_interval: 1.5 },
        { heartbeat_interval: '5' },
        { unhealthy_interval: -1 },
        { callback_backoff_delay_ms: -1 },
        { max_callback_backoff_delay_ms: 'lots' },
        { garbagecollector_enable: true },
        { garbagecollector_enable: { media: 'no' } },
        { garbagecollector_enable: { logs: true } },
        { media: { auto_download: 'image' } },
        { media: { auto_download: ['gif'] } },
        { media: { auto_download: [1] } },
        { media: ['image'] },
        // Keys that are not application settings at all.
        { unknown_setting: true },
        { settings: { application: { heartbeat_interval: 9 } } },
      ];
      for (const patch of refused) {
        const res = await call(dep, 'PATCH', 'settings/application', patch);
        expect(res.status, JSON.stringify(patch)).toBe(400);
        expectOnpremError(res, 400, 1009, INVALID);
      }
      // The details name the offending key.
      expect(expectOnpremError(await call(dep, 'PATCH', 'settings/application', { wa_id: '999' }), 400, 1009, INVALID).details).toContain('wa_id');
      expect(expectOnpremError(await call(dep, 'PATCH', 'settings/application', { webhooks: { url: 'not a url' } }), 400, 1009, INVALID).details).toContain('webhooks.url');
      expect(expectOnpremError(await call(dep, 'PATCH', 'settings/application', { webhooks: { secret: 'x' } }), 400, 1009, INVALID).details).toContain('webhooks.secret');
      expect(await read(dep)).toEqual(before);
      expect((await deploymentView(dep.id)).settings).toEqual(before);
    });

    it('PATCH accepts every setting GET returns except wa_id; an empty webhook URL unsets it', async () => {
      const dep = await connected();
      const current = await read(dep);
      const { wa_id: waId, ...settable } = current;
      expectOnpremOk(await call(dep, 'PATCH', 'settings/application', settable));
      expect(await read(dep)).toEqual(current);
      const changed = {
        callback_backoff_delay_ms: 0,
        callback_persist: false,
        garbagecollector_enable: { media: true, messages: false },
        heartbeat_interval: 1,
        max_callback_backoff_delay_ms: 60000,
        media: { auto_download: [] },
        notify_user_change_number: false,
        show_security_notifications: false,
        unhealthy_interval: 60,
        webhooks: { url: 'http://127.0.0.1:8080/hooks/onprem?x=1', max_concurrent_requests: 24, message: { sent: false, delivered: false, read: true } },
      };
      expectOnpremOk(await call(dep, 'PATCH', 'settings/application', changed));
      expect(await read(dep)).toEqual({ ...changed, wa_id: waId });
      expectOnpremOk(await call(dep, 'PATCH', 'settings/application', { webhooks: { url: '' } }));
      expect(((await read(dep))['webhooks'] as { url: string }).url).toBe('');
    });

    it('DELETE resets everything to the defaults', async () => {
      const dep = await deploymentWithToken(tp, { webhook_url: 'http://127.0.0.1:9/hook' });
      expectOnpremOk(await call(dep, 'PATCH', 'settings/application', { heartbeat_interval: 60, webhooks: { message: { read: true } } }));
      expect(expectOnpremOk(await call(dep, 'DELETE', 'settings/application'))).toEqual({});
      expect(await read(dep)).toEqual(defaultApplicationSettings());
      expect(await read(dep)).toEqual(expectedDefaults);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('/v1/settings/backup and /v1/settings/restore, /v1/health', () => {
    it('health is unregistered, then connected; the backup needs a password and carries the settings', async () => {
      const a = await deploymentWithToken(tp);
      expect(expectOnpremOk(await call(a, 'GET', 'health'))).toEqual({ health: { gateway_status: 'unregistered' } });
      const number = await cloudNumber();
      await registerOnDeployment(tp, a.id, a.token, number, PIN);
      expect(expectOnpremOk(await call(a, 'GET', 'health'))).toEqual({ health: { gateway_status: 'connected' } });

      expectOnpremError(await call(a, 'POST', 'settings/backup', {}), 400, 1008, REQUIRED);
      expectOnpremError(await call(a, 'POST', 'settings/backup', { password: 42 }), 400, 1009, INVALID);
      const backup = expectOnpremOk<{ settings: { data: string } }>(await call(a, 'POST', 'settings/backup', { password: 'backup-pw' }));
      expect(Object.keys(backup)).toEqual(['settings']);
      expect(Object.keys(backup.settings)).toEqual(['data']);
      expect(backup.settings.data.length).toBeGreaterThan(20);
      expect(backup.settings.data).not.toContain(number.phone_number);
    });

    it('restore validates its body, refuses a wrong password (1009), and moves the number to the restoring deployment', async () => {
      const a = await connected();
      const cert = await certificateOf(tp, a.number.id);
      expectOnpremOk(await call(a, 'POST', 'settings/account/two-step', { pin: PIN }));
      expectOnpremOk(await call(a, 'POST', 'account/shards', { cc: a.number.cc, phone_number: a.number.phone_number, shards: 4, cert, pin: PIN }), 201);
      expectOnpremOk(await call(a, 'PATCH', 'settings/application', { heartbeat_interval: 42 }));
      const { settings } = expectOnpremOk<{ settings: { data: string } }>(await call(a, 'POST', 'settings/backup', { password: 'backup-pw' }));

      const b = await deploymentWithToken(tp);
      expectOnpremError(await call(b, 'POST', 'settings/restore', { password: 'backup-pw' }), 400, 1008, REQUIRED);
      expectOnpremError(await call(b, 'POST', 'settings/restore', { data: settings.data }), 400, 1008, REQUIRED);
      expectOnpremError(await call(b, 'POST', 'settings/restore', { password: 'wrong-pw', data: settings.data }), 400, 1009, INVALID);
      expectOnpremError(await call(b, 'POST', 'settings/restore', { password: 'backup-pw', data: 'Z2FyYmFnZQ==' }), 400, 1009, INVALID);
      const tampered = `${settings.data.slice(0, -4)}${settings.data.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
      expectOnpremError(await call(b, 'POST', 'settings/restore', { password: 'backup-pw', data: tampered }), 400, 1009, INVALID);
      expect(await gatewayStatus(tp, b.id, b.token)).toBe('unregistered');
      expect(await gatewayStatus(tp, a.id, a.token)).toBe('connected');

      expect(expectOnpremOk(await call(b, 'POST', 'settings/restore', { password: 'backup-pw', data: settings.data }))).toEqual({});
      expect(expectOnpremOk(await call(b, 'GET', 'health'))).toEqual({ health: { gateway_status: 'connected' } });
      expect(expectOnpremOk(await call(a, 'GET', 'health'))).toEqual({ health: { gateway_status: 'disconnected' } });
      const view = await deploymentView(b.id);
      expect({ shards: view.shards, phone_number_id: view.phone_number_id, heartbeat: view.settings['heartbeat_interval'] }).toEqual({ shards: 4, phone_number_id: a.number.id, heartbeat: 42 });
      expect((await graphFields(a.number.id, 'platform_type')).platform_type).toBe('ON_PREMISE');

      // The disconnected deployment can no longer work the number.
      expectOnpremError(await call(a, 'POST', 'messages', { to: '16505551234', type: 'text', text: { body: 'hi' } }), 500, 1011, NOT_READY);
      expectOnpremError(await call(a, 'POST', 'settings/backup', { password: 'x' }), 500, 1011, NOT_READY);

      // Restoring again where the number already is: 409 code 1004.
      expectOnpremError(await call(b, 'POST', 'settings/restore', { password: 'backup-pw', data: settings.data }), 409, 1004, 'Resource already exists');
    });

    it('restore on a deployment that already holds another number is 409 1004 and changes nothing', async () => {
      const a = await connected();
      const { settings } = expectOnpremOk<{ settings: { data: string } }>(await call(a, 'POST', 'settings/backup', { password: 'backup-pw' }));
      const b = await connected();
      expectOnpremError(await call(b, 'POST', 'settings/restore', { password: 'backup-pw', data: settings.data }), 409, 1004, 'Resource already exists');
      expect(await gatewayStatus(tp, a.id, a.token)).toBe('connected');
      expect(await gatewayStatus(tp, b.id, b.token)).toBe('connected');
      expect((await deploymentView(b.id)).phone_number_id).toBe(b.number.id);
    });

    it('restore on a deployment whose number moved away (disconnected) reclaims it with a fresh backup, not the used one', async () => {
      const a = await connected();
      const { settings } = expectOnpremOk<{ settings: { data: string } }>(await call(a, 'POST', 'settings/backup', { password: 'backup-pw' }));
      const b = await deploymentWithToken(tp);
      expectOnpremOk(await call(b, 'POST', 'settings/restore', { password: 'backup-pw', data: settings.data }));
      expect(await gatewayStatus(tp, a.id, a.token)).toBe('disconnected');
      // The backup served once: replaying it is refused and changes nothing (issue 8).
      const replay = expectOnpremError(await call(a, 'POST', 'settings/restore', { password: 'backup-pw', data: settings.data }), 400, 1009);
      expect(replay.details).toMatch(/out of date/);
      expect(await gatewayStatus(tp, b.id, b.token)).toBe('connected');
      const fresh = expectOnpremOk<{ settings: { data: string } }>(await call(b, 'POST', 'settings/backup', { password: 'backup-pw' }));
      expectOnpremOk(await call(a, 'POST', 'settings/restore', { password: 'backup-pw', data: fresh.settings.data }));
      expect(await gatewayStatus(tp, a.id, a.token)).toBe('connected');
      expect(await gatewayStatus(tp, b.id, b.token)).toBe('disconnected');
    });

    it('restore of a number that has since moved to Cloud API is refused (403 1005)', async () => {
      const a = await connected();
      const { settings } = expectOnpremOk<{ settings: { data: string } }>(await call(a, 'POST', 'settings/backup', { password: 'backup-pw' }));
      const moved = await tp.graph('POST', `${a.number.id}/register`, world.token, { messaging_product: 'whatsapp', pin: PIN, backup: { password: 'backup-pw', data: settings.data } });
      expect(moved.body).toEqual({ success: true });
      expect(await gatewayStatus(tp, a.id, a.token)).toBe('disconnected');
      const c = await deploymentWithToken(tp);
      expectOnpremError(await call(c, 'POST', 'settings/restore', { password: 'backup-pw', data: settings.data }), 403, 1005, ACCESS_DENIED);
      expect(await gatewayStatus(tp, c.id, c.token)).toBe('unregistered');
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('POST /v1/account/shards', () => {
    it('accepts only 1, 2, 4, 8, 16 or 32 shards', async () => {
      const dep = await connected();
      expectOnpremOk(await call(dep, 'DELETE', 'settings/account/two-step'));
      const body = { cc: dep.number.cc, phone_number: dep.number.phone_number, cert: await certificateOf(tp, dep.number.id) };
      for (const shards of [0, 3, 5, 64, -2, 2.5, '2']) {
        expectOnpremError(await call(dep, 'POST', 'account/shards', { ...body, shards }), 400, 1009, INVALID);
      }
      expectOnpremError(await call(dep, 'POST', 'account/shards', body), 400, 1008, REQUIRED);
      expect((await deploymentView(dep.id)).shards).toBe(1);
      for (const shards of [1, 2, 4, 8, 16, 32]) {
        expect(expectOnpremOk(await call(dep, 'POST', 'account/shards', { ...body, shards }), 201)).toEqual({});
        expect((await deploymentView(dep.id)).shards).toBe(shards);
      }
    });

    it('requires cc, phone_number and a cert that match the registered number', async () => {
      const dep = await connected();
      const other = await cloudNumber();
      const cert = await certificateOf(tp, dep.number.id);
      const body = { cc: dep.number.cc, phone_number: dep.number.phone_number, shards: 2, cert, pin: PIN };
      for (const key of ['cc', 'phone_number', 'cert'] as const) {
        const { [key]: _dropped, ...rest } = body;
        const err = expectOnpremError(await call(dep, 'POST', 'account/shards', rest), 400, 1008, REQUIRED);
        expect(err.details).toContain(key);
      }
      expectOnpremError(await call(dep, 'POST', 'account/shards', { ...body, phone_number: other.phone_number }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'account/shards', { ...body, cert: await certificateOf(tp, other.id) }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'account/shards', { ...body, cert: 'bm9wZQ==' }), 400, 1009, INVALID);
      expect((await deploymentView(dep.id)).shards).toBe(1);
    });

    it('needs the PIN while two-step is on: missing → 1008, wrong → 403 1005, right → 201', async () => {
      const dep = await connected();
      const body = { cc: dep.number.cc, phone_number: dep.number.phone_number, shards: 8, cert: await certificateOf(tp, dep.number.id) };
      expectOnpremError(await call(dep, 'POST', 'account/shards', body), 400, 1008, REQUIRED);
      expectOnpremError(await call(dep, 'POST', 'account/shards', { ...body, pin: '000000' }), 403, 1005, ACCESS_DENIED);
      expect((await deploymentView(dep.id)).shards).toBe(1);
      expectOnpremOk(await call(dep, 'POST', 'account/shards', { ...body, pin: PIN }), 201);
      expect((await deploymentView(dep.id)).shards).toBe(8);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('POST /v1/messages and On-Prem webhooks', () => {
    const statusesOf = (r: WebhookReceiver, id: string): OnpremStatusObject[] =>
      r.received.flatMap((w) => ((w.body as { statuses?: OnpremStatusObject[] }).statuses ?? []).filter((s) => s.id === id));
    const waitForStatuses = async (r: WebhookReceiver, id: string, count: number): Promise<OnpremStatusObject[]> => {
      await tp.flushWebhooks();
      await r.waitFor(() => statusesOf(r, id).length >= count);
      return statusesOf(r, id);
    };

    it('text inside the window → {messages:[{id}]}, inbound and statuses delivered bare and unsigned to the webhook URL', async () => {
      const hook = await receiver();
      const dep = await connected({ webhook_url: hook.url });
      const consumer = uniqueConsumer();
      const inbound = await sendInbound(tp, dep.number.id, 'Hello business', consumer);
      expect(inbound.delivered).toBe(true);
      await tp.flushWebhooks();
      await hook.waitFor(() => hook.received.some((w) => 'messages' in (w.body as object)));
      const inboundBody = hook.received.find((w) => 'messages' in (w.body as object))?.body as Record<string, unknown>;
      expect(inboundBody).toEqual({
        contacts: [{ profile: { name: 'Kerry Fisher' }, wa_id: consumer }],
        messages: [{ from: consumer, id: expect.any(String), timestamp: expect.stringMatching(/^\d+$/), type: 'text', text: { body: 'Hello business' } }],
      });

      const res = await call(dep, 'POST', 'messages', { to: consumer, recipient_type: 'individual', type: 'text', text: { body: 'Hi there' } });
      const body = expectOnpremOk<{ messages: { id: string }[] }>(res);
      expect(Object.keys(body)).toEqual(['messages']);
      expect(body.messages).toHaveLength(1);
      const id = body.messages[0]?.id ?? '';
      expect(id).toMatch(/^[A-Za-z0-9+/=_-]{10,}$/);
      expect(id.startsWith('wamid.')).toBe(false);

      const statuses = await waitForStatuses(hook, id, 2);
      expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered']);
      for (const s of statuses) expect(s).toEqual({ id, recipient_id: consumer, status: s.status, timestamp: expect.stringMatching(/^\d+$/), type: 'message' });
      for (const w of hook.received) {
        expect(w.headers['x-hub-signature-256']).toBeUndefined();
        expect(w.headers['user-agent']).toBe('WhatsApp-OnPremises');
        expect(w.body).not.toHaveProperty('entry');
        expect(w.body).not.toHaveProperty('object');
      }
      // No Cloud webhook for an On-Prem number's message.
      expect(world.receiver.statusesOf(id)).toEqual([]);
    });

    it('outside the window a text fails asynchronously with 470; a template goes through', async () => {
      const hook = await receiver();
      const dep = await connected({ webhook_url: hook.url });
      const consumer = uniqueConsumer();
      await tp.control('POST', 'consumers', { wa_id: consumer, name: 'Quiet Consumer' });

      const text = expectOnpremOk<{ messages: { id: string }[] }>(await call(dep, 'POST', 'messages', { to: consumer, type: 'text', text: { body: 'hello?' } }));
      const textId = text.messages[0]?.id ?? '';
      const [failed] = await waitForStatuses(hook, textId, 1);
      expect(failed).toMatchObject({ id: textId, status: 'failed', errors: [{ code: 470, title: expect.any(String) }] });

      const template = { namespace: 'cdb2_0000', name: 'order_update', language: { policy: 'deterministic', code: 'en' }, components: [] };
      const sent = expectOnpremOk<{ messages: { id: string }[] }>(await call(dep, 'POST', 'messages', { to: consumer, type: 'template', template }));
      const templateId = sent.messages[0]?.id ?? '';
      expect((await waitForStatuses(hook, templateId, 2)).map((s) => s.status)).toEqual(['sent', 'delivered']);
    });

    it('validates the request: missing to → 1008, bad to / type / text → 1009, missing payload → 1008', async () => {
      const dep = await connected();
      const missingTo = expectOnpremError(await call(dep, 'POST', 'messages', { type: 'text', text: { body: 'x' } }), 400, 1008, REQUIRED);
      expect(missingTo.details).toContain('to');
      expectOnpremError(await call(dep, 'POST', 'messages', { to: 'not-a-number', type: 'text', text: { body: 'x' } }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'messages', { to: '16505551234', type: 'fax', text: { body: 'x' } }), 400, 1009, INVALID);
      const missingText = expectOnpremError(await call(dep, 'POST', 'messages', { to: '16505551234', type: 'text' }), 400, 1008, REQUIRED);
      expect(missingText.details).toContain('text');
      expectOnpremError(await call(dep, 'POST', 'messages', { to: '16505551234', type: 'text', text: { body: '' } }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'messages', { to: '16505551234', type: 'text', text: 'just a string' }), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'messages', { to: '16505551234', type: 'image', image: {} }), 400, 1009, INVALID);
    });

    it('the object the type names must be there (1008) and have that type\'s shape (1009); nothing is stored when refused', async () => {
      const dep = await connected();
      const to = uniqueConsumer();
      const send = (body: Record<string, unknown>): Promise<HttpResult> => call(dep, 'POST', 'messages', { to, ...body });
      for (const type of ['template', 'hsm', 'location', 'contacts', 'interactive', 'image', 'document']) {
        const missing = expectOnpremError(await send({ type, text: { body: 'wrong object' } }), 400, 1008, REQUIRED);
        expect(missing.details).toContain(type);
      }
      const wrongShapes: Record<string, unknown>[] = [
        { type: 'template', template: 'x' },
        { type: 'template', template: null },
        { type: 'template', template: {} },
        { type: 'template', template: { name: 'order_update' } },
        { type: 'template', template: { name: '', language: { code: 'en' } } },
        { type: 'template', template: { name: 'order_update', language: 'en' } },
        { type: 'template', template: { name: 'order_update', language: { code: 'en' }, components: 'none' } },
        { type: 'hsm', hsm: 'x' },
        { type: 'hsm', hsm: { namespace: 'ns', language: { policy: 'deterministic', code: 'en' } } },
        { type: 'location', location: 'str' },
        { type: 'location', location: {} },
        { type: 'location', location: { latitude: '37.48', longitude: '-122.14' } },
        { type: 'location', location: { latitude: 37.48 } },
        { type: 'location', location: { latitude: 91, longitude: 0 } },
        { type: 'location', location: { latitude: 0, longitude: 181 } },
        { type: 'location', location: { latitude: 37.48, longitude: -122.14, name: 5 } },
        { type: 'contacts', contacts: 5 },
        { type: 'contacts', contacts: [] },
        { type: 'contacts', contacts: ['Kerry'] },
        { type: 'contacts', contacts: { name: { formatted_name: 'Kerry' } } },
        { type: 'contacts', contacts: [{ phones: [{ phone: '+16505551234' }] }] },
        { type: 'interactive', interactive: null },
        { type: 'interactive', interactive: 'buttons' },
        { type: 'interactive', interactive: {} },
        { type: 'interactive', interactive: { type: 'button', action: 'none' } },
        { type: 'image', image: 'https://example.com/a.jpg' },
        { type: 'image', image: { caption: 'no id, no link' } },
        { type: 'image', image: { link: 'not a url' } },
        { type: 'video', video: null },
        { type: 'text', text: null },
        { type: 'text', text: { body: 5 } },
      ];
      for (const body of wrongShapes) {
        const res = await send(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(expectOnpremError(res, 400, 1009, INVALID).details).toContain(String(body['type']));
      }
      expect((await tp.control<{ data: unknown[] }>('GET', `messages?phone_number_id=${dep.number.id}`)).data).toEqual([]);
    });

    it('well-formed template, hsm, location, contacts and interactive objects are accepted, unknown keys tolerated', async () => {
      const dep = await connected();
      const to = uniqueConsumer();
      await sendInbound(tp, dep.number.id, 'hello', to);
      const stored = async (): Promise<number> => (await tp.control<{ data: unknown[] }>('GET', `messages?phone_number_id=${dep.number.id}`)).data.length;
      const before = await stored();
      const accepted: Record<string, unknown>[] = [
        { type: 'template', template: { namespace: 'cdb2_0000', name: 'order_update', language: { policy: 'deterministic', code: 'en' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'x' }] }] } },
        { type: 'hsm', hsm: { namespace: 'cdb2_0000', element_name: 'order_update', language: { policy: 'deterministic', code: 'en' }, localizable_params: [{ default: 'x' }] } },
        { type: 'location', location: { latitude: 37.48, longitude: -122.14, name: 'Menlo Park', address: '1 Hacker Way' } },
        { type: 'location', location: { latitude: -90, longitude: 180 } },
        { type: 'contacts', contacts: [{ name: { formatted_name: 'Kerry Fisher', first_name: 'Kerry' }, phones: [{ phone: '+16505551234', type: 'WORK' }] }] },
        { type: 'interactive', interactive: { type: 'button', body: { text: 'Pick one' }, action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'A' } }] } } },
      ];
      for (const body of accepted) {
        const res = await call(dep, 'POST', 'messages', { to, ...body });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expectOnpremOk(res);
      }
      expect(await stored()).toBe(before + accepted.length);
    });

    it('media by the id /v1/media returned works; a Cloud media id or another deployment\'s id is 404 1006', async () => {
      const hook = await receiver();
      const dep = await connected({ webhook_url: hook.url });
      const consumer = uniqueConsumer();
      await sendInbound(tp, dep.number.id, 'send me a picture', consumer);
      const upload = expectOnpremOk<{ media: { id: string }[] }>(await onprem(tp, dep.id, 'POST', 'media', { token: dep.token, raw: bytes(256), headers: { 'content-type': 'image/jpeg' } }), 201);
      const mediaId = upload.media[0]?.id ?? '';
      const sent = expectOnpremOk<{ messages: { id: string }[] }>(await call(dep, 'POST', 'messages', { to: consumer, type: 'image', image: { id: mediaId, caption: 'here' } }));
      expect((await waitForStatuses(hook, sent.messages[0]?.id ?? '', 2)).map((s) => s.status)).toEqual(['sent', 'delivered']);
      // By link also works.
      expectOnpremOk(await call(dep, 'POST', 'messages', { to: consumer, type: 'document', document: { link: 'https://example.com/menu.pdf', filename: 'menu.pdf' } }));

      const cloud = await cloudNumber();
      const cloudUpload = await uploadMedia(tp, world.token, cloud.id, { data: bytes(128), mime: 'image/png', filename: 'a.png' });
      expect(cloudUpload.status).toBe(200);
      expectOnpremError(await call(dep, 'POST', 'messages', { to: consumer, type: 'image', image: { id: cloudUpload.body.id } }), 404, 1006, NOT_FOUND);

      const otherDep = await connected();
      const foreign = expectOnpremOk<{ media: { id: string }[] }>(await onprem(tp, otherDep.id, 'POST', 'media', { token: otherDep.token, raw: bytes(64), headers: { 'content-type': 'image/png' } }), 201);
      expectOnpremError(await call(dep, 'POST', 'messages', { to: consumer, type: 'image', image: { id: foreign.media[0]?.id } }), 404, 1006, NOT_FOUND);
      expectOnpremError(await call(dep, 'POST', 'messages', { to: consumer, type: 'image', image: { id: 'no-such-media' } }), 404, 1006, NOT_FOUND);
    });

    it('a webhook URL set with PATCH /v1/settings/application receives the statuses', async () => {
      const hook = await receiver();
      const dep = await connected();
      const consumer = uniqueConsumer();
      await sendInbound(tp, dep.number.id, 'hi', consumer);
      expectOnpremOk(await call(dep, 'PATCH', 'settings/application', { webhooks: { url: hook.url } }));
      const sent = expectOnpremOk<{ messages: { id: string }[] }>(await call(dep, 'POST', 'messages', { to: consumer, text: { body: 'defaults to text' } }));
      expect((await waitForStatuses(hook, sent.messages[0]?.id ?? '', 2)).map((s) => s.status)).toEqual(['sent', 'delivered']);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('POST /v1/media', () => {
    const upload = (dep: { id: string; token: string }, data: Uint8Array, contentType?: string): Promise<HttpResult> =>
      onprem(tp, dep.id, 'POST', 'media', { token: dep.token, raw: data, ...(contentType !== undefined && { headers: { 'content-type': contentType } }) });

    it('stores the raw body under its Content-Type: 201 {media:[{id}]}', async () => {
      const dep = await connected();
      for (const mime of ['image/jpeg', 'image/png', 'audio/ogg; codecs=opus', 'application/pdf', 'video/mp4']) {
        const body = expectOnpremOk<{ media: { id: string }[] }>(await upload(dep, bytes(512), mime), 201);
        expect(Object.keys(body)).toEqual(['media']);
        expect(body.media).toHaveLength(1);
        expect(Object.keys(body.media[0] ?? {})).toEqual(['id']);
        expect(body.media[0]?.id).toMatch(/^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$/);
      }
    });

    it('an unsupported type is 1009, an empty body is 1008', async () => {
      const dep = await connected();
      expectOnpremError(await upload(dep, bytes(64), 'application/zip'), 400, 1009, INVALID);
      expectOnpremError(await upload(dep, bytes(64), 'text/html'), 400, 1009, INVALID);
      expectOnpremError(await upload(dep, new Uint8Array(0), 'image/jpeg'), 400, 1008, REQUIRED);
      expectOnpremError(await upload(dep, bytes(64)), 400, 1009, INVALID);
    });

    it('a file over the type limit is refused with 1009 (never a 500)', async () => {
      const dep = await connected();
      expectOnpremOk(await upload(dep, bytes(500 * 1024), 'image/webp'), 201);
      expectOnpremError(await upload(dep, bytes(500 * 1024 + 1), 'image/webp'), 400, 1009, INVALID);
      expectOnpremError(await upload(dep, bytes(5 * 1024 * 1024 + 1), 'image/jpeg'), 400, 1009, INVALID);
    });

    it('accepts a video larger than the JSON body limit (up to the 16 MB video limit)', async () => {
      const dep = await connected();
      expectOnpremOk(await upload(dep, bytes(6 * 1024 * 1024), 'video/mp4'), 201);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('POST /v1/contacts', () => {
    it('every well-formed number is valid with its wa_id; malformed ones are invalid', async () => {
      const dep = await connected();
      const res = await call(dep, 'POST', 'contacts', { blocking: 'wait', contacts: ['+1 631 555 1001', '16315551002', '+44 (7700) 900-123', 'not a number', '123'], force_check: false });
      expect(expectOnpremOk(res)).toEqual({
        contacts: [
          { input: '+1 631 555 1001', status: 'valid', wa_id: '16315551001' },
          { input: '16315551002', status: 'valid', wa_id: '16315551002' },
          { input: '+44 (7700) 900-123', status: 'valid', wa_id: '447700900123' },
          { input: 'not a number', status: 'invalid' },
          { input: '123', status: 'invalid' },
        ],
      });
    });

    it('missing or empty contacts is 1008; a non-array is 1009', async () => {
      const dep = await connected();
      expectOnpremError(await call(dep, 'POST', 'contacts', { blocking: 'wait' }), 400, 1008, REQUIRED);
      expectOnpremError(await call(dep, 'POST', 'contacts', { contacts: [] }), 400, 1008, REQUIRED);
      expectOnpremError(await call(dep, 'POST', 'contacts', { contacts: '+16315551001' }), 400, 1009, INVALID);
    });

    it('an element that is not a string is 1009: never a 500, never an "[object Object]" input', async () => {
      const dep = await connected();
      const notStrings: unknown[][] = [[{ toString: 1 }], [[{ toString: 1 }]], [{ valueOf: 1, toString: 1 }], [{}], [[]], [5], [16315551001], [null], [true], ['+1 631 555 1001', {}]];
      for (const contacts of notStrings) {
        const res = await call(dep, 'POST', 'contacts', { contacts });
        expect(res.status, JSON.stringify(contacts)).toBe(400);
        expect(expectOnpremError(res, 400, 1009, INVALID).details).toContain('contacts');
      }
      // A bare array (no {"contacts": ...}) is not a valid body either.
      expectOnpremError(await call(dep, 'POST', 'contacts', [{ valueOf: 1, toString: 1 }]), 400, 1009, INVALID);
      expectOnpremError(await call(dep, 'POST', 'contacts', [{ toString: 1 }]), 400, 1009, INVALID);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('malformed requests never leave the On-Prem envelope', () => {
    const raw = (path: string, body: string, contentType: string, token?: string): Promise<HttpResult> =>
      tp.request('POST', path, { body, headers: { 'content-type': contentType, ...(token && { authorization: `Bearer ${token}` }) } });

    it('malformed JSON is 400 with errors[] and meta, on login and authenticated endpoints alike', async () => {
      const dep = await connected();
      for (const path of ['messages', 'contacts', 'account', 'settings/backup', 'settings/restore', 'account/shards']) {
        expectOnpremError(await raw(`/onprem/${dep.id}/v1/${path}`, '{"to": ', 'application/json', dep.token), 400, 1009, INVALID);
      }
      expectOnpremError(await raw(`/onprem/${dep.id}/v1/users/login`, '{bad json', 'application/json'), 400, 1009, INVALID);
      const patch = await tp.request('PATCH', `/onprem/${dep.id}/v1/settings/application`, { body: '{"webhooks":', token: dep.token, headers: { 'content-type': 'application/json' } });
      expectOnpremError(patch, 400, 1009, INVALID);
    });

    it('JSON nested thousands deep is 400 (1009), not a 500', async () => {
      const dep = await connected();
      const deep = `{"to":"16505551234","type":"location","location":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
      expectOnpremError(await raw(`/onprem/${dep.id}/v1/messages`, deep, 'application/json', dep.token), 400, 1009, INVALID);
    });

    it('a JSON endpoint given a non-JSON body is 400 in the On-Prem envelope', async () => {
      const dep = await connected();
      expectOnpremError(await raw(`/onprem/${dep.id}/v1/messages`, 'to=16505551234', 'text/plain', dep.token), 400, 1009, INVALID);
      expectOnpremError(await raw(`/onprem/${dep.id}/v1/contacts`, 'contacts=1', 'application/x-www-form-urlencoded', dep.token), 400, 1009, INVALID);
    });

    it('the envelope carries the fixed meta on every answer', () => {
      expect(ONPREM_META).toEqual({ api_status: 'stable', version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    });
  });

  it('deployment ids are unique per process (helper sanity)', () => {
    expect(deploymentId()).not.toBe(deploymentId());
  });
});
