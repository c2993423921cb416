import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPlatform, createWorld, removeDatabase, sendText, type World } from '../support/platform.js';
import {
  controlRaw,
  deliveries,
  eventually,
  expectError,
  expectInvalid,
  expectNotFound,
  expectRequired,
  uniquePhone,
  uniqueWaId,
} from '../support/webhook-helpers.js';

/**
 * The emulator-only control API under /_switchboard/ (docs/control-api.md): every endpoint's happy
 * path, and its errors in Graph's envelope — 400 for invalid input, 404 for unknown ids and paths.
 */

const GRAPH_ID = /^[1-9]\d{14,15}$/;
const NUM = expect.any(Number) as unknown;
const RETRY = { retryBaseMs: 20, retryMaxMs: 100, pollMs: 20 } as const;

let tp: TestPlatform;
const worlds: World[] = [];

beforeAll(async () => {
  tp = await TestPlatform.start({ webhooks: RETRY });
});
afterAll(async () => {
  for (const w of worlds) await w.receiver.stop();
  await tp.stop();
});

const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => controlRaw<T>(tp, method, path, body);

async function world(): Promise<World> {
  const w = await createWorld(tp);
  worlds.push(w);
  return w;
}

async function business(name = 'Biz'): Promise<string> {
  return (await tp.control<{ id: string }>('POST', 'businesses', { name })).id;
}

async function waba(): Promise<{ wabaId: string; businessId: string }> {
  const businessId = await business();
  const w = await tp.control<{ id: string }>('POST', 'wabas', { name: 'W', owner_business_id: businessId });
  return { wabaId: w.id, businessId };
}

interface NumberRow {
  id: string;
  waba_id: string;
  cc: string;
  number: string;
  [key: string]: unknown;
}

async function provision(wabaId: string, extra: Record<string, unknown> = {}): Promise<NumberRow> {
  return tp.control<NumberRow>('POST', 'phone-numbers', { waba_id: wabaId, cc: '1', phone_number: uniquePhone('557'), verified_name: 'Control Shop', ...extra });
}

describe('health, state, demo and unknown paths', () => {
  it('GET /health answers ok with the emulator time', async () => {
    const res = await call('GET', 'health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', now: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/) as unknown });
  });

  it('GET /demo is {} on a platform that was not seeded', async () => {
    expect(await call('GET', 'demo')).toMatchObject({ status: 200, body: {} });
  });

  it('answers 404 in the Graph envelope for unknown control paths and methods', async () => {
    expectNotFound(await call('GET', 'nope'), 'control endpoint', 'GET /_switchboard/nope');
    expectNotFound(await call('POST', 'nope/deeper'), 'control endpoint', 'POST /_switchboard/nope/deeper');
    expectNotFound(await call('DELETE', 'businesses'), 'control endpoint', 'DELETE /_switchboard/businesses');
    expectNotFound(await call('POST', 'clock'), 'control endpoint', 'POST /_switchboard/clock');
    expectNotFound(await call('GET', 'nope?x=1'), 'control endpoint', 'GET /_switchboard/nope');
  });

  it('refuses a malformed JSON body with 400', async () => {
    const res = await tp.request('POST', '/_switchboard/businesses', { body: '{"name": ', headers: { 'content-type': 'application/json' } });
    expectInvalid(res, /^Request body is not valid JSON/);
  });

  it('refuses a JSON body nested deeper than 64 levels with 400', async () => {
    const res = await tp.request('POST', '/_switchboard/businesses', { body: `{"name":"x","n":${'['.repeat(65)}${']'.repeat(65)}}`, headers: { 'content-type': 'application/json' } });
    expectInvalid(res, /deeper than 64 levels/);
  });
});

describe('businesses', () => {
  it('creates a business with defaults, or with explicit id and statuses', async () => {
    const res = await call('POST', 'businesses', { name: 'Acme' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: expect.stringMatching(GRAPH_ID) as unknown, name: 'Acme', verification_status: 'verified', tos_accepted_at: NUM, created_at: NUM });

    const id = `9${Date.now()}`.slice(0, 15);
    const explicit = await call('POST', 'businesses', { id, name: 'Explicit', verification_status: 'pending', tos_accepted: false });
    expect(explicit.body).toEqual({ id, name: 'Explicit', verification_status: 'pending', tos_accepted_at: null, created_at: NUM });
    const state = await tp.control<{ businesses: { id: string }[] }>('GET', 'state');
    expect(state.businesses.map((b) => b.id)).toContain(id);

    // The id is taken now (by any Graph node).
    expectInvalid(await call('POST', 'businesses', { id, name: 'Again' }), /^Param id is invalid: \d+ is already in use$/);
  });

  // The check ran before the creating transaction: two creates could both pass it, and the loser hit the key (500).
  it('gives one of many concurrent creates with the same explicit id the id, and the others a 400', async () => {
    const id = `8${Date.now()}`.slice(0, 15);
    // Injected in one turn: over sockets the requests rarely land in one poll of the event loop.
    const create = () => tp.platform.http.inject({ method: 'POST', url: '/_switchboard/businesses', payload: { id, name: 'Racer' } });
    const results = await Promise.all(Array.from({ length: 10 }, create));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, ...Array<number>(9).fill(400)]);
  });

  it('validates input', async () => {
    expectRequired(await call('POST', 'businesses', {}), 'name');
    expectInvalid(await call('POST', 'businesses', { name: '' }), /^Param name is invalid/);
    expectInvalid(await call('POST', 'businesses', { name: 'x', id: 'abc' }), /^Param id is invalid/);
    expectInvalid(await call('POST', 'businesses', { name: 'x', verification_status: 'great' }), /^Param verification_status is invalid/);
    expectInvalid(await call('POST', 'businesses', { name: 'x', tos_accepted: 'yes' }), /^Param tos_accepted is invalid/);
  });

  it('PATCH changes verification and terms, keeps everything else, and 404s unknown ids', async () => {
    const id = await business('Patchable');
    const rejected = await call('PATCH', `businesses/${id}`, { verification_status: 'rejected', tos_accepted: false });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toEqual({ id, name: 'Patchable', verification_status: 'rejected', tos_accepted_at: null, created_at: NUM });
    const accepted = await call<{ tos_accepted_at: number }>('PATCH', `businesses/${id}`, { tos_accepted: true });
    expect(accepted.body).toMatchObject({ verification_status: 'rejected', tos_accepted_at: NUM });
    // Nothing to change: the business as it is.
    expect(await call('PATCH', `businesses/${id}`, {})).toMatchObject({ status: 200, body: { id, verification_status: 'rejected' } });

    expectNotFound(await call('PATCH', 'businesses/111111111111111', { verification_status: 'verified' }), 'business', '111111111111111');
    expectNotFound(await call('PATCH', 'businesses/111111111111111', {}), 'business', '111111111111111');
    expectInvalid(await call('PATCH', `businesses/${id}`, { verification_status: 'nope' }), /^Param verification_status is invalid/);
  });
});

