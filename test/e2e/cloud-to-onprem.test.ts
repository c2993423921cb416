import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceClock, expectGraphError, stopWorlds } from '../support/graph-helpers.js';
import { settle, uploadMedia } from '../support/message-helpers.js';
import {
  OnpremClient,
  certificateOf,
  codeInbox,
  expectOnpremError,
  expectOnpremOk,
  inbound,
  jpegBytes,
  latestCode,
  onpremBodies,
  onpremMessages,
  onpremStatuses,
  phoneFields,
} from '../support/onprem-helpers.js';
import { TestPlatform, addNumber, createWorld, sendText, type World } from '../support/platform.js';
import { WebhookReceiver } from '../support/receiver.js';

/**
 * Seed 001 (Migrating from Cloud API to On-Premises API) step by step, over real HTTP: a number
 * registered on Cloud API (two-step PIN 123456) moves to an On-Prem deployment with `/v1/account` and
 * `/v1/account/verify`, then shards, then a restore onto a fresh deployment.
 */

const PIN = '123456';
const NOT_REGISTERED = { status: 400, code: 133010, message: '(#133010) Account not registered', details: 'The account is not registered' } as const;
const PIN_MISMATCH = 'The PIN you provided does not match the two-step verification PIN set for this number.';
const BAD_CODE = 'Invalid or expired registration code';
const INVALID = 'Parameter value is not valid';

let consumerSeq = 0;
const consumer = (): string => `4478${String(process.pid % 1000).padStart(3, '0')}${String((consumerSeq += 1)).padStart(5, '0')}`;

