import { createHmac } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestPlatform, removeDatabase } from '../support/platform.js';
import { onPostgres } from '../support/postgres.js';
import {
  HookReceiver,
  controlRaw,
  deliveries,
  delivery,
  eventOfMessage,
  eventually,
  expectError,
  sleep,
  uniquePhone,
  uniqueWaId,
  type Envelope,
} from '../support/webhook-helpers.js';

/**
 * The webhook contract of api-facts B.13 and C: Cloud-format envelopes, X-Hub-Signature-256,
 * who gets which field, override precedence for `messages`, retries with backoff, durability across
 * restarts, dead-lettering, per-number ordering and batching.
 */

const RETRY = { retryBaseMs: 20, retryMaxMs: 100, pollMs: 20 } as const;

interface HookWorld {
  partnerId: string;
  wabaId: string;
  appId: string;
  appSecret: string;
  token: string;
  hook: HookReceiver;
}

const receivers: HookReceiver[] = [];

async function receiver(verifyToken?: string): Promise<HookReceiver> {
  const r = await new HookReceiver(verifyToken).start();
  receivers.push(r);
  return r;
}

/** A partner with an app whose callback is a fresh HookReceiver, a client WABA it is subscribed to, and a token. */
async function hookWorld(tp: TestPlatform, options: { subscribedFields?: string[]; subscribe?: boolean } = {}): Promise<HookWorld> {
  const hook = await receiver();
  const partner = await tp.control<{ id: string }>('POST', 'businesses', { name: 'Partner' });
  const client = await tp.control<{ id: string }>('POST', 'businesses', { name: 'Client', tos_accepted: false });
  const waba = await tp.control<{ id: string }>('POST', 'wabas', { name: 'Client WABA', owner_business_id: client.id, partner_business_id: partner.id });
  const app = await tp.control<{ id: string; app_secret: string }>('POST', 'apps', {
    name: 'Partner App',
    business_id: partner.id,
    callback_url: hook.url,
    verify_token: hook.verifyToken,
    ...(options.subscribedFields && { subscribed_fields: options.subscribedFields }),
  });
  hook.appSecret = app.app_secret;
  const { access_token } = await tp.control<{ access_token: string }>('POST', 'tokens', { app_id: app.id, business_ids: [partner.id] });
  if (options.subscribe !== false) {
    const sub = await tp.graph('POST', `${waba.id}/subscribed_apps`, access_token);
    expect(sub).toMatchObject({ status: 200, body: { success: true } });
  }
  return { partnerId: partner.id, wabaId: waba.id, appId: app.id, appSecret: app.app_secret, token: access_token, hook };
}

async function number(tp: TestPlatform, wabaId: string): Promise<{ id: string; digits: string }> {
  const phone = uniquePhone();
  const row = await tp.control<{ id: string }>('POST', 'phone-numbers', { waba_id: wabaId, cc: '1', phone_number: phone, verified_name: 'Hook Shop', register_pin: '123456' });
  return { id: row.id, digits: `1${phone}` };
}

async function inbound(tp: TestPlatform, phoneNumberId: string, body: string, from = '16505550101'): Promise<string> {
  const res = await tp.control<{ delivered: boolean; messageId: string }>('POST', 'inbound', { phone_number_id: phoneNumberId, from, name: 'Kerry Fisher', text: { body } });
  expect(res.delivered).toBe(true);
  return res.messageId;
}

const textsOf = (r: HookReceiver): string[] => r.inboundTexts();

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.stop()));
});