describe('wabas', () => {
  it('creates a WABA with defaults and with every option', async () => {
    const owner = await business('Owner');
    const partner = await business('Partner');
    const res = await call('POST', 'wabas', { name: 'Main', owner_business_id: owner });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.stringMatching(GRAPH_ID) as unknown,
      name: 'Main',
      owner_business_id: owner,
      partner_business_id: null,
      review_status: 'APPROVED',
      payment_method: expect.stringMatching(/^pm_[0-9a-f]{12}$/) as unknown,
      template_limit: 250,
      currency: 'USD',
      timezone_id: '1',
      message_template_namespace: expect.stringMatching(/^[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}$/) as unknown,
      created_at: NUM,
      deleted_at: null,
    });
    const full = await call('POST', 'wabas', {
      name: 'Full',
      owner_business_id: owner,
      partner_business_id: partner,
      review_status: 'PENDING',
      payment_method: null,
      template_limit: 5,
      currency: 'EUR',
      timezone_id: '42',
    });
    expect(full.body).toMatchObject({ partner_business_id: partner, review_status: 'PENDING', payment_method: null, template_limit: 5, currency: 'EUR', timezone_id: '42' });
  });

  it('validates input and 404s unknown businesses', async () => {
    const owner = await business();
    expectRequired(await call('POST', 'wabas', { owner_business_id: owner }), 'name');
    expectRequired(await call('POST', 'wabas', { name: 'x' }), 'owner_business_id');
    expectNotFound(await call('POST', 'wabas', { name: 'x', owner_business_id: '222222222222222' }), 'business', '222222222222222');
    expectNotFound(await call('POST', 'wabas', { name: 'x', owner_business_id: owner, partner_business_id: '333333333333333' }), 'business', '333333333333333');
    expectInvalid(await call('POST', 'wabas', { name: 'x', owner_business_id: owner, review_status: 'OK' }), /^Param review_status is invalid/);
    expectInvalid(await call('POST', 'wabas', { name: 'x', owner_business_id: owner, currency: 'EURO' }), /^Param currency is invalid/);
    expectInvalid(await call('POST', 'wabas', { name: 'x', owner_business_id: owner, template_limit: -1 }), /^Param template_limit is invalid/);
    expectInvalid(await call('POST', 'wabas', { name: 'x', owner_business_id: owner, template_limit: 1.5 }), /^Param template_limit is invalid/);
  });

  it('PATCH updates review status, payment, template limit and partner; 404s unknown ids', async () => {
    const { wabaId } = await waba();
    const partner = await business('New Partner');
    const res = await call('PATCH', `wabas/${wabaId}`, { review_status: 'REJECTED', payment_method: null, template_limit: 3, partner_business_id: partner });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: wabaId, review_status: 'REJECTED', payment_method: null, template_limit: 3, partner_business_id: partner });
    expect(await call('PATCH', `wabas/${wabaId}`, {})).toMatchObject({ status: 200, body: { id: wabaId, review_status: 'REJECTED' } });
    expectNotFound(await call('PATCH', 'wabas/444444444444444', { review_status: 'APPROVED' }), 'waba', '444444444444444');
    expectNotFound(await call('PATCH', 'wabas/444444444444444', {}), 'waba', '444444444444444');
    expectInvalid(await call('PATCH', `wabas/${wabaId}`, { review_status: 'MAYBE' }), /^Param review_status is invalid/);
    // An unknown partner is a 404, as on creation (the foreign key failed as a 500), and changes nothing.
    expectNotFound(await call('PATCH', `wabas/${wabaId}`, { partner_business_id: '1', template_limit: 9 }), 'business', '1');
    expect((await call('PATCH', `wabas/${wabaId}`, {})).body).toMatchObject({ template_limit: 3, partner_business_id: partner });
  });

  it('subscribes an app to a WABA without a token; unknown ids are 404', async () => {
    const w = await world();
    const { wabaId } = await waba();
    expect(await call('POST', `wabas/${wabaId}/subscribed_apps/${w.appId}`)).toMatchObject({ status: 200, body: { success: true } });
    const state = await tp.control<{ subscriptions: { waba_id: string; app_id: string; override_callback_uri: string | null }[] }>('GET', 'state');
    expect(state.subscriptions.filter((s) => s.waba_id === wabaId)).toEqual([{ waba_id: wabaId, app_id: w.appId, override_callback_uri: null, created_at: NUM }]);
    // Idempotent.
    expect(await call('POST', `wabas/${wabaId}/subscribed_apps/${w.appId}`)).toMatchObject({ status: 200, body: { success: true } });
    expectNotFound(await call('POST', `wabas/555555555555555/subscribed_apps/${w.appId}`), 'waba', '555555555555555');
    expectNotFound(await call('POST', `wabas/${wabaId}/subscribed_apps/666666666666666`), 'app', '666666666666666');
  });
});

describe('apps', () => {
  it('creates an app (no callback: no handshake) with every webhook field by default', async () => {
    const owner = await business();
    const res = await call('POST', 'apps', { name: 'Plain', business_id: owner });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.stringMatching(GRAPH_ID) as unknown,
      name: 'Plain',
      business_id: owner,
      app_secret: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
      callback_url: null,
      verify_token: null,
      subscribed_fields: [
        'messages',
        'account_update',
        'account_review_update',
        'message_template_status_update',
        'message_template_quality_update',
        'template_category_update',
        'phone_number_name_update',
        'phone_number_quality_update',
        'business_capability_update',
      ],
      created_at: NUM,
    });
    const custom = await call('POST', 'apps', { name: 'Custom', business_id: owner, app_secret: 'my-secret-1', subscribed_fields: ['account_update'] });
    expect(custom.body).toMatchObject({ app_secret: 'my-secret-1', subscribed_fields: ['account_update'] });
    const state = await tp.control<{ apps: { id: string; subscribed_fields: unknown }[] }>('GET', 'state');
    expect(state.apps.find((a) => a.id === (custom.body as { id: string }).id)).toMatchObject({ subscribed_fields: ['account_update'] });
  });

  it('validates input; unknown business and app ids are 404', async () => {
    const owner = await business();
    expectRequired(await call('POST', 'apps', { business_id: owner }), 'name');
    expectRequired(await call('POST', 'apps', { name: 'x' }), 'business_id');
    expectNotFound(await call('POST', 'apps', { name: 'x', business_id: '777777777777777' }), 'business', '777777777777777');
    expectInvalid(await call('POST', 'apps', { name: 'x', business_id: owner, callback_url: 'not a url' }), /^Param callback_url is invalid/);
    expectInvalid(await call('POST', 'apps', { name: 'x', business_id: owner, app_secret: 'short' }), /^Param app_secret is invalid/);
    expectInvalid(await call('POST', 'apps', { name: 'x', business_id: owner, subscribed_fields: 'messages' }), /^Param subscribed_fields is invalid/);
    expectNotFound(await call('PATCH', 'apps/888888888888888', { subscribed_fields: [] }), 'app', '888888888888888');
    expectInvalid(await call('PATCH', `apps/${(await tp.control<{ id: string }>('POST', 'apps', { name: 'y', business_id: owner })).id}`, { callback_url: 'nope' }), /^Param callback_url is invalid/);
  });

  it('PATCH clears the callback without a handshake and replaces subscribed fields', async () => {
    const w = await world();
    const res = await call('PATCH', `apps/${w.appId}`, { callback_url: null, subscribed_fields: ['messages', 'account_update'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: w.appId, callback_url: null, verify_token: w.receiver.verifyToken, subscribed_fields: ['messages', 'account_update'] });
  });
});