describe('seed 001: Cloud API → On-Premises API', () => {
  let tp: TestPlatform;
  let world: World;
  const receivers: WebhookReceiver[] = [];

  const newReceiver = async (): Promise<WebhookReceiver> => {
    const r = new WebhookReceiver();
    await r.start();
    receivers.push(r);
    return r;
  };
  const platformType = async (id: string): Promise<unknown> => (await phoneFields(tp, world, id, 'platform_type'))['platform_type'];

  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
  });
  afterAll(async () => {
    for (const r of receivers) await r.stop();
    await stopWorlds(world);
    await tp.stop();
  });

  it('walks steps 1–5: request code (202 + vname), verify (201), webhooks and sends switch API, shards', async () => {
    const number = await addNumber(tp, world, { verified_name: 'Migrating Shop' });
    const from = consumer();

    // Before: Cloud API holds the number; webhooks are Cloud format to the subscribed app.
    expect(await inbound(tp, number.id, from)).toMatchObject({ delivered: true, api: 'cloud' });
    await world.receiver.waitFor(() => world.receiver.inboundMessages().some((m) => m['from'] === from));
    const cloudSent = await sendText(tp, world, number.id, 'on cloud', from);
    expect(cloudSent.status).toBe(200);
    const cloudMedia = await uploadMedia(tp, world.token, number.id, { data: jpegBytes(), mime: 'image/jpeg', filename: 'x.jpg' });
    expect(cloudMedia.status).toBe(200);

    // Step 1: the On-Prem client. A fresh deployment insists on a new admin password.
    const rx = await newReceiver();
    const dep = await OnpremClient.create(tp, { webhookUrl: rx.url, password: null });
    expectOnpremError(await dep.login('secret'), 401, 1024, 'Password change required');
    const login = await dep.login('secret', { new_password: 'N3w-Adm1n-Pass!' });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ users: [{ token: expect.any(String), expires_after: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00$/) }], meta: expect.any(Object) });
    expect(await dep.health()).toBe('unregistered');

    // Step 3: POST /v1/account. Two-step is on, so the PIN is required and must match.
    expectOnpremError(await dep.requestAccount(number), 400, 1008, 'Required parameter is missing', "Parameter 'pin' is required");
    expectOnpremError(await dep.requestAccount(number, { pin: '654321' }), 403, 1005, 'Access denied', PIN_MISMATCH);
    expect(await codeInbox(tp, number.id)).toEqual([]);

    const requested = await dep.requestAccount(number, { pin: PIN, method: 'sms' });
    expect(expectOnpremOk(requested, 202)).toEqual({ account: [{ vname: 'Migrating Shop' }] });
    const sms = await latestCode(tp, number.id);
    expect(sms).toMatchObject({ method: 'SMS', language: 'en_US', consumed_at: null });
    expect(sms.code).toMatch(/^\d{6}$/);
    expect(sms.text).toBe(`WhatsApp code ${sms.code.slice(0, 3)}-${sms.code.slice(3)}`);

    // Until the code is verified, Cloud API still holds the number.
    expect(await platformType(number.id)).toBe('CLOUD_API');
    expect((await sendText(tp, world, number.id, 'still cloud', from)).status).toBe(200);
    expect(await dep.health()).toBe('unregistered');

    // A wrong code is refused and changes nothing.
    const wrong = sms.code === '000000' ? '111111' : '000000';
    expectOnpremError(await dep.call('POST', 'account/verify', { code: wrong }), 400, 1009, INVALID, BAD_CODE);
    expect(await platformType(number.id)).toBe('CLOUD_API');

    // Completing registration: 201 with nothing but meta.
    const verified = await dep.call('POST', 'account/verify', { code: sms.code });
    expect(verified.status).toBe(201);
    expect(expectOnpremOk(verified, 201)).toEqual({});

    // Now On-Prem holds it: Cloud sends fail with 133010, health BLOCKED on Cloud.
    expect(await dep.health()).toBe('connected');
    const fields = await phoneFields(tp, world, number.id, 'platform_type,status,code_verification_status,health_status');
    expect(fields).toMatchObject({ platform_type: 'ON_PREMISE', status: 'CONNECTED', code_verification_status: 'VERIFIED', health_status: { can_send_message: 'BLOCKED' } });
    expectGraphError(await sendText(tp, world, number.id, 'cloud?', from), NOT_REGISTERED);
    const settings = expectOnpremOk<{ settings: { application: { wa_id: string; webhooks: { url: string } } } }>(await dep.call('GET', 'settings/application'));
    expect(settings.settings.application.wa_id).toBe(`${number.cc}${number.phone_number}`);
    expect(settings.settings.application.webhooks.url).toBe(rx.url);

    // 201 when the deployment already holds the number: no code is sent.
    const again = await dep.requestAccount(number, { pin: PIN });
    expect(expectOnpremOk(again, 201)).toEqual({});
    expect(await codeInbox(tp, number.id)).toHaveLength(1);

    // Webhooks: On-Prem format to the deployment's URL, no more Cloud webhooks.
    const cloudCount = world.receiver.received.length;
    expect(await inbound(tp, number.id, from, { type: 'text', text: { body: 'hello on-prem' } })).toMatchObject({ delivered: true, api: 'onprem' });
    await rx.waitFor(() => onpremMessages(rx).length === 1);
    expect(rx.received[0]?.headers['x-hub-signature-256']).toBeUndefined();
    expect(rx.received[0]?.body).toEqual({
      contacts: [{ profile: { name: 'Kerry Fisher' }, wa_id: from }],
      messages: [{ from, id: expect.stringMatching(/^(?!wamid\.)\S+$/), timestamp: expect.stringMatching(/^\d+$/), type: 'text', text: { body: 'hello on-prem' } }],
    });

    // Step 5: send On-Prem; statuses arrive On-Prem style.
    const sent = expectOnpremOk<{ messages: { id: string }[] }>(await dep.sendText(from, 'hello from on-prem'));
    expect(sent).toEqual({ messages: [{ id: expect.stringMatching(/^(?!wamid\.)\S+$/) }] });
    const onpremId = sent.messages[0]?.id;
    await rx.waitFor(() => onpremStatuses(rx).filter((s) => s['id'] === onpremId).length === 2);
    expect(onpremStatuses(rx).filter((s) => s['id'] === onpremId)).toEqual([
      { id: onpremId, recipient_id: from, status: 'sent', timestamp: expect.stringMatching(/^\d+$/), type: 'message' },
      { id: onpremId, recipient_id: from, status: 'delivered', timestamp: expect.stringMatching(/^\d+$/), type: 'message' },
    ]);
    expect(onpremBodies(rx).every((b) => !('entry' in b) && !('object' in b))).toBe(true);
    // Read receipts are off by default on On-Prem (webhooks.message.read: false): a read sends nothing...
    const readBefore = await tp.control<{ id: string }>('POST', `messages/${encodeURIComponent(onpremId ?? '')}/status`, { status: 'delivered' });
    expect(readBefore.id).toBe(onpremId);
    const sentOther = expectOnpremOk<{ messages: { id: string }[] }>(await dep.sendText(from, 'read me quietly'));
    await rx.waitFor(() => onpremStatuses(rx).filter((s) => s['id'] === sentOther.messages[0]?.id).length === 2);
    await tp.control('POST', `messages/${encodeURIComponent(sentOther.messages[0]?.id ?? '')}/status`, { status: 'read' });
    await tp.flushWebhooks();
    expect(onpremStatuses(rx).filter((s) => s['id'] === sentOther.messages[0]?.id).map((s) => s['status'])).toEqual(['sent', 'delivered']);
    // ...until the application settings switch them on; then the consumer's read is an On-Prem webhook too.
    expectOnpremOk(await dep.call('PATCH', 'settings/application', { webhooks: { message: { read: true } } }));
    await tp.control('POST', `messages/${encodeURIComponent(onpremId ?? '')}/status`, { status: 'read' });
    await rx.waitFor(() => onpremStatuses(rx).some((s) => s['id'] === onpremId && s['status'] === 'read'));
    expect(onpremStatuses(rx).filter((s) => s['id'] === onpremId).map((s) => s['status'])).toEqual(['sent', 'delivered', 'read']);
    // So does a read receipt for a message sent on Cloud before the migration: no Cloud webhooks any more.
    await tp.control('POST', `messages/${encodeURIComponent(cloudSent.body.messages[0]?.id ?? '')}/status`, { status: 'read' });
    await rx.waitFor(() => onpremStatuses(rx).some((s) => s['id'] === cloudSent.body.messages[0]?.id));

    // Cloud media ids are not valid On-Prem; an On-Prem upload is.
    expectOnpremError(await dep.call('POST', 'messages', { to: from, type: 'image', image: { id: cloudMedia.body.id } }), 404, 1006, 'Resource not found');
    const upload = expectOnpremOk<{ media: { id: string }[] }>(await dep.upload('image/jpeg', jpegBytes()), 201);
    expect(expectOnpremOk(await dep.call('POST', 'messages', { to: from, type: 'image', image: { id: upload.media[0]?.id } }))).toEqual({ messages: [{ id: expect.any(String) }] });

    await settle(tp);
    expect(world.receiver.received.length).toBe(cloudCount);

    // Step 4: shards (cert required; PIN required while two-step is on).
    expectOnpremError(await dep.setShards(number, 2), 400, 1008, 'Required parameter is missing', "Parameter 'pin' is required");
    expectOnpremError(await dep.setShards(number, 3, PIN), 400, 1009, INVALID);
    expectOnpremError(await dep.setShards(number, 2, '000000'), 403, 1005, 'Access denied', PIN_MISMATCH);
    const sharded = await dep.setShards(number, 2, PIN);
    expect(expectOnpremOk(sharded, 201)).toEqual({});
    expect((await dep.view()).shards).toBe(2);
  });

  it('sends the code by voice; the code may be entered with its hyphen', async () => {
    const number = await addNumber(tp, world, { verified_name: 'Voice Shop' });
    const dep = await OnpremClient.create(tp);
    expect(expectOnpremOk(await dep.requestAccount(number, { pin: PIN, method: 'voice' }), 202)).toEqual({ account: [{ vname: 'Voice Shop' }] });
    const call = await latestCode(tp, number.id);
    expect(call).toMatchObject({ method: 'VOICE', language: 'en_US' });
    const spoken = call.code.split('').join(' ');
    expect(call.text).toBe(`[voice call, en_US] Your WhatsApp code is ${spoken}. Again: ${spoken}.`);
    expect(call.text).not.toMatch(/\d{3}-\d{3}/);
    expectOnpremOk(await dep.call('POST', 'account/verify', { code: `${call.code.slice(0, 3)}-${call.code.slice(3)}` }), 201);
    expect(await platformType(number.id)).toBe('ON_PREMISE');
    expect(await dep.health()).toBe('connected');
  });

  it('refuses an expired code, and a used one; a new code works', async () => {
    const number = await addNumber(tp, world);
    const dep = await OnpremClient.create(tp);
    expectOnpremError(await dep.call('POST', 'account/verify', { code: '123456' }), 400, 1025, 'Invalid request');

    expectOnpremOk(await dep.requestAccount(number, { pin: PIN }), 202);
    const first = await latestCode(tp, number.id);
    expect(first.expires_at - first.sent_at).toBe(10 * 60 * 1000);
    await advanceClock(tp, 10 * 60 + 1);
    expectOnpremError(await dep.call('POST', 'account/verify', { code: first.code }), 400, 1009, INVALID, BAD_CODE);
    expect(await platformType(number.id)).toBe('CLOUD_API');
    expect(await dep.health()).toBe('unregistered');

    expectOnpremOk(await dep.requestAccount(number, { pin: PIN }), 202);
    const second = await latestCode(tp, number.id);
    expect(second.code).toMatch(/^\d{6}$/);
    expectOnpremOk(await dep.call('POST', 'account/verify', { code: second.code }), 201);
    expect(await platformType(number.id)).toBe('ON_PREMISE');
    expect((await codeInbox(tp, number.id)).map((c) => c.consumed_at === null)).toEqual([false, false]);
    // The registration is complete: there is nothing left to verify.
    expectOnpremError(await dep.call('POST', 'account/verify', { code: second.code }), 400, 1025, 'Invalid request');
  });

  it('without two-step verification no PIN is needed', async () => {
    const number = await addNumber(tp, world, { register_pin: undefined });
    const dep = await OnpremClient.create(tp);
    expectOnpremOk(await dep.requestAccount(number), 202);
    expectOnpremOk(await dep.call('POST', 'account/verify', { code: (await latestCode(tp, number.id)).code }), 201);
    expect(await phoneFields(tp, world, number.id, 'platform_type,is_pin_enabled')).toEqual({ platform_type: 'ON_PREMISE', is_pin_enabled: false, id: number.id });
    expectOnpremOk(await dep.setShards(number, 4), 201);
  });

  it('restore onto a fresh deployment takes the number over; the old deployment is disconnected', async () => {
    const number = await addNumber(tp, world);
    const rxOld = await newReceiver();
    const rxNew = await newReceiver();
    const oldDep = await OnpremClient.create(tp, { webhookUrl: rxOld.url });
    await oldDep.register(number, PIN);
    expectOnpremOk(await oldDep.setShards(number, 2, PIN), 201);
    const data = await oldDep.backup('restore-me');

    const newDep = await OnpremClient.create(tp, { webhookUrl: rxNew.url });
    expect(await newDep.health()).toBe('unregistered');
    expectOnpremError(await newDep.call('POST', 'settings/restore', { password: 'nope', data }), 400, 1009, INVALID);
    expect(await oldDep.health()).toBe('connected');

    expect(expectOnpremOk(await newDep.call('POST', 'settings/restore', { password: 'restore-me', data }))).toEqual({});
    expect(await newDep.health()).toBe('connected');
    expect(await oldDep.health()).toBe('disconnected');
    expect(await platformType(number.id)).toBe('ON_PREMISE');
    const view = await newDep.view();
    expect({ phone_number_id: view.phone_number_id, shards: view.shards, gateway_status: view.gateway_status, wa_id: view.settings.wa_id }).toEqual({
      phone_number_id: number.id,
      shards: 2,
      gateway_status: 'connected',
      wa_id: `${number.cc}${number.phone_number}`,
    });
    // The application settings come from the backup (webhook URL included).
    expect(view.settings.webhooks.url).toBe(rxOld.url);

    const from = consumer();
    expectOnpremError(await oldDep.sendText(from), 500, 1011, 'Service not ready');
    expectOnpremError(await oldDep.call('POST', 'settings/backup', { password: 'x' }), 500, 1011, 'Service not ready');
    expect(expectOnpremOk(await newDep.sendText(from))).toEqual({ messages: [{ id: expect.any(String) }] });
    expectOnpremError(await newDep.call('POST', 'settings/restore', { password: 'restore-me', data }), 409, 1004, 'Resource already exists');

    // Once on Cloud API, a restore is refused: register with /v1/account instead.
    const backupNow = await newDep.backup('to-cloud');
    expect((await tp.graph('POST', `${number.id}/register`, world.token, { messaging_product: 'whatsapp', pin: PIN, backup: { password: 'to-cloud', data: backupNow } })).body).toEqual({ success: true });
    const third = await OnpremClient.create(tp);
    expectOnpremError(await third.call('POST', 'settings/restore', { password: 'to-cloud', data: backupNow }), 403, 1005, 'Access denied');
    expect(await platformType(number.id)).toBe('CLOUD_API');
    expect(await newDep.health()).toBe('disconnected');
    expect(await third.health()).toBe('unregistered');
  });

  it('refuses an invalid cert and a cert of another number; nothing is sent and nothing moves', async () => {
    const a = await addNumber(tp, world, { verified_name: 'Shop A' });
    const b = await addNumber(tp, world, { verified_name: 'Shop B' });
    const dep = await OnpremClient.create(tp);

    expectOnpremError(await dep.requestAccount(a, { pin: PIN, cert: 'bm90IGEgY2VydA==' }), 400, 1009, INVALID, /^Invalid cert/);
    // A cert whose content was edited (another display name) fails its signature.
    const certA = await certificateOf(tp, a.id);
    const outer = JSON.parse(Buffer.from(certA, 'base64').toString('utf8')) as { body: string; sig: string };
    const forgedBody = JSON.stringify({ ...(JSON.parse(outer.body) as Record<string, unknown>), vname: 'Forged Name' });
    const forged = Buffer.from(JSON.stringify({ body: forgedBody, sig: outer.sig }), 'utf8').toString('base64');
    expectOnpremError(await dep.requestAccount(a, { pin: PIN, cert: forged }), 400, 1009, INVALID, /^Invalid cert/);
    // A genuine cert, but B's, for A's number.
    const certB = await certificateOf(tp, b.id);
    expectOnpremError(await dep.requestAccount(a, { pin: PIN, cert: certB }), 400, 1009, INVALID, 'The cert was issued for another phone number.');
    // A missing cert.
    expectOnpremError(await dep.call('POST', 'account', { cc: a.cc, phone_number: a.phone_number, method: 'sms', pin: PIN }), 400, 1008, 'Required parameter is missing');

    expect(await codeInbox(tp, a.id)).toEqual([]);
    expect(await codeInbox(tp, b.id)).toEqual([]);
    expect(await platformType(a.id)).toBe('CLOUD_API');
    expect(await dep.health()).toBe('unregistered');

    // Shards also check the cert belongs to the registered number.
    await dep.register(a, PIN);
    const shardsWithB = await dep.call('POST', 'account/shards', { cc: a.cc, phone_number: a.phone_number, shards: 2, cert: certB, pin: PIN });
    expectOnpremError(shardsWithB, 400, 1009, INVALID, 'Invalid cert for this phone number');
    expectOnpremError(await dep.setShards(b, 2, PIN), 400, 1009, INVALID);
    expect((await dep.view()).shards).toBe(1);
  });
});
