import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_REQUEST_LIMIT, CODE_TTL_MS, PIN_POLICY, REGISTER_LIMIT, REGISTER_WINDOW_MS, REGISTRATION_WINDOW_MS } from '../../src/platform/registration/domain.js';
import { GRAPH_VERSION, TestPlatform, addNumber, createWorld, registerNumber, sendInbound, sendText, type HttpResult, type World } from '../support/platform.js';
import { advanceClock, codeInbox, expectGraphError, expectSuccess, expectUnsupportedRequest, graphForm, numberState, stopWorlds } from '../support/graph-helpers.js';

const PIN = '123456';
const WRONG = '000000';

describe('registration (Cloud API)', () => {
  let tp: TestPlatform;
  let world: World;
  let other: World;
  const extraWorlds: World[] = [];

  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
    other = await createWorld(tp);
  });
  afterAll(async () => {
    await stopWorlds(world, other, ...extraWorlds);
    await tp.stop();
  });

  const newWorld = async (options: { tosAccepted?: boolean } = {}): Promise<World> => {
    const w = await createWorld(tp, options);
    extraWorlds.push(w);
    return w;
  };
  /** Registered on Cloud API with PIN 123456. */
  const registered = async (w = world): Promise<string> => (await addNumber(tp, w)).id;
  /** Verified, never registered, no two-step PIN. */
  const unregistered = async (w = world): Promise<string> => (await addNumber(tp, w, { register_pin: undefined })).id;
  /** Added through Embedded Signup but never verified by code. */
  const unverified = async (w = world): Promise<string> => (await addNumber(tp, w, { register_pin: undefined, code_verified: false })).id;

  const register = (id: string, body: unknown, w = world): Promise<HttpResult> => tp.graph('POST', `${id}/register`, w.token, body);
  const deregister = (id: string, w = world): Promise<HttpResult> => tp.graph('POST', `${id}/deregister`, w.token);
  const requestCode = (id: string, body: unknown = { code_method: 'SMS', language: 'en_US' }): Promise<HttpResult> => tp.graph('POST', `${id}/request_code`, world.token, body);
  const verifyCode = (id: string, code: string): Promise<HttpResult> => tp.graph('POST', `${id}/verify_code`, world.token, { code });
  const fields = async (id: string, list: string, w = world): Promise<Record<string, unknown>> => {
    const res = await tp.graph('GET', `${id}?fields=${list}`, w.token);
    expect(res.status).toBe(200);
    return res.body;
  };
  const onCloud = async (id: string, w = world): Promise<boolean> => (await fields(id, 'platform_type', w))['platform_type'] === 'CLOUD_API';
  /** Requests a code by SMS and reads it from the emulator's code inbox. */
  const latestCode = async (id: string): Promise<string> => {
    expectSuccess(await requestCode(id));
    const [latest] = await codeInbox(tp, id);
    if (!latest) throw new Error('no code in the inbox');
    return latest.code;
  };

  describe('POST /{PHONE_NUMBER_ID}/register: success', () => {
    it('registers a verified number and sets its two-step PIN', async () => {
      const id = await unregistered();
      expect(await fields(id, 'platform_type,status,is_pin_enabled')).toEqual({ platform_type: 'NOT_APPLICABLE', status: 'PENDING', is_pin_enabled: false, id });
      expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: '654321' }));
      const after = await fields(id, 'platform_type,status,is_pin_enabled,last_onboarded_time');
      expect(after).toMatchObject({ platform_type: 'CLOUD_API', status: 'CONNECTED', is_pin_enabled: true });
      expect(after['last_onboarded_time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
      // The PIN given at registration is now the two-step PIN.
      expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: PIN }), { status: 400, code: 133005 });
      expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: '654321' }));
    });

    it('re-registers an already registered number with its PIN (idempotent)', async () => {
      const id = await registered();
      expectSuccess(await registerNumber(tp, world, id));
      expectSuccess(await registerNumber(tp, world, id));
      expect(await fields(id, 'platform_type,status')).toEqual({ platform_type: 'CLOUD_API', status: 'CONNECTED', id });
    });

    it('accepts a form body, a numeric PIN, any case of "whatsapp" and a data localization region', async () => {
      expectSuccess(await graphForm(tp, 'POST', `${await unregistered()}/register`, { messaging_product: 'whatsapp', pin: PIN }, world.token));
      expectSuccess(await register(await unregistered(), { messaging_product: 'whatsapp', pin: 123456 }));
      expectSuccess(await register(await unregistered(), { messaging_product: 'WhatsApp', pin: PIN }));
      expectSuccess(await register(await unregistered(), { messaging_product: 'whatsapp', pin: PIN, data_localization_region: 'CH' }));
    });

    it('lets a registered number send messages', async () => {
      const id = await unregistered();
      expectSuccess(await registerNumber(tp, world, id));
      await sendInbound(tp, id);
      const sent = await sendText(tp, world, id);
      expect(sent.status).toBe(200);
    });
  });

  describe('POST /{PHONE_NUMBER_ID}/register: parameters', () => {
    it('answers "(#100) The parameter messaging_product is required."', async () => {
      const id = await unregistered();
      const res = await register(id, { pin: PIN });
      expectGraphError(res, { status: 400, code: 100, subcode: null, type: 'OAuthException', message: '(#100) The parameter messaging_product is required.' });
      expect(await onCloud(id)).toBe(false);
    });

    it('answers 100 for a messaging_product other than whatsapp', async () => {
      for (const messaging_product of ['sms', 123, '']) {
        const res = await register(await unregistered(), { messaging_product, pin: PIN });
        expectGraphError(res, { status: 400, code: 100, message: '(#100) Invalid parameter', details: /messaging_product/ });
      }
    });

    it('answers "(#100) The parameter pin is required." without a PIN', async () => {
      const id = await unregistered();
      expectGraphError(await register(id, { messaging_product: 'whatsapp' }), { status: 400, code: 100, message: '(#100) The parameter pin is required.' });
      expect(await onCloud(id)).toBe(false);
    });

    it('answers 100 for a short, long, non-digit or null PIN', async () => {
      const id = await unregistered();
      for (const pin of ['12345', '1234567', 'abcdef', '12345a', ' 12345', null, 12345, 1234567]) {
        const res = await register(id, { messaging_product: 'whatsapp', pin });
        expectGraphError(res, { status: 400, code: 100, message: '(#100) Invalid parameter', details: /pin/ });
      }
      expect(await onCloud(id)).toBe(false);
    });

    it('answers 100 for an invalid data_localization_region', async () => {
      const res = await register(await unregistered(), { messaging_product: 'whatsapp', pin: PIN, data_localization_region: 'switzerland' });
      expectGraphError(res, { status: 400, code: 100, details: /data_localization_region/ });
    });

    it('answers 100 for an On-Premises backup it cannot decrypt', async () => {
      const id = await unregistered();
      const res = await register(id, { messaging_product: 'whatsapp', pin: PIN, backup: { data: 'AAAA', password: 'secret' } });
      expectGraphError(res, { status: 400, code: 100, details: /backup/ });
      expect(await onCloud(id)).toBe(false);
    });

    it("answers 100/33 for a number the token can't reach", async () => {
      const theirs = await registered(other);
      expectUnsupportedRequest(await register(theirs, { messaging_product: 'whatsapp', pin: PIN }), 'POST', theirs);
    });
  });

  describe('POST /{PHONE_NUMBER_ID}/register: Terms of Service', () => {
    it('refuses with code 200 / HTTP 403 when neither owner nor partner accepted', async () => {
      const w = await newWorld({ tosAccepted: false });
      const id = await unregistered(w);
      const res = await register(id, { messaging_product: 'whatsapp', pin: PIN }, w);
      expectGraphError(res, {
        status: 403,
        code: 200,
        type: 'OAuthException',
        message: '(#200) The WhatsApp Business Platform Terms of Service have not been accepted',
        details: /Terms of Service/,
      });
      expect(await onCloud(id, w)).toBe(false);
      expect((await numberState(tp, id))['two_step_enabled']).toBe(0);
    });

    it("accepts once the Solution Partner accepts", async () => {
      const w = await newWorld({ tosAccepted: false });
      const id = await unregistered(w);
      expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: PIN }, w), { status: 403, code: 200 });
      await tp.control('PATCH', `businesses/${w.partnerId}`, { tos_accepted: true });
      expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }, w));
      expect(await onCloud(id, w)).toBe(true);
    });

    it('accepts when only the owning business accepted', async () => {
      const w = await newWorld({ tosAccepted: false });
      await tp.control('PATCH', `businesses/${w.businessId}`, { tos_accepted: true });
      const id = await unregistered(w);
      expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }, w));
    });
  });

  describe('POST /{PHONE_NUMBER_ID}/register: verification and the 14-day window', () => {
    it('answers 133006 for a number that was never verified, then registers once verified', async () => {
      const id = await unverified();
      const res = await register(id, { messaging_product: 'whatsapp', pin: PIN });
      expectGraphError(res, { status: 400, code: 133006, subcode: null, type: 'OAuthException', message: '(#133006) Phone number re-verification needed', details: /not been verified/ });
      expect(await onCloud(id)).toBe(false);

      expectSuccess(await verifyCode(id, await latestCode(id)));
      expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }));
      expect(await onCloud(id)).toBe(true);
    });

    it('registers inside the 14-day window', async () => {
      const id = await unregistered();
      await advanceClock(tp, REGISTRATION_WINDOW_MS / 1000 - 3600);
      expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }));
    });

    it('answers 133006 once 14 days passed without registration, until the number is verified again', async () => {
      const id = await unregistered();
      await advanceClock(tp, REGISTRATION_WINDOW_MS / 1000 + 60);
      const res = await register(id, { messaging_product: 'whatsapp', pin: PIN });
      expectGraphError(res, { status: 400, code: 133006, message: '(#133006) Phone number re-verification needed', details: /14-day/ });
      expect(await onCloud(id)).toBe(false);

      expectSuccess(await verifyCode(id, await latestCode(id)));
      expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }));
    });

    it('does not apply the window to a number that was registered before', async () => {
      const id = await registered();
      expectSuccess(await deregister(id));
      await advanceClock(tp, REGISTRATION_WINDOW_MS / 1000 + 60);
      expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }));
    });
  });

  describe('POST /{PHONE_NUMBER_ID}/register: two-step PIN', () => {
    it('answers 133005 for a wrong PIN and leaves the number as it was', async () => {
      const id = await registered();
      expectSuccess(await deregister(id));
      const res = await register(id, { messaging_product: 'whatsapp', pin: WRONG });
      expectGraphError(res, {
        status: 400,
        code: 133005,
        subcode: null,
        type: 'OAuthException',
        message: '(#133005) Two step verification PIN Mismatch',
        details: 'The PIN you provided does not match the two-step verification PIN set for this number.',
      });
      expect(await fields(id, 'platform_type,status')).toEqual({ platform_type: 'NOT_APPLICABLE', status: 'DISCONNECTED', id });
      expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }));
    });

    it('answers 133009 when guesses come too fast, without counting that guess', async () => {
      const id = await registered();
      for (let i = 0; i < PIN_POLICY.slowDownAfter; i++) {
        expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: WRONG }), { status: 400, code: 133005 });
      }
      const tooFast = await register(id, { messaging_product: 'whatsapp', pin: WRONG });
      expectGraphError(tooFast, { status: 400, code: 133009, type: 'OAuthException', message: '(#133009) Two step verification PIN was entered too quickly', details: /^Try again after \d+ seconds\.$/ });
      // Even the right PIN is not checked while guessing too fast.
      expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: PIN }), { status: 400, code: 133009 });

      // The refused guesses did not count: spaced out, one more wrong guess is still a plain mismatch...
      await advanceClock(tp, PIN_POLICY.minSpacingMs / 1000 + 1);
      expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: WRONG }), { status: 400, code: 133005 });
      // ...and spaced out, the right PIN works and resets the counter.
      await advanceClock(tp, PIN_POLICY.minSpacingMs / 1000 + 1);
      expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }));
      expect((await numberState(tp, id))['pin_failures']).toBe(0);
    });

    it('locks the PIN with 133008 after repeated wrong guesses, until the lock expires', async () => {
      const id = await registered();
      const results: number[] = [];
      for (let i = 1; i <= PIN_POLICY.lockAfter; i++) {
        if (i > PIN_POLICY.slowDownAfter) await advanceClock(tp, PIN_POLICY.minSpacingMs / 1000 + 1);
        const res = await register(id, { messaging_product: 'whatsapp', pin: WRONG });
        results.push(expectGraphError(res, { status: 400, code: i < PIN_POLICY.lockAfter ? 133005 : 133008 }).code);
      }
      expect(results.filter((c) => c === 133005)).toHaveLength(PIN_POLICY.lockAfter - 1);

      // Locked: the right PIN is refused too, with the wait in the details.
      const locked = await register(id, { messaging_product: 'whatsapp', pin: PIN });
      expectGraphError(locked, {
        status: 400,
        code: 133008,
        type: 'OAuthException',
        message: '(#133008) Too many two step verification PIN guesses for this phone number',
        details: /^Try again after \d+ (minutes|seconds)\.$/,
      });
      await advanceClock(tp, PIN_POLICY.lockMs / 1000 - 60);
      expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: PIN }), { status: 400, code: 133008 });

      await advanceClock(tp, 61);
      expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }));
      expect(await onCloud(id)).toBe(true);
    });

    it('keeps counting failures across registration attempts on a deregistered number', async () => {
      const id = await registered();
      expectSuccess(await deregister(id));
      for (let i = 0; i < PIN_POLICY.slowDownAfter; i++) expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: WRONG }), { status: 400, code: 133005 });
      expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: WRONG }), { status: 400, code: 133009 });
      expect(await onCloud(id)).toBe(false);
    });
  });

  describe('POST /{PHONE_NUMBER_ID}/register: 10 requests per 72 hours', () => {
    it('answers 133016 on the 11th request and recovers after 72 hours', async () => {
      const id = await registered();
      for (let i = 0; i < REGISTER_LIMIT; i++) expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }));
      const limited = await register(id, { messaging_product: 'whatsapp', pin: PIN });
      expectGraphError(limited, { status: 400, code: 133016, subcode: null, type: 'OAuthException', message: '(#133016) Account register deregister rate limit exceeded', details: /72 hours/ });
      expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: PIN }), { status: 400, code: 133016 });

      // Still inside the moving window an hour before it ends.
      await advanceClock(tp, REGISTER_WINDOW_MS / 1000 - 3600);
      expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: PIN }), { status: 400, code: 133016 });

      await advanceClock(tp, 3601);
      expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }));
    });

    it('counts failed requests (wrong PIN) too', async () => {
      const id = await registered();
      for (let i = 0; i < REGISTER_LIMIT; i++) {
        // Wrong and right PINs alternate, so the PIN never slows down or locks.
        const pin = i % 2 === 0 ? WRONG : PIN;
        const res = await register(id, { messaging_product: 'whatsapp', pin });
        if (pin === PIN) expectSuccess(res);
        else expectGraphError(res, { status: 400, code: 133005 });
      }
      expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: PIN }), { status: 400, code: 133016 });
    });

    it('checks the limit before the PIN', async () => {
      const id = await registered();
      for (let i = 0; i < REGISTER_LIMIT; i++) expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }));
      expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: WRONG }), { status: 400, code: 133016 });
      expect((await numberState(tp, id))['pin_failures']).toBe(0);
    });

    it('is counted per number', async () => {
      const a = await registered();
      const b = await registered();
      for (let i = 0; i < REGISTER_LIMIT; i++) expectSuccess(await register(a, { messaging_product: 'whatsapp', pin: PIN }));
      expectGraphError(await register(a, { messaging_product: 'whatsapp', pin: PIN }), { status: 400, code: 133016 });
      expectSuccess(await register(b, { messaging_product: 'whatsapp', pin: PIN }));
    });
  });

  describe('POST /{PHONE_NUMBER_ID}/register: concurrency', () => {
    it('leaves the number registered exactly once when the same registration races', async () => {
      const id = await unregistered();
      const racers = 6;
      const results = await Promise.all(Array.from({ length: racers }, () => register(id, { messaging_product: 'whatsapp', pin: PIN })));
      for (const r of results) expectSuccess(r);

      const state = await numberState(tp, id);
      expect(state).toMatchObject({ api: 'cloud', status: 'CONNECTED', two_step_enabled: 1, pin_failures: 0 });
      const listed = await tp.graph<{ data: { id: string }[] }>('GET', `${world.wabaId}/phone_numbers?fields=id&limit=100`, world.token);
      expect(listed.body.data.filter((n) => n.id === id)).toHaveLength(1);

      // Every racing request was counted once: the limit is reached after exactly REGISTER_LIMIT requests.
      for (let i = racers; i < REGISTER_LIMIT; i++) expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }));
      expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: PIN }), { status: 400, code: 133016 });
    });

    it('lets exactly one of several racing PINs win on a number without two-step verification', async () => {
      const id = await unregistered();
      const pins = ['111111', '222222', '333333', '444444'];
      const results = await Promise.all(pins.map((pin) => register(id, { messaging_product: 'whatsapp', pin })));
      const winners = pins.filter((_, i) => results[i]?.status === 200);
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === 200) expectSuccess(r);
        else expectGraphError(r, { status: 400, code: 133005 });
      }
      expect(await onCloud(id)).toBe(true);
      // The winner's PIN is the two-step PIN; a loser's is not.
      const loser = pins.find((p) => p !== winners[0])!;
      await advanceClock(tp, PIN_POLICY.minSpacingMs / 1000 + 1);
      expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: loser }), { status: 400, code: 133005 });
      await advanceClock(tp, PIN_POLICY.minSpacingMs / 1000 + 1);
      expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: winners[0] }));
    });

    it('stays consistent when register and deregister race', async () => {
      const id = await registered();
      const results = await Promise.all([
        register(id, { messaging_product: 'whatsapp', pin: PIN }),
        deregister(id),
        register(id, { messaging_product: 'whatsapp', pin: PIN }),
        deregister(id),
      ]);
      for (const r of results) {
        expect(r.status).not.toBe(500);
        if (r.status !== 200) expectGraphError(r, { status: 400, code: 100 });
      }
      const state = await numberState(tp, id);
      const cloud = await onCloud(id);
      expect([state['api'], state['status']]).toEqual(cloud ? ['cloud', 'CONNECTED'] : ['none', 'DISCONNECTED']);
      // The last request to land decides the state: a register leaves it on Cloud, a deregister off it.
      expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
    });
  });

  describe('POST /{PHONE_NUMBER_ID}/deregister', () => {
    it('takes the number off Cloud API and stops it from sending', async () => {
      const id = await registered();
      const res = await deregister(id);
      expectSuccess(res);
      expect(await fields(id, 'platform_type,status,health_status{can_send_message}')).toMatchObject({ platform_type: 'NOT_APPLICABLE', status: 'DISCONNECTED', health_status: { can_send_message: 'BLOCKED' } });
      const sent = await sendText(tp, world, id);
      expectGraphError(sent, { status: 400, code: 133010 });
    });

    it('keeps the two-step PIN for the next registration', async () => {
      const id = await registered();
      expectSuccess(await deregister(id));
      expect(await fields(id, 'is_pin_enabled')).toEqual({ is_pin_enabled: true, id });
      expectGraphError(await register(id, { messaging_product: 'whatsapp', pin: WRONG }), { status: 400, code: 133005 });
    });

    it('answers 100 for a number that is not registered', async () => {
      const id = await unregistered();
      const res = await deregister(id);
      expectGraphError(res, { status: 400, code: 100, type: 'OAuthException', message: '(#100) Invalid parameter', details: 'Phone number is not currently linked in Facebook Hosted System' });
      const twice = await registered();
      expectSuccess(await deregister(twice));
      expectGraphError(await deregister(twice), { status: 400, code: 100, details: 'Phone number is not currently linked in Facebook Hosted System' });
    });

    it('ignores a body', async () => {
      const id = await registered();
      expectSuccess(await tp.graph('POST', `${id}/deregister`, world.token, { messaging_product: 'whatsapp' }));
    });

    it("answers 100/33 for a number the token can't reach", async () => {
      const theirs = await registered(other);
      expectUnsupportedRequest(await deregister(theirs), 'POST', theirs);
      expect(await onCloud(theirs, other)).toBe(true);
    });

    it('answers 133016 after 10 deregistrations in 72 hours, and recovers after 72 hours', async () => {
      const id = await registered();
      for (let i = 0; i < REGISTER_LIMIT; i++) {
        expectSuccess(await deregister(id));
        expectSuccess(await register(id, { messaging_product: 'whatsapp', pin: PIN }));
      }
      const limited = await deregister(id);
      expectGraphError(limited, { status: 400, code: 133016, message: '(#133016) Account register deregister rate limit exceeded' });
      expect(await onCloud(id)).toBe(true);
      await advanceClock(tp, REGISTER_WINDOW_MS / 1000 + 1);
      expectSuccess(await deregister(id));
      expect(await onCloud(id)).toBe(false);
    });
  });

  describe('POST /{PHONE_NUMBER_ID}/request_code', () => {
    it('sends an SMS code that lands in the code inbox', async () => {
      const id = await unverified();
      expectSuccess(await requestCode(id, { code_method: 'SMS', language: 'en_US' }));
      const inbox = await codeInbox(tp, id);
      expect(inbox).toHaveLength(1);
      const [code] = inbox;
      expect(code).toMatchObject({ phone_number_id: id, method: 'SMS', language: 'en_US', consumed_at: null });
      expect(code!.code).toMatch(/^\d{6}$/);
      expect(code!.text).toMatch(/^WhatsApp code \d{3}-\d{3}$/);
      expect(code!.text).toBe(`WhatsApp code ${code!.code.slice(0, 3)}-${code!.code.slice(3)}`);
      expect(code!.expires_at - code!.sent_at).toBe(CODE_TTL_MS);
    });

    it('calls with a VOICE code', async () => {
      const id = await unverified();
      expectSuccess(await requestCode(id, { code_method: 'VOICE', language: 'es_ES' }));
      const [code] = await codeInbox(tp, id);
      expect(code).toMatchObject({ method: 'VOICE', language: 'es_ES' });
      expect(code!.text).toContain(code!.code.split('').join(' '));
    });

    it('takes its parameters from the query string or a form body, in any case', async () => {
      const id = await unverified();
      const viaQuery = await tp.request('POST', `/${GRAPH_VERSION}/${id}/request_code?code_method=SMS&language=en_US`, { token: world.token });
      expectSuccess(viaQuery);
      expectSuccess(await graphForm(tp, 'POST', `${id}/request_code`, { code_method: 'voice', language: 'en' }, world.token));
      const inbox = await codeInbox(tp, id);
      expect(inbox.map((c) => c.method)).toEqual(['VOICE', 'SMS']);
    });

    it('answers 100 for a missing or invalid code_method or language', async () => {
      const id = await unverified();
      expectGraphError(await requestCode(id, { language: 'en_US' }), { status: 400, code: 100, message: '(#100) The parameter code_method is required.' });
      expectGraphError(await requestCode(id, { code_method: 'SMS' }), { status: 400, code: 100, message: '(#100) The parameter language is required.' });
      expectGraphError(await requestCode(id, { code_method: 'EMAIL', language: 'en_US' }), { status: 400, code: 100, message: '(#100) Invalid parameter', details: /code_method/ });
      expectGraphError(await requestCode(id, { code_method: 'SMS', language: 'English' }), { status: 400, code: 100, message: '(#100) Invalid parameter', details: /language/ });
      expectGraphError(await requestCode(id, { code_method: 'SMS', language: 'en-US' }), { status: 400, code: 100, details: /language/ });
      expectGraphError(await requestCode(id, {}), { status: 400, code: 100 });
      expect(await codeInbox(tp, id)).toEqual([]);
    });

    it('answers 136024 after 5 codes in an hour, and recovers after the hour', async () => {
      const id = await unverified();
      for (let i = 0; i < CODE_REQUEST_LIMIT; i++) expectSuccess(await requestCode(id));
      const res = await requestCode(id);
      expectGraphError(res, { status: 400, code: 136024, subcode: null, type: 'OAuthException', message: '(#136024) Request code error', details: /Too many/ });
      expect(await codeInbox(tp, id)).toHaveLength(CODE_REQUEST_LIMIT);
      await advanceClock(tp, 3601);
      expectSuccess(await requestCode(id));
    });

    it("answers 100/33 for a number the token can't reach", async () => {
      const theirs = await registered(other);
      expectUnsupportedRequest(await requestCode(theirs), 'POST', theirs);
      expect(await codeInbox(tp, theirs)).toEqual([]);
    });
  });

  describe('POST /{PHONE_NUMBER_ID}/verify_code', () => {
    it('marks the number VERIFIED with the right code', async () => {
      const id = await unverified();
      expect(await fields(id, 'code_verification_status')).toEqual({ code_verification_status: 'NOT_VERIFIED', id });
      const code = await latestCode(id);
      expectSuccess(await verifyCode(id, code));
      expect(await fields(id, 'code_verification_status')).toEqual({ code_verification_status: 'VERIFIED', id });
      const [used] = await codeInbox(tp, id);
      expect(used?.consumed_at).toEqual(expect.any(Number));
    });

    it('answers 136025 for a wrong code, and still accepts the right one afterwards', async () => {
      const id = await unverified();
      const code = await latestCode(id);
      const wrong = code === '000000' ? '111111' : '000000';
      const res = await verifyCode(id, wrong);
      expectGraphError(res, { status: 400, code: 136025, subcode: null, type: 'OAuthException', message: '(#136025) Verify code error', details: /wrong code/ });
      expect(await fields(id, 'code_verification_status')).toEqual({ code_verification_status: 'NOT_VERIFIED', id });
      expectSuccess(await verifyCode(id, code));
    });

    it('answers 136025 for a code used a second time', async () => {
      const id = await unverified();
      const code = await latestCode(id);
      expectSuccess(await verifyCode(id, code));
      expectGraphError(await verifyCode(id, code), { status: 400, code: 136025 });
    });

    it('answers 136025 when no code was requested', async () => {
      const id = await unverified();
      expectGraphError(await verifyCode(id, '123456'), { status: 400, code: 136025, details: /No verification code/ });
    });

    it('only accepts the latest code', async () => {
      const id = await unverified();
      const first = await latestCode(id);
      let second = await latestCode(id);
      while (second === first) second = await latestCode(id);
      expectGraphError(await verifyCode(id, first), { status: 400, code: 136025 });
      expectSuccess(await verifyCode(id, second));
    });

    it('answers 136025 for a code older than 10 minutes', async () => {
      const id = await unverified();
      const code = await latestCode(id);
      await advanceClock(tp, CODE_TTL_MS / 1000 + 1);
      const res = await verifyCode(id, code);
      expectGraphError(res, { status: 400, code: 136025, message: '(#136025) Verify code error', details: /expired/ });
      expect(await fields(id, 'code_verification_status')).toEqual({ code_verification_status: 'NOT_VERIFIED', id });
    });

    it('accepts a code just before it expires', async () => {
      const id = await unverified();
      const code = await latestCode(id);
      await advanceClock(tp, CODE_TTL_MS / 1000 - 5);
      expectSuccess(await verifyCode(id, code));
    });

    it('takes the code from the query string, a form body, with a hyphen or as a JSON number', async () => {
      const a = await unverified();
      expectSuccess(await tp.request('POST', `/${GRAPH_VERSION}/${a}/verify_code?code=${await latestCode(a)}`, { token: world.token }));
      const b = await unverified();
      expectSuccess(await graphForm(tp, 'POST', `${b}/verify_code`, { code: await latestCode(b) }, world.token));
      const c = await unverified();
      const cc = await latestCode(c);
      expectSuccess(await verifyCode(c, `${cc.slice(0, 3)}-${cc.slice(3)}`));
      const d = await unverified();
      // A JSON number loses leading zeros, so draw codes until one has none (an hour apart, to stay under the request limit).
      let dc = await latestCode(d);
      while (dc.startsWith('0')) {
        await advanceClock(tp, 3601);
        dc = await latestCode(d);
      }
      expectSuccess(await tp.graph('POST', `${d}/verify_code`, world.token, { code: Number(dc) }));
      for (const id of [a, b, c, d]) expect((await fields(id, 'code_verification_status'))['code_verification_status']).toBe('VERIFIED');
    });

    it('answers 100 for a missing or malformed code', async () => {
      const id = await unverified();
      await latestCode(id);
      expectGraphError(await tp.graph('POST', `${id}/verify_code`, world.token, {}), { status: 400, code: 100, message: '(#100) The parameter code is required.' });
      for (const code of ['12345', '1234567', 'abcdef', '12-3456']) {
        expectGraphError(await verifyCode(id, code), { status: 400, code: 100, message: '(#100) Invalid parameter', details: /code/ });
      }
    });
  });
});