describe('tokens', () => {
  it('issues a token once, scoped and with permissions, optionally expiring', async () => {
    const w = await world();
    const res = await call<{ id: string; access_token: string; expires_at: number | null }>('POST', 'tokens', { waba_ids: [w.wabaId], label: 'scoped' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: expect.stringMatching(GRAPH_ID) as unknown, access_token: expect.stringMatching(/^EAAS[A-Za-z0-9]{60,}$/) as unknown, expires_at: null });
    expect(await tp.graph('GET', w.wabaId, res.body.access_token)).toMatchObject({ status: 200, body: { id: w.wabaId } });

    // Scope: a token for another business cannot see this WABA.
    const stranger = await tp.control<{ access_token: string }>('POST', 'tokens', { business_ids: [await business()] });
    expectError(await tp.graph('GET', w.wabaId, stranger.access_token), 400, 100, 'GraphMethodException');

    // Permissions: messaging only cannot read the WABA.
    const messaging = await tp.control<{ access_token: string }>('POST', 'tokens', { waba_ids: [w.wabaId], permissions: ['whatsapp_business_messaging'] });
    expectError(await tp.graph('GET', w.wabaId, messaging.access_token), 403, 200, 'OAuthException', '(#200) Requires whatsapp_business_management permission to manage the object');

    const before = Date.now();
    const expiring = await tp.control<{ access_token: string; expires_at: number }>('POST', 'tokens', { waba_ids: [w.wabaId], expires_in_seconds: 3600 });
    expect(expiring.expires_at).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(expiring.expires_at).toBeLessThanOrEqual(Date.now() + 3_600_000 + (await tp.control<{ offset_ms: number }>('GET', 'clock')).offset_ms);
  });

  it('validates input; unknown app and WABA ids are 404', async () => {
    expectInvalid(await call('POST', 'tokens', { permissions: ['admin'] }), /^Param permissions\.0 is invalid/);
    expectInvalid(await call('POST', 'tokens', { expires_in_seconds: 0 }), /^Param expires_in_seconds is invalid/);
    expectInvalid(await call('POST', 'tokens', { expires_in_seconds: Number.MAX_SAFE_INTEGER }), /^Param expires_in_seconds is invalid/);
    expectInvalid(await call('POST', 'tokens', { business_ids: 'x' }), /^Param business_ids is invalid/);
    expectNotFound(await call('POST', 'tokens', { app_id: '999999999999999' }), 'app', '999999999999999');
    expectNotFound(await call('POST', 'tokens', { waba_ids: ['123456789012345'] }), 'waba', '123456789012345');
  });
});