describe('webhooks on a running platform', () => {
  let tp: TestPlatform;

  beforeAll(async () => {
    tp = await TestPlatform.start({ webhooks: RETRY });
  });
  afterAll(async () => {
    await tp.stop();
  });

  it('delivers an inbound message in the Cloud envelope, signed over the exact \\u-escaped body', async () => {
    const w = await hookWorld(tp);
    const n = await number(tp, w.wabaId);
    const text = 'Olá 👋 — ünïcödé ✓ 日本';
    const wamid = await inbound(tp, n.id, text, '16505550102');
    await w.hook.waitFor(() => w.hook.accepted().length === 1);

    const hit = w.hook.accepted()[0]!;
    // The wire body is pure ASCII: every non-ASCII character is a lowercase \u escape (surrogate pairs for emoji).
    expect(hit.raw).toMatch(/^[\x20-\x7e]*$/);
    expect(hit.raw).toContain('Ol\\u00e1 \\ud83d\\udc4b \\u2014 \\u00fcn\\u00efc\\u00f6d\\u00e9 \\u2713 \\u65e5\\u672c');
    expect(hit.raw).not.toContain('👋');
    // X-Hub-Signature-256 is HMAC-SHA256 of exactly those bytes with the app secret.
    const expected = `sha256=${createHmac('sha256', w.appSecret).update(hit.raw, 'utf8').digest('hex')}`;
    expect(hit.headers['x-hub-signature-256']).toBe(expected);
    expect(hit.validSignature).toBe(true);
    expect(hit.headers['x-hub-signature-256']).not.toBe(`sha256=${createHmac('sha256', 'another-secret').update(hit.raw).digest('hex')}`);
    expect(hit.headers['content-type']).toBe('application/json');
    // Parsing gives back the original text.
    expect(hit.body).toEqual({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: w.wabaId,
          changes: [
            {
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: n.digits, phone_number_id: n.id },
                contacts: [{ profile: { name: 'Kerry Fisher' }, wa_id: '16505550102' }],
                messages: [{ from: '16505550102', id: wamid, timestamp: expect.stringMatching(/^\d{10}$/) as unknown, type: 'text', text: { body: text } }],
              },
              field: 'messages',
            },
          ],
        },
      ],
    });
    // `messages` entries carry no `time`.
    expect((hit.body as Envelope).entry[0]).not.toHaveProperty('time');

    // The attempt log keeps the exact payload and signature that went out.
    const event = await eventOfMessage(tp, wamid);
    const detail = await eventually(async () => {
      const d = await delivery(tp, event.id);
      return d.status === 'delivered' ? d : undefined;
    });
    expect(detail).toMatchObject({ id: event.id, app_id: w.appId, waba_id: w.wabaId, phone_number_id: n.id, format: 'cloud', field: 'messages', target_url: w.hook.url, last_error: null });
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts[0]).toMatchObject({ app_id: w.appId, url: w.hook.url, payload: hit.raw, signature: expected, http_status: 200, error: null, response_snippet: 'EVENT_RECEIVED' });
    expect(JSON.parse(detail.attempts[0]!.event_ids)).toEqual([event.id]);
    // The list view counts failed attempts: none.
    expect((await deliveries(tp, `app_id=${w.appId}`)).map((e) => [e.id, e.status, e.attempts])).toEqual([[event.id, 'delivered', 0]]);
  });

  it('sends Business Management fields with entry.time (unix seconds) to the app callback', async () => {
    const w = await hookWorld(tp);
    const n = await number(tp, w.wabaId);
    const before = Math.floor(Date.now() / 1000);
    await tp.control('POST', `phone-numbers/${n.id}/display-name`, { verified_name: 'Hook Shop Two' });
    await tp.control('POST', `phone-numbers/${n.id}/display-name/approve`);
    await w.hook.waitFor(() => w.hook.accepted().length === 1);
    const body = w.hook.accepted()[0]!.body as Envelope;
    expect(body).toEqual({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: w.wabaId,
          time: expect.any(Number) as unknown,
          changes: [
            {
              value: { display_phone_number: n.digits, decision: 'APPROVED', requested_verified_name: 'Hook Shop Two', rejection_reason: null },
              field: 'phone_number_name_update',
            },
          ],
        },
      ],
    });
    const time = body.entry[0]!.time!;
    expect(Number.isInteger(time)).toBe(true);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(w.hook.accepted()[0]!.validSignature).toBe(true);
  });

  it('delivers only to apps subscribed to the WABA, and only the fields each app subscribed to', async () => {
    const a = await hookWorld(tp);
    const n = await number(tp, a.wabaId);
    // App B listens to display-name decisions only, and is subscribed to the same WABA.
    const hookB = await receiver('b-token');
    const appB = await tp.control<{ id: string; app_secret: string; subscribed_fields: string[] }>('POST', 'apps', {
      name: 'Names Only',
      business_id: a.partnerId,
      callback_url: hookB.url,
      verify_token: 'b-token',
      subscribed_fields: ['phone_number_name_update'],
    });
    expect(appB.subscribed_fields).toEqual(['phone_number_name_update']);
    hookB.appSecret = appB.app_secret;
    await tp.control('POST', `wabas/${a.wabaId}/subscribed_apps/${appB.id}`);
    // App C has a verified callback but is not subscribed to the WABA.
    const hookC = await receiver('c-token');
    const appC = await tp.control<{ id: string }>('POST', 'apps', { name: 'Bystander', business_id: a.partnerId, callback_url: hookC.url, verify_token: 'c-token' });

    const wamid = await inbound(tp, n.id, 'for app A only', '16505550103');
    await tp.control('POST', `phone-numbers/${n.id}/display-name/reject`);
    await a.hook.waitFor(() => a.hook.accepted().length === 2);
    await hookB.waitFor(() => hookB.accepted().length === 1);
    await tp.flushWebhooks();

    expect(a.hook.inboundMessages().map((m) => m['id'])).toEqual([wamid]);
    expect(a.hook.changes('phone_number_name_update')).toEqual([
      { display_phone_number: n.digits, decision: 'REJECTED', requested_verified_name: 'Hook Shop', rejection_reason: 'NAME_FORMAT_UNACCEPTABLE' },
    ]);
    expect(hookB.changes('messages')).toEqual([]);
    expect(hookB.changes('phone_number_name_update')).toEqual(a.hook.changes('phone_number_name_update'));
    expect(hookB.accepted().every((h) => h.validSignature)).toBe(true);
    // Each app's deliveries are signed with its own secret.
    const sameBodyForA = a.hook.accepted().find((h) => h.raw === hookB.accepted()[0]!.raw);
    expect(sameBodyForA).toBeDefined();
    expect(hookB.accepted()[0]!.headers['x-hub-signature-256']).not.toBe(sameBodyForA!.headers['x-hub-signature-256']);
    expect(hookC.posts()).toEqual([]);

    // The outbox holds exactly one row per (event, listening app).
    const rows = (await deliveries(tp, 'limit=500')).filter((e) => e.waba_id === a.wabaId);
    expect(rows.map((e) => [e.app_id, e.field]).sort()).toEqual(
      [
        [a.appId, 'messages'],
        [a.appId, 'phone_number_name_update'],
        [appB.id, 'phone_number_name_update'],
      ].sort(),
    );
    expect(rows.some((e) => e.app_id === appC.id)).toBe(false);

    // App A stops listening to `messages`: new inbound messages no longer reach it.
    await tp.control('PATCH', `apps/${a.appId}`, { subscribed_fields: ['phone_number_name_update'] });
    const quiet = await inbound(tp, n.id, 'nobody listens', '16505550103');
    await tp.flushWebhooks();
    await sleep(100);
    expect(a.hook.inboundMessages().map((m) => m['id'])).toEqual([wamid]);
    expect((await deliveries(tp, 'limit=500')).some((e) => JSON.stringify(e.value).includes(quiet))).toBe(false);

    // App B unsubscribes from the WABA (with a token of its own): no more deliveries to it.
    const { access_token: tokenB } = await tp.control<{ access_token: string }>('POST', 'tokens', { app_id: appB.id, business_ids: [a.partnerId] });
    expect(await tp.graph('DELETE', `${a.wabaId}/subscribed_apps`, tokenB)).toMatchObject({ status: 200, body: { success: true } });
    await tp.control('POST', `phone-numbers/${n.id}/display-name/approve`);
    await a.hook.waitFor(() => a.hook.changes('phone_number_name_update').length === 2);
    await tp.flushWebhooks();
    await sleep(100);
    expect(hookB.accepted()).toHaveLength(1);
  });

  it('routes `messages` by precedence: phone-number override, then WABA override, then app callback', async () => {
    const w = await hookWorld(tp);
    const n1 = await number(tp, w.wabaId);
    const n2 = await number(tp, w.wabaId);
    const wabaHook = await receiver('waba-token');
    const phoneHook = await receiver('phone-token');
    wabaHook.appSecret = phoneHook.appSecret = w.appSecret;

    // 1. No overrides: the app callback.
    await inbound(tp, n1.id, 'to app', '16505550104');
    await w.hook.waitFor(() => textsOf(w.hook).includes('to app'));

    // 2. WABA override (after its handshake): both numbers' messages go there.
    const wabaOverride = await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token, { override_callback_uri: wabaHook.url, verify_token: 'waba-token' });
    expect(wabaOverride).toMatchObject({ status: 200, body: { success: true } });
    expect(wabaHook.handshakes()).toHaveLength(1);
    expect(wabaHook.handshakes()[0]!.url.searchParams.get('hub.mode')).toBe('subscribe');
    expect(wabaHook.handshakes()[0]!.url.searchParams.get('hub.verify_token')).toBe('waba-token');
    expect(wabaHook.handshakes()[0]!.url.searchParams.get('hub.challenge')).toMatch(/^\d+$/);
    await inbound(tp, n1.id, 'to waba 1', '16505550104');
    await inbound(tp, n2.id, 'to waba 2', '16505550104');
    await wabaHook.waitFor(() => wabaHook.inboundMessages().length === 2);

    // 3. Phone-number override: a wrong verify token fails the handshake and changes nothing...
    const refused = await tp.graph('POST', n1.id, w.token, { webhook_configuration: { override_callback_uri: phoneHook.url, verify_token: 'wrong' } });
    expectError(refused, 400, 2200, 'OAuthException', /^\(#2200\) Callback verification failed with the following errors: /);
    expect(phoneHook.handshakes().map((h) => h.answered)).toEqual([403]);
    const missingToken = await tp.graph('POST', n1.id, w.token, { webhook_configuration: { override_callback_uri: phoneHook.url } });
    expectError(missingToken, 400, 100, 'OAuthException', '(#100) The parameter webhook_configuration.verify_token is required.');
    expect(phoneHook.handshakes()).toHaveLength(1);
    // ...the right one is verified and saved.
    const phoneOverride = await tp.graph('POST', n1.id, w.token, { webhook_configuration: { override_callback_uri: phoneHook.url, verify_token: 'phone-token' } });
    expect(phoneOverride).toMatchObject({ status: 200, body: { success: true } });
    expect(phoneHook.handshakes().map((h) => h.answered)).toEqual([403, 200]);
    const config = await tp.graph('GET', `${n1.id}?fields=webhook_configuration`, w.token);
    expect(config.body).toEqual({ webhook_configuration: { phone_number: phoneHook.url, whatsapp_business_account: wabaHook.url, application: w.hook.url }, id: n1.id });

    await inbound(tp, n1.id, 'to phone', '16505550104');
    await inbound(tp, n2.id, 'still to waba', '16505550104');
    // Status webhooks of messages sent from n1 follow the same override.
    const sent = await tp.graph<{ messages: { id: string }[] }>('POST', `${n1.id}/messages`, w.token, { messaging_product: 'whatsapp', to: '16505550104', text: { body: 'reply' } });
    expect(sent.status).toBe(200);
    const sentId = sent.body.messages[0]!.id;
    await phoneHook.waitFor(() => phoneHook.changes().flatMap((v) => (v['statuses'] as { id: string }[] | undefined) ?? []).some((s) => s.id === sentId));
    await wabaHook.waitFor(() => textsOf(wabaHook).includes('still to waba'));
    // Non-`messages` fields ignore overrides: the display-name decision goes to the app callback.
    await tp.control('POST', `phone-numbers/${n1.id}/display-name/approve`);
    await w.hook.waitFor(() => w.hook.changes('phone_number_name_update').length === 1);
    await tp.flushWebhooks();

    expect(textsOf(w.hook)).toEqual(['to app']);
    expect(textsOf(wabaHook)).toEqual(['to waba 1', 'to waba 2', 'still to waba']);
    expect(textsOf(phoneHook)).toEqual(['to phone']);
    expect(wabaHook.changes('phone_number_name_update')).toEqual([]);
    expect(phoneHook.changes('phone_number_name_update')).toEqual([]);
    expect([...w.hook.accepted(), ...wabaHook.accepted(), ...phoneHook.accepted()].every((h) => h.validSignature)).toBe(true);

    // Clearing the WABA override (POST without a body) sends n2's messages back to the app callback.
    expect(await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token)).toMatchObject({ status: 200, body: { success: true } });
    await inbound(tp, n2.id, 'back to app', '16505550104');
    await inbound(tp, n1.id, 'phone override stays', '16505550104');
    await w.hook.waitFor(() => textsOf(w.hook).includes('back to app'));
    await phoneHook.waitFor(() => textsOf(phoneHook).includes('phone override stays'));
    expect(textsOf(wabaHook)).toEqual(['to waba 1', 'to waba 2', 'still to waba']);
  });

  it('retries a failing endpoint with capped exponential backoff, then delivers exactly once', async () => {
    const w = await hookWorld(tp);
    const n = await number(tp, w.wabaId);
    w.hook.status = 500;
    const wamid = await inbound(tp, n.id, 'retry me', '16505550105');
    const event = await eventOfMessage(tp, wamid);

    const failing = await eventually(async () => {
      const d = await delivery(tp, event.id);
      return d.attempts.length >= 5 ? d : undefined;
    }, 8000, 'five failed attempts');
    expect(failing).toMatchObject({ status: 'pending', last_error: 'HTTP 500', delivered_at: null });
    expect(failing.attempts.length).toBeGreaterThanOrEqual(5);
    for (const a of failing.attempts) {
      expect(a).toMatchObject({ http_status: 500, error: 'HTTP 500', response_snippet: 'nope', url: w.hook.url, app_id: w.appId });
      expect(JSON.parse(a.event_ids)).toEqual([event.id]);
    }
    // Gaps grow 20, 40, 80 ms, then stay at the 100 ms cap (plus polling slack).
    const starts = failing.attempts.map((a) => a.started_at);
    const minimumGaps = [20, 40, 80, 100, 100, 100, 100, 100, 100, 100];
    for (let k = 1; k < starts.length; k++) {
      expect(starts[k]! - starts[k - 1]!, `gap after attempt ${k}`).toBeGreaterThanOrEqual(minimumGaps[k - 1]!);
    }
    // The payload and signature are the same on every attempt.
    expect(new Set(failing.attempts.map((a) => a.payload)).size).toBe(1);
    expect(new Set(failing.attempts.map((a) => a.signature)).size).toBe(1);
    expect(w.hook.posts().length).toBeGreaterThanOrEqual(5);
    expect(w.hook.accepted()).toEqual([]);

    w.hook.status = 200;
    await w.hook.waitFor(() => w.hook.accepted().length === 1);
    const done = await eventually(async () => {
      const d = await delivery(tp, event.id);
      return d.status === 'delivered' ? d : undefined;
    });
    const last = done.attempts[done.attempts.length - 1]!;
    expect(last).toMatchObject({ http_status: 200, error: null, response_snippet: 'EVENT_RECEIVED' });
    expect(done.attempts.slice(0, -1).every((a) => a.http_status === 500)).toBe(true);
    expect(done.delivered_at).toEqual(expect.any(Number));
    expect(w.hook.accepted()[0]!.validSignature).toBe(true);
    expect(w.hook.inboundMessages().map((m) => m['id'])).toEqual([wamid]);

    // No duplicates once delivered, even after several poll cycles and an explicit flush.
    const attemptsAfter = done.attempts.length;
    await sleep(300);
    await controlRaw(tp, 'POST', 'webhook-deliveries/flush');
    expect(w.hook.accepted()).toHaveLength(1);
    expect((await delivery(tp, event.id)).attempts).toHaveLength(attemptsAfter);
  });

  it('verifies the app callback on POST and PATCH /_switchboard/apps (hub.challenge handshake)', async () => {
    const w = await hookWorld(tp);
    expect(w.hook.handshakes()).toHaveLength(1);
    const h = w.hook.handshakes()[0]!;
    expect(h.url.pathname).toBe('/hook');
    expect(h.url.searchParams.get('hub.mode')).toBe('subscribe');
    expect(h.url.searchParams.get('hub.verify_token')).toBe(w.hook.verifyToken);
    expect(h.url.searchParams.get('hub.challenge')).toMatch(/^\d+$/);
    expect(h.answered).toBe(200);

    // Wrong verify token: 2200 and no app is created.
    const other = await receiver('right-token');
    const bad = await controlRaw(tp, 'POST', 'apps', { name: 'Bad', business_id: w.partnerId, callback_url: other.url, verify_token: 'wrong-token' });
    const err = expectError(bad, 400, 2200, 'OAuthException');
    expect(err.message).toMatch(/^\(#2200\) Callback verification failed with the following errors: The URL couldn't be validated\. Response does not match challenge, expected value="\d+", received="forbidden" \(HTTP 403\)$/);
    expect(other.handshakes().map((x) => x.answered)).toEqual([403]);
    const state = await tp.control<{ apps: { name: string }[] }>('GET', 'state');
    expect(state.apps.filter((a) => a.name === 'Bad')).toEqual([]);

    // An unreachable callback fails the same way.
    const dead = await controlRaw(tp, 'POST', 'apps', { name: 'Unreachable', business_id: w.partnerId, callback_url: 'http://127.0.0.1:1/hook', verify_token: 'x' });
    expectError(dead, 400, 2200, 'OAuthException', /^\(#2200\) Callback verification failed with the following errors: The URL couldn't be validated: /);

    // skip_verification saves the URL without a handshake.
    const skipped = await controlRaw<{ id: string; callback_url: string; verify_token: string }>(tp, 'POST', 'apps', {
      name: 'Skipped',
      business_id: w.partnerId,
      callback_url: other.url,
      verify_token: 'wrong-token',
      skip_verification: true,
    });
    expect(skipped.status).toBe(200);
    expect(skipped.body).toMatchObject({ name: 'Skipped', callback_url: other.url, verify_token: 'wrong-token' });
    expect(other.handshakes()).toHaveLength(1);

    // PATCH: a wrong token is refused and the old callback stays; the right one is verified and saved.
    const refused = await controlRaw(tp, 'PATCH', `apps/${w.appId}`, { callback_url: other.url, verify_token: 'nope' });
    expectError(refused, 400, 2200, 'OAuthException');
    const afterRefusal = await tp.control<{ apps: { id: string; callback_url: string }[] }>('GET', 'state');
    expect(afterRefusal.apps.find((a) => a.id === w.appId)?.callback_url).toBe(w.hook.url);
    const patched = await controlRaw<{ callback_url: string; verify_token: string }>(tp, 'PATCH', `apps/${w.appId}`, { callback_url: other.url, verify_token: 'right-token' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: w.appId, callback_url: other.url, verify_token: 'right-token' });
    expect(other.handshakes().map((x) => x.answered)).toEqual([403, 403, 200]);
    // Changing only the verify token re-verifies the saved URL; skip_verification skips it.
    const tokenOnly = await controlRaw(tp, 'PATCH', `apps/${w.appId}`, { verify_token: 'changed' });
    expectError(tokenOnly, 400, 2200, 'OAuthException');
    const skippedPatch = await controlRaw(tp, 'PATCH', `apps/${w.appId}`, { verify_token: 'changed', skip_verification: true });
    expect(skippedPatch.status).toBe(200);
    expect(other.handshakes()).toHaveLength(4);
    // Changing subscribed fields alone needs no handshake.
    const fieldsOnly = await controlRaw(tp, 'PATCH', `apps/${w.appId}`, { subscribed_fields: ['messages'] });
    expect(fieldsOnly.status).toBe(200);
    expect(other.handshakes()).toHaveLength(4);

    // Webhooks now go to the new callback.
    other.appSecret = w.appSecret;
    const n = await number(tp, w.wabaId);
    await inbound(tp, n.id, 'new callback', '16505550106');
    await other.waitFor(() => textsOf(other).includes('new callback'));
    expect(other.accepted()[0]!.validSignature).toBe(true);
  });

  it('keeps per-number order: 20 inbound messages to one number arrive in order', async () => {
    const w = await hookWorld(tp);
    const n1 = await number(tp, w.wabaId);
    const n2 = await number(tp, w.wabaId);
    // Uneven answer times: if one number's events were spread over parallel lanes, they would overtake each other.
    w.hook.delay = () => Math.floor(Math.random() * 12);
    const from = uniqueWaId();
    // Half of them pile up behind a held first delivery, so one round claims many events at once...
    w.hook.hold();
    await inbound(tp, n1.id, 'one-1', from);
    await w.hook.waitFor(() => w.hook.posts().length === 1);
    for (let i = 2; i <= 10; i++) {
      await inbound(tp, n1.id, `one-${i}`, from);
      if (i % 2 === 0) await inbound(tp, n2.id, `two-${i / 2}`, from);
    }
    w.hook.release();
    // ...the other half arrive while deliveries are in flight.
    for (let i = 11; i <= 20; i++) {
      await inbound(tp, n1.id, `one-${i}`, from);
      if (i % 2 === 0) await inbound(tp, n2.id, `two-${i / 2}`, from);
    }
    await w.hook.waitFor(() => w.hook.inboundMessages().length === 30, 10_000);
    const byNumber = (id: string): string[] =>
      w.hook
        .changes()
        .filter((v) => (v['metadata'] as { phone_number_id: string }).phone_number_id === id)
        .flatMap((v) => (v['messages'] as { text: { body: string } }[]).map((m) => m.text.body));
    expect(byNumber(n1.id)).toEqual(Array.from({ length: 20 }, (_, i) => `one-${i + 1}`));
    expect(byNumber(n2.id)).toEqual(Array.from({ length: 10 }, (_, i) => `two-${i + 1}`));
    expect(w.hook.accepted().every((h) => h.validSignature)).toBe(true);
    // Exactly once each.
    expect(new Set(w.hook.inboundMessages().map((m) => m['id'])).size).toBe(30);
  });
});

describe('batching', () => {
  let tp: TestPlatform | undefined;
  afterEach(async () => {
    await tp?.stop();
    tp = undefined;
  });

  /** Holds the first POST until five more events are queued behind it, then lets everything through. */
  async function queueBehindFirst(platform: TestPlatform): Promise<{ w: HookWorld; texts: string[] }> {
    const w = await hookWorld(platform);
    const n = await number(platform, w.wabaId);
    const from = uniqueWaId();
    w.hook.hold();
    await inbound(platform, n.id, 'first', from);
    await w.hook.waitFor(() => w.hook.posts().length === 1);
    const texts = ['b-1', 'b-2', 'b-3', 'b-4', 'b-5'];
    for (const t of texts) await inbound(platform, n.id, t, from);
    w.hook.release();
    await w.hook.waitFor(() => w.hook.inboundMessages().length === 6);
    await platform.flushWebhooks();
    return { w, texts };
  }

  it('with maxBatch 50, events queued for one URL share one POST (one entry, several changes)', async () => {
    tp = await TestPlatform.start({ webhooks: { ...RETRY, maxBatch: 50 } });
    const { w, texts } = await queueBehindFirst(tp);
    const posts = w.hook.accepted();
    expect(posts).toHaveLength(2);
    expect((posts[0]!.body as Envelope).entry[0]!.changes).toHaveLength(1);
    const batched = posts[1]!.body as Envelope;
    expect(batched.object).toBe('whatsapp_business_account');
    expect(batched.entry).toHaveLength(1);
    expect(batched.entry[0]!.id).toBe(w.wabaId);
    expect(batched.entry[0]).not.toHaveProperty('time');
    expect(batched.entry[0]!.changes.map((c) => c.field)).toEqual(['messages', 'messages', 'messages', 'messages', 'messages']);
    expect(batched.entry[0]!.changes.map((c) => (c.value['messages'] as { text: { body: string } }[])[0]!.text.body)).toEqual(texts);
    expect(posts.every((p) => p.validSignature)).toBe(true);
    // One attempt row names all five events.
    const events = (await deliveries(tp, `app_id=${w.appId}`)).sort((a, b) => a.id - b.id);
    expect(events.map((e) => e.status)).toEqual(Array(6).fill('delivered'));
    const detail = await delivery(tp, events[3]!.id);
    expect(detail.attempts).toHaveLength(1);
    expect(JSON.parse(detail.attempts[0]!.event_ids)).toEqual(events.slice(1).map((e) => e.id));
    expect(detail.attempts[0]!.payload).toBe(posts[1]!.raw);
  });

  it('with the default maxBatch (1), every POST carries exactly one change', async () => {
    tp = await TestPlatform.start({ webhooks: RETRY });
    const { w, texts } = await queueBehindFirst(tp);
    const posts = w.hook.accepted();
    expect(posts).toHaveLength(6);
    for (const p of posts) {
      const body = p.body as Envelope;
      expect(body.entry).toHaveLength(1);
      expect(body.entry[0]!.changes).toHaveLength(1);
    }
    expect(textsOf(w.hook)).toEqual(['first', ...texts]);
  });
});

describe('durability and dead-lettering', () => {
  const toRemove: string[] = [];
  const running: TestPlatform[] = [];
  afterAll(async () => {
    for (const p of running) await p.stop({ keepDatabase: true }).catch(() => undefined);
    for (const location of toRemove) await removeDatabase(location);
  });

  it('a pending webhook survives a restart and is delivered once the receiver is back', async () => {
    const first = await TestPlatform.start({ webhooks: RETRY });
    toRemove.push(first.database);
    const w = await hookWorld(first);
    const n = await number(first, w.wabaId);
    const port = w.hook.port;
    await w.hook.stop(); // the receiver goes down

    const wamid = await inbound(first, n.id, 'survive the restart', '16505550107');
    const event = await eventOfMessage(first, wamid);
    const failed = await eventually(async () => {
      const d = await delivery(first, event.id);
      return d.attempts.length >= 2 ? d : undefined;
    });
    expect(failed.status).toBe('pending');
    expect(failed.attempts.every((a) => a.http_status === null && typeof a.error === 'string' && a.error.length > 0)).toBe(true);
    await first.stop({ keepDatabase: true });

    // A new platform process on the same database; the receiver is still down.
    const second = await TestPlatform.start({ database: first.database, webhooks: RETRY });
    running.push(second);
    const stillFailing = await eventually(async () => {
      const d = await delivery(second, event.id);
      return d.attempts.length > failed.attempts.length ? d : undefined;
    });
    expect(stillFailing.status).toBe('pending');

    // The receiver comes back at the same URL.
    await w.hook.start(port);
    await w.hook.waitFor(() => w.hook.accepted().length === 1);
    const done = await eventually(async () => {
      const d = await delivery(second, event.id);
      return d.status === 'delivered' ? d : undefined;
    });
    expect(done.attempts[done.attempts.length - 1]).toMatchObject({ http_status: 200, error: null });
    expect(w.hook.inboundMessages()).toEqual([expect.objectContaining({ id: wamid, text: { body: 'survive the restart' } })]);
    expect(w.hook.accepted()[0]!.validSignature).toBe(true);
    await sleep(200);
    expect(w.hook.accepted()).toHaveLength(1);
  });

  // SQLite only: one process owns the file, so start-up may release every lease; on PostgreSQL another
  // live process may hold them (they expire instead).
  it.skipIf(onPostgres())('a delivery cut off by a crash (its lease still held) goes out right after the restart, not after the lease', async () => {
    const first = await TestPlatform.start({ webhooks: RETRY });
    toRemove.push(first.database);
    const w = await hookWorld(first);
    const n = await number(first, w.wabaId);
    w.hook.status = 500;
    const wamid = await inbound(first, n.id, 'leased when the process died', '16505550108');
    const event = await eventOfMessage(first, wamid);
    await first.stop({ keepDatabase: true });
    // As if the process had died mid-POST: the event is still leased for a long while.
    const dbFile = new Database(first.database);
    dbFile.prepare('update webhook_events set lease_until = ?, next_attempt_at = 0 where id = ?').run(Date.now() + 3_600_000, event.id);
    dbFile.close();

    w.hook.status = 200;
    const second = await TestPlatform.start({ database: first.database, webhooks: RETRY });
    running.push(second);
    await w.hook.waitFor(() => w.hook.inboundMessages().some((m) => m['id'] === wamid), 3000);
    // Recorded once the answer is back (the POST is made on the delivery thread, the record here).
    await eventually(async () => ((await delivery(second, event.id)).status === 'delivered' ? true : undefined));
  });

  it('an event older than maxAgeMs becomes dead and is never delivered', async () => {
    const tp = await TestPlatform.start({ webhooks: { ...RETRY, maxAgeMs: 60_000 } });
    running.push(tp);
    toRemove.push(tp.database);
    const w = await hookWorld(tp);
    const n = await number(tp, w.wabaId);
    w.hook.status = 503;
    const wamid = await inbound(tp, n.id, 'too old', '16505550108');
    const event = await eventOfMessage(tp, wamid);
    await eventually(async () => ((await delivery(tp, event.id)).attempts.length >= 1 ? true : undefined));
    expect((await delivery(tp, event.id)).status).toBe('pending');

    const advanced = await tp.control<{ offset_ms: number }>('POST', 'clock/advance', { seconds: 61 });
    expect(advanced.offset_ms).toBe(61_000);
    const dead = await eventually(async () => {
      const d = await delivery(tp, event.id);
      return d.status === 'dead' ? d : undefined;
    });
    expect(dead.last_error).toBe('HTTP 503');
    expect(dead.delivered_at).toBeNull();
    expect(dead.attempts[dead.attempts.length - 1]).toMatchObject({ http_status: 503 });
    expect((await deliveries(tp, 'status=dead')).map((e) => e.id)).toEqual([event.id]);

    // Dead events are not retried, even once the endpoint is healthy again; fresh events still flow.
    w.hook.status = 200;
    const fresh = await inbound(tp, n.id, 'fresh', '16505550108');
    await w.hook.waitFor(() => w.hook.inboundMessages().length === 1);
    await sleep(200);
    await tp.flushWebhooks();
    expect(w.hook.inboundMessages().map((m) => m['id'])).toEqual([fresh]);
    const after = await delivery(tp, event.id);
    expect(after.status).toBe('dead');
    expect(after.attempts).toHaveLength(dead.attempts.length);
  });
});