describe('phone numbers', () => {
  it('provisions a number with defaults; the answer never shows a PIN hash', async () => {
    const { wabaId } = await waba();
    const phone = uniquePhone('558');
    const res = await call('POST', 'phone-numbers', { waba_id: wabaId, cc: '1', phone_number: phone, verified_name: 'Fresh Shop' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.stringMatching(GRAPH_ID) as unknown,
      waba_id: wabaId,
      cc: '1',
      number: phone,
      verified_name: 'Fresh Shop',
      name_status: 'APPROVED',
      new_verified_name: null,
      new_name_status: null,
      quality_rating: 'GREEN',
      messaging_limit_tier: 'TIER_1K',
      is_official_business_account: 0,
      throughput_level: 'STANDARD',
      api: 'none',
      onprem_deployment_id: null,
      downtime_until: null,
      history_since: null,
      onboarded_by_backup: null,
      status: 'PENDING',
      two_step_enabled: 0,
      pin_failures: 0,
      pin_last_attempt_at: null,
      pin_locked_until: null,
      code_verification_status: 'VERIFIED',
      verified_at: NUM,
      signup_at: NUM,
      is_test_number: 0,
      is_on_biz_app: 0,
      account_mode: 'LIVE',
      data_localization_region: null,
      profile: '{}',
      webhook_override_url: null,
      registered_at: null,
      last_onboarded_at: null,
      created_at: NUM,
    });

    const registered = await call('POST', 'phone-numbers', {
      waba_id: wabaId,
      cc: '44',
      phone_number: '7700900123',
      verified_name: 'UK Shop',
      register_pin: '123456',
      quality_rating: 'YELLOW',
      is_official_business_account: true,
      throughput_level: 'HIGH',
      code_verified: false,
      is_test_number: true,
      profile: { about: 'hi' },
    });
    expect(registered.status).toBe(200);
    expect(registered.body).toMatchObject({
      cc: '44',
      number: '7700900123',
      api: 'cloud',
      status: 'CONNECTED',
      two_step_enabled: 1,
      quality_rating: 'YELLOW',
      is_official_business_account: 1,
      throughput_level: 'HIGH',
      code_verification_status: 'NOT_VERIFIED',
      verified_at: null,
      is_test_number: 1,
      profile: '{"about":"hi"}',
      registered_at: NUM,
    });
    expect(registered.body).not.toHaveProperty('pin_hash');
  });

  it('validates input: formats, unknown WABA (404), duplicates (2388012) and taken ids', async () => {
    const { wabaId } = await waba();
    const base = { waba_id: wabaId, cc: '1', phone_number: uniquePhone('559'), verified_name: 'Shop' };
    expectRequired(await call('POST', 'phone-numbers', { ...base, waba_id: undefined }), 'waba_id');
    expectRequired(await call('POST', 'phone-numbers', { ...base, verified_name: undefined }), 'verified_name');
    expectInvalid(await call('POST', 'phone-numbers', { ...base, cc: '+1' }), /^Param cc is invalid/);
    expectInvalid(await call('POST', 'phone-numbers', { ...base, phone_number: '123' }), /^Param phone_number is invalid/);
    expectInvalid(await call('POST', 'phone-numbers', { ...base, verified_name: 'x' }), /^Param verified_name is invalid/);
    expectInvalid(await call('POST', 'phone-numbers', { ...base, register_pin: '12345' }), /^Param register_pin is invalid/);
    expectInvalid(await call('POST', 'phone-numbers', { ...base, quality_rating: 'BLUE' }), /^Param quality_rating is invalid/);
    expectNotFound(await call('POST', 'phone-numbers', { ...base, waba_id: '101010101010101' }), 'waba', '101010101010101');

    const first = await call<{ id: string }>('POST', 'phone-numbers', base);
    expect(first.status).toBe(200);
    const dup = expectError(await call('POST', 'phone-numbers', base), 400, 100, 'OAuthException', '(#100) Invalid parameter');
    expect(dup.error_subcode).toBe(2388012);
    expectInvalid(await call('POST', 'phone-numbers', { ...base, phone_number: uniquePhone('559'), id: first.body.id }), /already in use/);
    expectInvalid(await call('POST', 'phone-numbers', { ...base, phone_number: uniquePhone('559'), id: wabaId }), /already in use/);
  });

  it('GET shows the stored number without its PIN hash; unknown ids are 404', async () => {
    const { wabaId } = await waba();
    const n = await provision(wabaId, { register_pin: '123456' });
    const res = await call('GET', `phone-numbers/${n.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: n.id, waba_id: wabaId, api: 'cloud', two_step_enabled: 1 });
    expect(res.body).not.toHaveProperty('pin_hash');
    expectNotFound(await call('GET', 'phone-numbers/121212121212121'), 'phone number', '121212121212121');
    const state = await tp.control<{ phone_numbers: Record<string, unknown>[] }>('GET', 'state');
    const listed = state.phone_numbers.find((p) => p['id'] === n.id);
    expect(listed).toBeDefined();
    expect(listed).not.toHaveProperty('pin_hash');
  });

  it('PATCH edits fields, disables two-step verification and sets a new PIN', async () => {
    const w = await world();
    const n = await provision(w.wabaId, { register_pin: '123456' });
    const edited = await call('PATCH', `phone-numbers/${n.id}`, {
      name_status: 'PENDING_REVIEW',
      quality_rating: 'RED',
      messaging_limit_tier: 'TIER_10K',
      is_official_business_account: true,
      throughput_level: 'HIGH',
      is_on_biz_app: true,
      signup_at: 1_700_000_000_000,
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      id: n.id,
      name_status: 'PENDING_REVIEW',
      quality_rating: 'RED',
      messaging_limit_tier: 'TIER_10K',
      is_official_business_account: 1,
      throughput_level: 'HIGH',
      is_on_biz_app: 1,
      signup_at: 1_700_000_000_000,
      two_step_enabled: 1,
    });
    expect(edited.body).not.toHaveProperty('pin_hash');

    // two_step_enabled:false turns two-step verification off, as WhatsApp Manager does.
    const off = await call('PATCH', `phone-numbers/${n.id}`, { two_step_enabled: false });
    expect(off.body).toMatchObject({ two_step_enabled: 0, pin_failures: 0, pin_locked_until: null });
    expect(off.body).not.toHaveProperty('pin_hash');
    expect((await tp.graph('GET', `${n.id}?fields=is_pin_enabled`, w.token)).body).toEqual({ is_pin_enabled: false, id: n.id });

    // pin sets a new PIN (and turns two-step verification on): only that PIN registers the number now.
    const on = await call('PATCH', `phone-numbers/${n.id}`, { pin: '654321' });
    expect(on.body).toMatchObject({ two_step_enabled: 1 });
    expect((await tp.graph('GET', `${n.id}?fields=is_pin_enabled`, w.token)).body).toEqual({ is_pin_enabled: true, id: n.id });
    expect(await tp.graph('POST', `${n.id}/deregister`, w.token)).toMatchObject({ status: 200, body: { success: true } });
    const wrong = await tp.graph('POST', `${n.id}/register`, w.token, { messaging_product: 'whatsapp', pin: '123456' });
    expectError(wrong, 400, 133005, 'OAuthException', '(#133005) Two step verification PIN Mismatch');
    expect(await tp.graph('POST', `${n.id}/register`, w.token, { messaging_product: 'whatsapp', pin: '654321' })).toMatchObject({ status: 200, body: { success: true } });
    // An empty PATCH changes nothing.
    expect(await call('PATCH', `phone-numbers/${n.id}`, {})).toMatchObject({ status: 200, body: { id: n.id, quality_rating: 'RED', api: 'cloud' } });
  });

  it('PATCH validates input and 404s unknown ids', async () => {
    const { wabaId } = await waba();
    const n = await provision(wabaId);
    expectInvalid(await call('PATCH', `phone-numbers/${n.id}`, { pin: '12ab56' }), /^Param pin is invalid/);
    expectInvalid(await call('PATCH', `phone-numbers/${n.id}`, { quality_rating: 'PURPLE' }), /^Param quality_rating is invalid/);
    expectInvalid(await call('PATCH', `phone-numbers/${n.id}`, { two_step_enabled: 'no' }), /^Param two_step_enabled is invalid/);
    expectInvalid(await call('PATCH', `phone-numbers/${n.id}`, { signup_at: 'yesterday' }), /^Param signup_at is invalid/);
    expectNotFound(await call('PATCH', 'phone-numbers/131313131313131', { quality_rating: 'RED' }), 'phone number', '131313131313131');
  });
});

describe('display names', () => {
  it('request → approve renames the number and sends phone_number_name_update APPROVED', async () => {
    const w = await world();
    const n = await provision(w.wabaId, { register_pin: '123456', verified_name: 'Old Name' });
    expect(await call('POST', `phone-numbers/${n.id}/display-name`, { verified_name: 'New Name' })).toMatchObject({ status: 200, body: { success: true } });
    expect((await call('GET', `phone-numbers/${n.id}`)).body).toMatchObject({ verified_name: 'Old Name', new_verified_name: 'New Name', new_name_status: 'PENDING_REVIEW' });
    expect((await tp.graph('GET', `${n.id}?fields=verified_name,new_display_name,new_name_status`, w.token)).body).toEqual({
      verified_name: 'Old Name',
      new_display_name: 'New Name',
      new_name_status: 'PENDING_REVIEW',
      id: n.id,
    });

    expect(await call('POST', `phone-numbers/${n.id}/display-name/approve`)).toMatchObject({ status: 200, body: { success: true } });
    expect((await call('GET', `phone-numbers/${n.id}`)).body).toMatchObject({ verified_name: 'New Name', name_status: 'APPROVED', new_verified_name: null, new_name_status: null });
    await w.receiver.waitFor(() => w.receiver.changes('phone_number_name_update').length === 1);
    expect(w.receiver.changes('phone_number_name_update')).toEqual([
      { display_phone_number: `${n.cc}${n.number}`, decision: 'APPROVED', requested_verified_name: 'New Name', rejection_reason: null },
    ]);
    const body = w.receiver.received.find((r) => JSON.stringify(r.body).includes('phone_number_name_update'))?.body as { entry: { id: string; time: number }[] };
    expect(body.entry[0]).toMatchObject({ id: w.wabaId, time: NUM });
  });

  it('request → reject keeps the old name and sends REJECTED; rejecting with nothing pending declines the current name', async () => {
    const w = await world();
    const n = await provision(w.wabaId, { register_pin: '123456', verified_name: 'Keep Me' });
    await tp.control('POST', `phone-numbers/${n.id}/display-name`, { verified_name: 'Bad Name' });
    expect(await call('POST', `phone-numbers/${n.id}/display-name/reject`)).toMatchObject({ status: 200, body: { success: true } });
    expect((await call('GET', `phone-numbers/${n.id}`)).body).toMatchObject({ verified_name: 'Keep Me', name_status: 'APPROVED', new_verified_name: null, new_name_status: null });
    await tp.control('POST', `phone-numbers/${n.id}/display-name/reject`);
    expect((await call('GET', `phone-numbers/${n.id}`)).body).toMatchObject({ verified_name: 'Keep Me', name_status: 'DECLINED' });
    await w.receiver.waitFor(() => w.receiver.changes('phone_number_name_update').length === 2);
    expect(w.receiver.changes('phone_number_name_update')).toEqual([
      { display_phone_number: `${n.cc}${n.number}`, decision: 'REJECTED', requested_verified_name: 'Bad Name', rejection_reason: 'NAME_FORMAT_UNACCEPTABLE' },
      { display_phone_number: `${n.cc}${n.number}`, decision: 'REJECTED', requested_verified_name: 'Keep Me', rejection_reason: 'NAME_FORMAT_UNACCEPTABLE' },
    ]);
  });

  it('validates input and 404s unknown numbers', async () => {
    const { wabaId } = await waba();
    const n = await provision(wabaId);
    expectInvalid(await call('POST', `phone-numbers/${n.id}/display-name`, { verified_name: 'x' }), /^Param verified_name is invalid/);
    expectRequired(await call('POST', `phone-numbers/${n.id}/display-name`, {}), 'verified_name');
    expectNotFound(await call('POST', 'phone-numbers/141414141414141/display-name', { verified_name: 'Valid' }), 'phone number', '141414141414141');
    expectNotFound(await call('POST', 'phone-numbers/141414141414141/display-name/approve'), 'phone number', '141414141414141');
    expectNotFound(await call('POST', 'phone-numbers/141414141414141/display-name/reject'), 'phone number', '141414141414141');
  });
});

describe('consumers', () => {
  it('creates (and upserts) a consumer', async () => {
    const waId = uniqueWaId();
    const res = await call('POST', 'consumers', { wa_id: waId, name: 'Ana' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ wa_id: waId, name: 'Ana', online: 1, auto_read: 0, created_at: NUM });
    const again = await call('POST', 'consumers', { wa_id: waId, name: 'Ana B', online: false, auto_read: true });
    expect(again.body).toMatchObject({ wa_id: waId, name: 'Ana B', online: 0, auto_read: 1 });
    const state = await tp.control<{ consumers: Record<string, unknown>[] }>('GET', 'state');
    expect(state.consumers.filter((c) => c['wa_id'] === waId)).toEqual([{ wa_id: waId, name: 'Ana B', online: 0, auto_read: 1, created_at: NUM }]);
  });

  it('validates input and 404s unknown consumers', async () => {
    expectRequired(await call('POST', 'consumers', { wa_id: uniqueWaId() }), 'name');
    expectInvalid(await call('POST', 'consumers', { wa_id: '+1 650', name: 'x' }), /^Param wa_id is invalid/);
    expectInvalid(await call('PATCH', `consumers/${uniqueWaId()}`, { online: 'yes' }), /^Param online is invalid/);
    expectNotFound(await call('PATCH', 'consumers/15550009999', { online: true }), 'consumer', '15550009999');
    expectNotFound(await call('PATCH', 'consumers/15550009999', {}), 'consumer', '15550009999');
  });

  it('PATCH online:true delivers messages that were only sent while offline', async () => {
    const w = await world();
    const n = await provision(w.wabaId, { register_pin: '123456' });
    const waId = uniqueWaId();
    await tp.control('POST', 'consumers', { wa_id: waId, name: 'Offline Olga', online: false });
    await tp.control('POST', 'inbound', { phone_number_id: n.id, from: waId, text: { body: 'hi' } });
    const first = await sendText(tp, w, n.id, 'one', waId);
    const second = await sendText(tp, w, n.id, 'two', waId);
    const ids = [first.body.messages[0]!.id, second.body.messages[0]!.id];
    await w.receiver.waitFor(() => ids.every((id) => w.receiver.statusesOf(id).length === 1));
    expect(ids.map((id) => w.receiver.statusesOf(id))).toEqual([['sent'], ['sent']]);

    const renamed = await call('PATCH', `consumers/${waId}`, { name: 'Olga' });
    expect(renamed.body).toEqual({ wa_id: waId, name: 'Olga', online: 0, auto_read: 0, created_at: NUM, delivered_message_ids: [] });

    const online = await call('PATCH', `consumers/${waId}`, { online: true });
    expect(online.status).toBe(200);
    expect(online.body).toEqual({ wa_id: waId, name: 'Olga', online: 1, auto_read: 0, created_at: NUM, delivered_message_ids: ids });
    await w.receiver.waitFor(() => ids.every((id) => w.receiver.statusesOf(id).length === 2));
    expect(ids.map((id) => w.receiver.statusesOf(id))).toEqual([
      ['sent', 'delivered'],
      ['sent', 'delivered'],
    ]);
    const stored = await tp.control<{ data: { id: string; status: string }[] }>('GET', `messages?wa_id=${waId}`);
    expect(stored.data.filter((m) => ids.includes(m.id)).map((m) => m.status)).toEqual(['delivered', 'delivered']);
    // Already online: nothing more to deliver.
    expect((await call('PATCH', `consumers/${waId}`, { online: true })).body).toMatchObject({ delivered_message_ids: [] });
  });
});

describe('inbound', () => {
  let w: World;
  let n: NumberRow;
  beforeAll(async () => {
    w = await world();
    n = await provision(w.wabaId, { register_pin: '123456' });
  });

  async function receive(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await call<{ delivered: boolean; messageId: string }>('POST', 'inbound', { phone_number_id: n.id, from: '16505550301', ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ delivered: true, api: 'cloud', messageId: expect.stringMatching(/^wamid\./) as unknown });
    await w.receiver.waitFor(() => w.receiver.inboundMessages().some((m) => m['id'] === res.body.messageId));
    return w.receiver.inboundMessages().find((m) => m['id'] === res.body.messageId)!;
  }

  it('text: the full messages value', async () => {
    const res = await call<{ messageId: string }>('POST', 'inbound', { phone_number_id: n.id, from: '16505550300', name: 'Tex', text: { body: 'plain text' } });
    await w.receiver.waitFor(() => w.receiver.inboundMessages().some((m) => m['id'] === res.body.messageId));
    const value = w.receiver.changes().find((v) => JSON.stringify(v).includes(res.body.messageId));
    expect(value).toEqual({
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: `${n.cc}${n.number}`, phone_number_id: n.id },
      contacts: [{ profile: { name: 'Tex' }, wa_id: '16505550300' }],
      messages: [{ from: '16505550300', id: res.body.messageId, timestamp: expect.stringMatching(/^\d{10}$/) as unknown, type: 'text', text: { body: 'plain text' } }],
    });
  });

  it('voice: an audio message with voice=true; audio: voice=false', async () => {
    const voice = await receive({ type: 'voice' });
    expect(voice).toEqual({
      from: '16505550301',
      id: expect.any(String) as unknown,
      timestamp: expect.any(String) as unknown,
      type: 'audio',
      audio: { mime_type: 'audio/ogg; codecs=opus', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown, id: expect.stringMatching(GRAPH_ID) as unknown, voice: true },
    });
    const audio = await receive({ type: 'audio' });
    expect(audio['audio']).toMatchObject({ mime_type: 'audio/ogg; codecs=opus', voice: false });
  });

  it('image: a media id the app can look up and download', async () => {
    const image = await receive({ type: 'image', caption: 'look' });
    expect(image).toMatchObject({ type: 'image' });
    const media = image['image'] as { mime_type: string; sha256: string; id: string; caption: string };
    expect(media).toEqual({ mime_type: 'image/jpeg', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown, id: expect.stringMatching(GRAPH_ID) as unknown, caption: 'look' });
    const meta = await tp.graph<{ url: string }>('GET', media.id, w.token);
    expect(meta.status).toBe(200);
    expect(meta.body).toEqual({ messaging_product: 'whatsapp', url: expect.stringContaining('/lookaside/') as unknown, mime_type: 'image/jpeg', sha256: media.sha256, file_size: '256', id: media.id });
    const download = await fetch(meta.body.url, { headers: { authorization: `Bearer ${w.token}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(256);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(media.sha256);
  });

  it('document with filename, sticker, location, reaction and a reply context', async () => {
    const doc = await receive({ type: 'document', filename: 'invoice.pdf', caption: 'inv' });
    expect(doc['document']).toMatchObject({ mime_type: 'application/pdf', filename: 'invoice.pdf', caption: 'inv' });
    const sticker = await receive({ type: 'sticker' });
    expect(sticker['sticker']).toMatchObject({ mime_type: 'image/webp', animated: false });
    const location = await receive({ type: 'location', location: { latitude: 38.9, longitude: -77.03, name: 'HQ', address: '1 Main St' } });
    expect(location).toMatchObject({ type: 'location', location: { latitude: 38.9, longitude: -77.03, name: 'HQ', address: '1 Main St' } });
    const reaction = await receive({ type: 'reaction', reaction: { message_id: 'wamid.abc', emoji: '👍' } });
    expect(reaction).toMatchObject({ type: 'reaction', reaction: { message_id: 'wamid.abc', emoji: '👍' } });
    const reply = await receive({ text: { body: 'replying' }, context_message_id: 'wamid.original' });
    expect(reply['context']).toEqual({ from: `${n.cc}${n.number}`, id: 'wamid.original' });
  });

  it('a number registered on no API does not receive: {delivered:false}, no webhook, nothing stored', async () => {
    const unregistered = await provision(w.wabaId);
    const res = await call('POST', 'inbound', { phone_number_id: unregistered.id, from: '16505550302', text: { body: 'anyone?' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ delivered: false, dropped: true, reason: 'number not registered on any API' });
    expect(await deliveries(tp, `phone_number_id=${unregistered.id}`)).toEqual([]);
    expect((await tp.control<{ data: unknown[] }>('GET', `messages?phone_number_id=${unregistered.id}`)).data).toEqual([]);
  });

  it('validates input', async () => {
    expectRequired(await call('POST', 'inbound', { phone_number_id: n.id, from: '16505550303' }), 'text');
    expectRequired(await call('POST', 'inbound', { phone_number_id: n.id, from: '16505550303', type: 'location' }), 'location');
    expectRequired(await call('POST', 'inbound', { phone_number_id: n.id, from: '16505550303', type: 'reaction' }), 'reaction');
    expectRequired(await call('POST', 'inbound', { from: '16505550303', text: { body: 'x' } }), 'phone_number_id');
    expectInvalid(await call('POST', 'inbound', { phone_number_id: n.id, from: 'abc', text: { body: 'x' } }), /^Param from is invalid/);
    expectInvalid(await call('POST', 'inbound', { phone_number_id: n.id, from: '16505550303', type: 'fax' }), /^Param type is invalid/);
    expectInvalid(await call('POST', 'inbound', { phone_number_id: n.id, from: '16505550303', text: { body: 'x'.repeat(4097) } }), /^Param text\.body is invalid/);
    expectNotFound(await call('POST', 'inbound', { phone_number_id: '151515151515151', from: '16505550303', text: { body: 'x' } }), 'phone number', '151515151515151');
  });
});

describe('messages', () => {
  it('lists stored messages newest first, filtered by number and consumer, with parsed bodies', async () => {
    const w = await world();
    const n = await provision(w.wabaId, { register_pin: '123456' });
    const waId = uniqueWaId();
    const inbound = await tp.control<{ messageId: string }>('POST', 'inbound', { phone_number_id: n.id, from: waId, text: { body: 'first' } });
    const out = await sendText(tp, w, n.id, 'second', waId);
    const outId = out.body.messages[0]!.id;
    const list = await call<{ data: Record<string, unknown>[] }>('GET', `messages?phone_number_id=${n.id}`);
    expect(list.status).toBe(200);
    expect(list.body.data.map((m) => m['id'])).toEqual([outId, inbound.messageId]);
    expect(list.body.data[1]).toEqual({
      id: inbound.messageId,
      phone_number_id: n.id,
      waba_id: w.wabaId,
      direction: 'inbound',
      wa_id: waId,
      type: 'text',
      body: { from: waId, id: inbound.messageId, timestamp: expect.any(String) as unknown, type: 'text', text: { body: 'first' } },
      status: 'received',
      api: 'cloud',
      biz_opaque_callback_data: null,
      pricing: null,
      error_code: null,
      created_at: NUM,
      updated_at: NUM,
    });
    expect(list.body.data[0]).toMatchObject({
      id: outId,
      direction: 'outbound',
      type: 'text',
      body: { text: { body: 'second' } },
      status: 'delivered',
      pricing: { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' },
    });
    expect((await call<{ data: unknown[] }>('GET', `messages?phone_number_id=${n.id}&limit=1`)).body.data).toHaveLength(1);
    expect((await call<{ data: { id: string }[] }>('GET', `messages?wa_id=${waId}`)).body.data.map((m) => m.id)).toEqual([outId, inbound.messageId]);
    expect((await call<{ data: unknown[] }>('GET', 'messages?wa_id=19999999999')).body.data).toEqual([]);
  });

  it('POST /messages/{id}/status moves an outbound message on; unknown or inbound ids are 404', async () => {
    const w = await world();
    const n = await provision(w.wabaId, { register_pin: '123456' });
    const waId = uniqueWaId();
    const inbound = await tp.control<{ messageId: string }>('POST', 'inbound', { phone_number_id: n.id, from: waId, text: { body: 'hey' } });
    const id = (await sendText(tp, w, n.id, 'read me', waId)).body.messages[0]!.id;
    const read = await call('POST', `messages/${encodeURIComponent(id)}/status`, { status: 'read' });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, status: 'read', direction: 'outbound' });
    await w.receiver.waitFor(() => w.receiver.statusesOf(id).includes('read'));
    expect(w.receiver.statusesOf(id)).toEqual(['sent', 'delivered', 'read']);
    expectInvalid(await call('POST', `messages/${encodeURIComponent(id)}/status`, { status: 'played' }), /^Param status is invalid/);
    expectNotFound(await call('POST', 'messages/wamid.nope/status', { status: 'read' }), 'outbound message', 'wamid.nope');
    expectNotFound(await call('POST', `messages/${encodeURIComponent(inbound.messageId)}/status`, { status: 'read' }), 'outbound message', inbound.messageId);
  });
});

describe('templates status', () => {
  it('forces a template status and announces it; unknown ids are 404', async () => {
    const w = await world();
    const created = await tp.graph<{ id: string; status: string }>('POST', `${w.wabaId}/message_templates`, w.token, {
      name: 'order_shipped',
      category: 'UTILITY',
      language: 'en_US',
      components: [{ type: 'BODY', text: 'Your order has shipped.' }],
    });
    expect(created.body).toMatchObject({ status: 'APPROVED' });
    const res = await call('POST', `templates/${created.body.id}/status`, { status: 'PAUSED', reason: 'LOW_QUALITY' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: created.body.id, status: 'PAUSED', rejected_reason: 'LOW_QUALITY' });
    await w.receiver.waitFor(() => w.receiver.changes('message_template_status_update').length === 2);
    expect(w.receiver.changes('message_template_status_update')[1]).toEqual({
      event: 'PAUSED',
      message_template_id: Number(created.body.id),
      message_template_name: 'order_shipped',
      message_template_language: 'en_US',
      reason: 'LOW_QUALITY',
      message_template_category: 'UTILITY',
    });
    expectInvalid(await call('POST', `templates/${created.body.id}/status`, { status: 'GONE' }), /^Param status is invalid/);
    expectNotFound(await call('POST', 'templates/161616161616161/status', { status: 'PAUSED' }), 'template', '161616161616161');
  });
});

describe('code inbox', () => {
  it('lists the SMS and voice codes sent to a number, newest first, with filters', async () => {
    const w = await world();
    const n = await provision(w.wabaId, { code_verified: false });
    expect(await tp.graph('POST', `${n.id}/request_code?code_method=SMS&language=en_US`, w.token)).toMatchObject({ status: 200, body: { success: true } });
    expect(await tp.graph('POST', `${n.id}/request_code`, w.token, { code_method: 'VOICE', language: 'pt_BR' })).toMatchObject({ status: 200, body: { success: true } });
    const inbox = await call<{ data: Record<string, unknown>[] }>('GET', `code-inbox?phone_number_id=${n.id}`);
    expect(inbox.status).toBe(200);
    expect(inbox.body.data).toHaveLength(2);
    const [voice, sms] = inbox.body.data as [Record<string, string | number | null>, Record<string, string | number | null>];
    const smsCode = String(sms['code']);
    expect(sms).toEqual({
      id: NUM,
      phone_number_id: n.id,
      cc: '1',
      number: n.number,
      code: expect.stringMatching(/^\d{6}$/) as unknown,
      method: 'SMS',
      language: 'en_US',
      text: `WhatsApp code ${smsCode.slice(0, 3)}-${smsCode.slice(3)}`,
      sent_at: NUM,
      expires_at: Number(sms['sent_at']) + 10 * 60 * 1000,
      consumed_at: null,
    });
    expect(voice).toMatchObject({ method: 'VOICE', language: 'pt_BR', consumed_at: null });
    expect(String(voice['text'])).toContain(String(voice['code']).split('').join(' '));

    // By phone number, in any format; limit.
    const byPhone = await call<{ data: { id: number }[] }>('GET', `code-inbox?phone_number=${encodeURIComponent(`+1 (${n.number.slice(0, 3)}) ${n.number.slice(3, 6)}-${n.number.slice(6)}`)}`);
    expect(byPhone.body.data.map((c) => c.id)).toEqual(inbox.body.data.map((c) => c['id']));
    expect((await call<{ data: unknown[] }>('GET', `code-inbox?phone_number_id=${n.id}&limit=1`)).body.data).toHaveLength(1);
    expect((await call<{ data: unknown[] }>('GET', 'code-inbox?phone_number_id=171717171717171')).body.data).toEqual([]);

    // Using the newest code consumes the pending ones.
    expect(await tp.graph('POST', `${n.id}/verify_code`, w.token, { code: String(voice['code']) })).toMatchObject({ status: 200, body: { success: true } });
    const after = await call<{ data: { consumed_at: number | null }[] }>('GET', `code-inbox?phone_number_id=${n.id}`);
    expect(after.body.data.map((c) => typeof c.consumed_at)).toEqual(['number', 'number']);
  });
});

describe('webhook deliveries', () => {
  it('lists outbox events with filters and shows one with its attempts; unknown ids are 404', async () => {
    const w = await world();
    const n = await provision(w.wabaId, { register_pin: '123456' });
    const res = await tp.control<{ messageId: string }>('POST', 'inbound', { phone_number_id: n.id, from: uniqueWaId(), text: { body: 'track me' } });
    await w.receiver.waitFor(() => w.receiver.inboundMessages().some((m) => m['id'] === res.messageId));
    const events = await eventually(async () => {
      const list = (await tp.control<{ data: { id: number; status: string }[] }>('GET', `webhook-deliveries?phone_number_id=${n.id}&status=delivered&field=messages&app_id=${w.appId}`)).data;
      return list.length === 1 ? list : undefined;
    });
    const detail = await call<{ attempts: { http_status: number }[]; value: unknown }>('GET', `webhook-deliveries/${events[0]!.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: events[0]!.id, status: 'delivered', field: 'messages', app_id: w.appId });
    expect(detail.body.attempts.map((a) => a.http_status)).toEqual([200]);
    expect((await tp.control<{ data: unknown[] }>('GET', `webhook-deliveries?phone_number_id=${n.id}&status=dead`)).data).toEqual([]);
    expect(await call('POST', 'webhook-deliveries/flush')).toMatchObject({ status: 200, body: { success: true } });
    expectNotFound(await call('GET', 'webhook-deliveries/987654321'), 'webhook delivery', '987654321');
    expectNotFound(await call('GET', 'webhook-deliveries/abc'), 'webhook delivery', 'abc');
    // Decimal ids only (Number() read "0x10" as delivery 16).
    expectNotFound(await call('GET', `webhook-deliveries/0x${events[0]!.id.toString(16)}`), 'webhook delivery', `0x${events[0]!.id.toString(16)}`);
  });
});

describe('sink', () => {
  it('echoes hub.challenge, records raw POST bodies and lists them newest first', async () => {
    const name = `sink${Date.now()}`;
    const challenge = await fetch(`${tp.base}/_switchboard/sink/${name}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=anything`);
    expect(challenge.status).toBe(200);
    expect(challenge.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await challenge.text()).toBe('1158201444');

    const raw1 = '{"object":"whatsapp_business_account", "entry": [ ],  "note":"olé \\u00e9"}';
    const raw2 = '{"second":true}';
    for (const raw of [raw1, raw2]) {
      const posted = await fetch(`${tp.base}/_switchboard/sink/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=abc' }, body: raw });
      expect(posted.status).toBe(200);
      expect(await posted.json()).toEqual({ success: true });
    }
    const list = await call<{ data: { id: number; sink: string; headers: Record<string, string>; body: string; received_at: number }[] }>('GET', `sink/${name}`);
    expect(list.status).toBe(200);
    expect(list.body.data.map((r) => r.body)).toEqual([raw2, raw1]);
    expect(list.body.data[1]).toEqual({ id: NUM, sink: name, headers: expect.objectContaining({ 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=abc' }) as unknown, body: raw1, received_at: NUM });
    expect((await call<{ data: unknown[] }>('GET', `sink/${name}?limit=1`)).body.data).toHaveLength(1);
    expect((await call<{ data: unknown[] }>('GET', `sink/${name}-other`)).body.data).toEqual([]);
    // GET with hub.mode but no challenge lists.
    expect((await call<{ data: unknown[] }>('GET', `sink/${name}?hub.mode=subscribe`)).body.data).toHaveLength(2);
  });
});

describe('clock', () => {
  it('GET shows the time, advance moves it; validation errors are 400', async () => {
    const before = await call<{ now: string; now_ms: number; offset_ms: number }>('GET', 'clock');
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ now: new Date(before.body.now_ms).toISOString(), now_ms: NUM, offset_ms: expect.any(Number) as unknown });
    const offset = before.body.offset_ms;
    const moved = await call<{ now_ms: number; offset_ms: number }>('POST', 'clock/advance', { seconds: 1.5 });
    expect(moved.body.offset_ms).toBe(offset + 1500);
    const more = await call<{ now: string; now_ms: number; offset_ms: number }>('POST', 'clock/advance', { ms: 250, seconds: 1 });
    expect(more.body.offset_ms).toBe(offset + 2750);
    expect(more.body.now).toBe(new Date(more.body.now_ms).toISOString());
    expect(Math.abs(more.body.now_ms - (Date.now() + offset + 2750))).toBeLessThan(1000);

    expectInvalid(await call('POST', 'clock/advance', {}), /^seconds or ms is required$/);
    expectInvalid(await call('POST', 'clock/advance', { seconds: -1 }), /^Param seconds is invalid/);
    expectInvalid(await call('POST', 'clock/advance', { ms: 1.5 }), /^Param ms is invalid/);
    expectInvalid(await call('POST', 'clock/advance', { seconds: '10' }), /^Param seconds is invalid/);
    // Past year 9999 Date stops working: the move was saved, then every clock reading answered 500.
    expectInvalid(await call('POST', 'clock/advance', { seconds: 1e13 }), /would move it past 9999-12-31T23:59:59.999Z$/);
    expectInvalid(await call('POST', 'clock/advance', { ms: 9e15 }), /would move it past/);
    expect((await call<{ offset_ms: number }>('GET', 'clock')).body.offset_ms).toBe(offset + 2750);
    expect((await call('GET', 'health')).status).toBe(200);
  });

  it('expires tokens when the clock passes their expiry', async () => {
    const w = await world();
    const token = await tp.control<{ access_token: string }>('POST', 'tokens', { waba_ids: [w.wabaId], expires_in_seconds: 60 });
    expect((await tp.graph('GET', w.wabaId, token.access_token)).status).toBe(200);
    await tp.control('POST', 'clock/advance', { seconds: 61 });
    const expired = await tp.graph('GET', w.wabaId, token.access_token);
    const err = expectError(expired, 401, 190, 'OAuthException', /^Error validating access token: Session has expired on /);
    expect(err.error_subcode).toBe(463);
  });
});

describe('restart and reset (own platforms)', () => {
  it('keeps the clock offset across a restart', async () => {
    const first = await TestPlatform.start({ webhooks: RETRY });
    let second: TestPlatform | undefined;
    try {
      await first.control('POST', 'clock/advance', { seconds: 7200 });
      expect((await first.control<{ offset_ms: number }>('GET', 'clock')).offset_ms).toBe(7_200_000);
      await first.stop({ keepDatabase: true });
      second = await TestPlatform.start({ database: first.database, webhooks: RETRY });
      const clock = await second.control<{ now_ms: number; offset_ms: number }>('GET', 'clock');
      expect(clock.offset_ms).toBe(7_200_000);
      expect(Math.abs(clock.now_ms - (Date.now() + 7_200_000))).toBeLessThan(1000);
    } finally {
      await second?.stop();
      await removeDatabase(first.database);
    }
  });

  it('reset seeds the demo world (working token, webhooks into the sink) or leaves everything empty', async () => {
    const p = await TestPlatform.start({ webhooks: RETRY });
    try {
      const old = await createWorld(p);
      await old.receiver.stop();
      await p.control('POST', 'clock/advance', { seconds: 100 });

      const res = await controlRaw<{ success: boolean; demo: Record<string, string> }>(p, 'POST', 'reset', {});
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        success: true,
        demo: {
          accessToken: expect.stringMatching(/^EAAS/) as unknown,
          partnerBusinessId: expect.stringMatching(GRAPH_ID) as unknown,
          businessId: expect.stringMatching(GRAPH_ID) as unknown,
          wabaId: expect.stringMatching(GRAPH_ID) as unknown,
          appId: expect.stringMatching(GRAPH_ID) as unknown,
          appSecret: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
          phoneNumberId: expect.stringMatching(GRAPH_ID) as unknown,
          unregisteredPhoneNumberId: expect.stringMatching(GRAPH_ID) as unknown,
          consumerWaId: '16315551234',
          pin: '123456',
          onpremDeploymentId: 'jaspers-deli',
          onpremPhoneNumberId: expect.stringMatching(GRAPH_ID) as unknown,
          onpremAdminPassword: 'Switchboard-demo1',
        },
      });
      const demo = res.body.demo;
      expect(await p.control('GET', 'demo')).toEqual(demo);
      expect((await p.control<{ offset_ms: number }>('GET', 'clock')).offset_ms).toBe(0);
      const state = await p.control<Record<string, { id?: string; wa_id?: string }[]>>('GET', 'state');
      expect(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.length]))).toEqual({ businesses: 2, wabas: 1, apps: 1, subscriptions: 1, phone_numbers: 3, consumers: 1, templates: 0 });
      expect(state['businesses']!.map((b) => b.id)).not.toContain(old.partnerId);
      // The old world's token is gone; the demo token works.
      expectError(await p.graph('GET', old.wabaId, old.token), 401, 190, 'OAuthException');
      expect(await p.graph('GET', demo['wabaId']!, demo['accessToken']!)).toMatchObject({ status: 200, body: { id: demo['wabaId'] } });

      // The demo app's webhooks land in the built-in sink, signed with the demo app secret.
      const inbound = await p.control<{ messageId: string }>('POST', 'inbound', { phone_number_id: demo['phoneNumberId'], from: demo['consumerWaId'], text: { body: 'hello demo' } });
      const sunk = await eventually(async () => {
        const rows = (await p.control<{ data: { headers: Record<string, string>; body: string }[] }>('GET', 'sink/demo')).data;
        return rows.find((r) => r.body.includes(inbound.messageId));
      });
      expect(sunk.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', demo['appSecret']!).update(sunk.body).digest('hex')}`);
      expect(JSON.parse(sunk.body)).toMatchObject({ object: 'whatsapp_business_account', entry: [{ id: demo['wabaId'] }] });
      const unregistered = await p.control('POST', 'inbound', { phone_number_id: demo['unregisteredPhoneNumberId'], from: demo['consumerWaId'], text: { body: 'x' } });
      expect(unregistered).toEqual({ delivered: false, dropped: true, reason: 'number not registered on any API' });

      const empty = await controlRaw(p, 'POST', 'reset', { seed: 'empty' });
      expect(empty).toMatchObject({ status: 200, body: { success: true, demo: null } });
      expect(await p.control('GET', 'demo')).toEqual({});
      const emptyState = await p.control<Record<string, unknown[]>>('GET', 'state');
      expect(emptyState).toEqual({ businesses: [], wabas: [], apps: [], subscriptions: [], phone_numbers: [], consumers: [], templates: [] });
      expect((await p.control<{ data: unknown[] }>('GET', 'webhook-deliveries')).data).toEqual([]);
      expect((await p.control<{ data: unknown[] }>('GET', 'sink/demo')).data).toEqual([]);
      expectError(await p.graph('GET', demo['wabaId']!, demo['accessToken']!), 401, 190, 'OAuthException');

      expectInvalid(await controlRaw(p, 'POST', 'reset', { seed: 'everything' }), /^Param seed is invalid/);
    } finally {
      await p.stop();
    }
  });
});
