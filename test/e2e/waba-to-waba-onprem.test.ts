import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectGraphError, expectSuccess, expectUnsupportedRequest, stopWorlds } from '../support/graph-helpers.js';
import { settle, uniqueConsumer, uploadMedia } from '../support/message-helpers.js';
import {
  OnpremClient,
  dropsOf,
  expectOnpremError,
  expectOnpremOk,
  inbound,
  jpegBytes,
  latestCode,
  numberRow,
  onpremBodies,
  onpremMessages,
  phoneFields,
} from '../support/onprem-helpers.js';
import { TestPlatform, addNumber, registerNumber, sendText } from '../support/platform.js';
import { WebhookReceiver } from '../support/receiver.js';
import { migrate, migrationsOf, requestMigration, twoPartners, type MigrationRow, type TwoPartners } from '../support/waba-migration-helpers.js';

/**
 * Seed 004 with the On-Premises API on one side: an On-Prem source migrating to a Cloud API
 * destination (history is cut), and a Cloud API source migrating to a destination that registers the
 * number on its own On-Prem deployment. Between verify_code and the destination's registration the
 * number is on no API, so inbound messages are dropped.
 */

const ONPREM_PIN = '246810';
const NOT_REGISTERED = { status: 400, code: 133010, message: '(#133010) Account not registered', details: 'The account is not registered' } as const;
const NOT_READY_DETAILS = 'This deployment is disconnected from WhatsApp servers: the number was registered elsewhere (e.g. migrated to Cloud API).';
const DROP_REASON = 'number not registered on any API';
const NOT_A_CLOUD_MEDIA_ID = `Param image['id'] is not a valid whatsapp business account media attachment ID`;

type Report = NonNullable<MigrationRow['report']> & { source_api: string; kept: { verified_name: string; quality_rating: string; messaging_limit_tier: string; is_official_business_account: boolean } };

const receivers: WebhookReceiver[] = [];
async function newReceiver(): Promise<WebhookReceiver> {
  const r = new WebhookReceiver();
  await r.start();
  receivers.push(r);
  return r;
}

/** The one migration of a number, asserting it completed. */
async function completedMigration(tp: TestPlatform, numberId: string): Promise<MigrationRow & { report: Report }> {
  const rows = await migrationsOf(tp, numberId);
  expect(rows).toHaveLength(1);
  expect(rows[0]?.status).toBe('completed');
  return rows[0] as MigrationRow & { report: Report };
}

/** How many deliveries every listed receiver has had so far. */
const counts = (...rs: WebhookReceiver[]): number[] => rs.map((r) => r.received.length);

/**
 * The number is on no API between verify_code and the destination's registration (seed 004 step 3,
 * then register): a consumer's message is dropped, recorded, and reaches no webhook at all.
 */
async function expectInboundDropped(tp: TestPlatform, numberId: string, from: string, watched: WebhookReceiver[]): Promise<void> {
  await settle(tp); // the migration's own webhooks are out of the way first
  const before = counts(...watched);
  const dropsBefore = (await dropsOf(tp, numberId)).length;
  expect(await inbound(tp, numberId, from, { type: 'text', text: { body: 'anyone there?' } })).toEqual({ delivered: false, dropped: true, reason: DROP_REASON });
  const drops = await dropsOf(tp, numberId);
  expect(drops).toHaveLength(dropsBefore + 1);
  expect(drops[0]).toMatchObject({ phone_number_id: numberId, from_wa_id: from, reason: DROP_REASON, message: { type: 'text', content: { type: 'text', text: { body: 'anyone there?' } } } });
  await settle(tp);
  expect(counts(...watched)).toEqual(before);
}

describe('WABA-to-WABA migration, On-Premises API source → Cloud API destination (seed 004)', () => {
  let tp: TestPlatform;
  let p: TwoPartners;
  let dep: OnpremClient;
  let rx: WebhookReceiver;
  const from = uniqueConsumer();
  const markRead = (messageId: unknown) => tp.graph('POST', `${p.number.id}/messages`, p.dest.token, { messaging_product: 'whatsapp', status: 'read', message_id: messageId });
  let onpremInboundId: string;
  let onpremInboundMediaId: string;
  let onpremUploadId: string;

  beforeAll(async () => {
    tp = await TestPlatform.start();
    // Not registered on Cloud: the source partner runs it on its On-Prem deployment.
    p = await twoPartners(tp, { register_pin: undefined });
    await tp.control('PATCH', `phone-numbers/${p.number.id}`, { is_official_business_account: true, quality_rating: 'YELLOW', messaging_limit_tier: 'TIER_10K' });
    rx = await newReceiver();
    dep = await OnpremClient.create(tp, { webhookUrl: rx.url });
    await dep.register(p.number);
    expect(expectOnpremOk(await dep.call('POST', 'settings/account/two-step', { pin: ONPREM_PIN }))).toEqual({});
    // The destination partner has no app subscribed to its WABA: seed 004 asks for one only for Cloud API numbers.
    expectSuccess(await tp.graph('DELETE', `${p.dest.wabaId}/subscribed_apps`, p.dest.token));

    // Life on On-Prem before the move: a text and an image from the consumer, an upload and a reply.
    const text = await inbound(tp, p.number.id, from, { type: 'text', text: { body: 'before the move' } });
    expect(text).toMatchObject({ delivered: true, api: 'onprem' });
    onpremInboundId = String(text['messageId']);
    expect(await inbound(tp, p.number.id, from, { type: 'image', caption: 'a photo' })).toMatchObject({ delivered: true, api: 'onprem' });
    await rx.waitFor(() => onpremMessages(rx).length === 2);
    const image = onpremMessages(rx).find((m) => m['type'] === 'image')?.['image'] as { id: string };
    onpremInboundMediaId = image.id;
    onpremUploadId = expectOnpremOk<{ media: { id: string }[] }>(await dep.upload('image/jpeg', jpegBytes()), 201).media[0]?.id ?? '';
    expect(onpremUploadId).not.toBe('');
    expect(expectOnpremOk<{ messages: { id: string }[] }>(await dep.sendText(from, 'answered on-prem')).messages).toHaveLength(1);
  });

  afterAll(async () => {
    for (const r of receivers.splice(0)) await r.stop();
    await stopWorlds(p.source, p.dest);
    await tp.stop();
  });

  it('refuses the migration while two-step verification is on; the source turns it off with the On-Prem API', async () => {
    expect(await phoneFields(tp, p.source, p.number.id, 'platform_type,is_pin_enabled')).toEqual({ platform_type: 'ON_PREMISE', is_pin_enabled: true, id: p.number.id });
    const refused = await requestMigration(tp, p);
    const err = expectGraphError(refused, { status: 400, code: 100, subcode: 2388001 });
    expect(err.error_user_title).toBe('Two-Step Verification Is On');
    expect(await migrationsOf(tp, p.number.id)).toEqual([]);

    // Seed 004 step 1, On-Prem flavour: DELETE /v1/settings/account/two-step on the source's deployment.
    expect(expectOnpremOk(await dep.call('DELETE', 'settings/account/two-step'))).toEqual({});
    expect(await phoneFields(tp, p.source, p.number.id, 'is_pin_enabled')).toEqual({ is_pin_enabled: false, id: p.number.id });
  });

  it('needs no destination webhook subscription for an On-Prem number, unlike a Cloud API one', async () => {
    const subscribed = await tp.graph<{ data: unknown[] }>('GET', `${p.dest.wabaId}/subscribed_apps`, p.dest.token);
    expect(subscribed.body.data).toEqual([]);
    // Control: a Cloud API number of the same source WABA is refused for the missing subscription...
    const cloudNumber = await addNumber(tp, p.source);
    await tp.control('PATCH', `phone-numbers/${cloudNumber.id}`, { two_step_enabled: false });
    const cloudRefused = expectGraphError(await requestMigration(tp, { dest: p.dest, number: cloudNumber }), { status: 400, code: 100, subcode: 2388103 });
    expect(cloudRefused.error_user_title).toBe('No Webhook Subscription');
    // ...the On-Prem one is not.
    await migrate(tp, p);
  });

  it('moves the number to the destination unregistered, keeping OBA, name, quality and limit; the history is cut', async () => {
    const m = await completedMigration(tp, p.number.id);
    expect(m).toMatchObject({ source_api: 'onprem', source_waba_id: p.source.wabaId, dest_waba_id: p.dest.wabaId });
    expect(m.report).toMatchObject({
      source_api: 'onprem',
      history_carried: false,
      kept: { verified_name: 'Test Shop', quality_rating: 'YELLOW', messaging_limit_tier: 'TIER_10K', is_official_business_account: true },
    });
    expect(await phoneFields(tp, p.dest, p.number.id, 'platform_type,status,is_official_business_account,verified_name,quality_rating,messaging_limit_tier')).toEqual({
      platform_type: 'NOT_APPLICABLE',
      status: 'MIGRATED',
      is_official_business_account: true,
      verified_name: 'Test Shop',
      quality_rating: 'YELLOW',
      messaging_limit_tier: 'TIER_10K',
      id: p.number.id,
    });
    const row = await numberRow(tp, p.number.id);
    expect(row).toMatchObject({ waba_id: p.dest.wabaId, api: 'none', onprem_deployment_id: null });
    expect(typeof row['history_since']).toBe('number');
  });

  it('disconnects the source deployment: health, gateway status, sends and uploads', async () => {
    expect(await dep.health()).toBe('disconnected');
    expect((await dep.view()).gateway_status).toBe('disconnected');
    expectOnpremError(await dep.sendText(from, 'still here?'), 500, 1011, 'Service not ready', NOT_READY_DETAILS);
    expectOnpremError(await dep.upload('image/jpeg', jpegBytes()), 500, 1011, 'Service not ready');
  });

  it('drops inbound messages until the destination registers the number', async () => {
    await expectInboundDropped(tp, p.number.id, from, [rx, p.source.receiver, p.dest.receiver]);
    expectGraphError(await sendText(tp, p.dest, p.number.id, 'too early', from), NOT_REGISTERED);
  });

  it('lets the destination subscribe, register on Cloud API and message; the deployment stays disconnected', async () => {
    expectSuccess(await tp.graph('POST', `${p.dest.wabaId}/subscribed_apps`, p.dest.token));
    expectSuccess(await registerNumber(tp, p.dest, p.number.id, '654321'));
    expect(await phoneFields(tp, p.dest, p.number.id, 'platform_type,status,is_official_business_account')).toEqual({
      platform_type: 'CLOUD_API',
      status: 'CONNECTED',
      is_official_business_account: true,
      id: p.number.id,
    });
    expect(await dep.health()).toBe('disconnected');

    const rxBefore = rx.received.length;
    expect(await inbound(tp, p.number.id, from, { type: 'text', text: { body: 'hello new provider' } })).toMatchObject({ delivered: true, api: 'cloud' });
    await p.dest.receiver.waitFor(() => p.dest.receiver.inboundMessages().some((msg) => (msg['text'] as { body?: string } | undefined)?.body === 'hello new provider'));
    const sent = await sendText(tp, p.dest, p.number.id, 'welcome back', from);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const wamid = sent.body.messages[0]?.id ?? '';
    await p.dest.receiver.waitFor(() => p.dest.receiver.statusesOf(wamid).length === 2);
    expect(p.dest.receiver.statusesOf(wamid)).toEqual(['sent', 'delivered']);
    expect(p.dest.receiver.received.every((r) => r.validSignature)).toBe(true);
    await settle(tp);
    expect(rx.received.length).toBe(rxBefore);
    expect(p.source.receiver.statusesOf(wamid)).toEqual([]);
  });

  it('does not carry message ids from the On-Prem source: an earlier message cannot be marked read', async () => {
    // Control first: a message received on Cloud after the migration can be marked read...
    const fresh = await inbound(tp, p.number.id, from, { type: 'text', text: { body: 'read me' } });
    expectSuccess(await markRead(fresh['messageId']));
    // ...one received On-Prem before it cannot (seed 004: no message history with On-Prem).
    expectGraphError(await markRead(onpremInboundId), {
      status: 400,
      code: 100,
      message: '(#100) Invalid parameter',
      details: `Param message_id is not a valid message id received by this phone number: ${onpremInboundId}`,
    });
  });

  it('does not carry media from the On-Prem source', async () => {
    // Media uploaded on the deployment is not a Cloud media id; media received On-Prem is gone.
    const withUpload = await tp.graph('POST', `${p.number.id}/messages`, p.dest.token, { messaging_product: 'whatsapp', to: from, type: 'image', image: { id: onpremUploadId } });
    expectGraphError(withUpload, { status: 400, code: 100, message: '(#100) Invalid parameter', details: NOT_A_CLOUD_MEDIA_ID });
    expectUnsupportedRequest(await tp.graph('GET', onpremInboundMediaId, p.dest.token), 'GET', onpremInboundMediaId);
    // Control: media uploaded on Cloud after the migration is fine.
    const upload = await uploadMedia(tp, p.dest.token, p.number.id, { data: jpegBytes(), mime: 'image/jpeg', filename: 'new.jpg' });
    expect(upload.status).toBe(200);
    expect((await tp.graph('GET', upload.body.id, p.dest.token)).status).toBe(200);
  });
});

describe('WABA-to-WABA migration, Cloud API source → On-Premises API destination (seed 004)', () => {
  let tp: TestPlatform;
  let p: TwoPartners;
  let destDep: OnpremClient;
  let destRx: WebhookReceiver;
  const from = uniqueConsumer();
  let cloudMediaId: string;

  beforeAll(async () => {
    tp = await TestPlatform.start();
    p = await twoPartners(tp, { is_official_business_account: true });
    const upload = await uploadMedia(tp, p.source.token, p.number.id, { data: jpegBytes(), mime: 'image/jpeg', filename: 'source.jpg' });
    expect(upload.status).toBe(200);
    cloudMediaId = upload.body.id;
    expect(await inbound(tp, p.number.id, from, { type: 'text', text: { body: 'before the move' } })).toMatchObject({ delivered: true, api: 'cloud' });
    await p.source.receiver.waitFor(() => p.source.receiver.inboundMessages().length === 1);
    await migrate(tp, p);
    destRx = await newReceiver();
    destDep = await OnpremClient.create(tp, { webhookUrl: destRx.url });
  });

  afterAll(async () => {
    for (const r of receivers.splice(0)) await r.stop();
    await stopWorlds(p.source, p.dest);
    await tp.stop();
  });

  it('completes as a Cloud API migration and leaves the number on no API', async () => {
    const m = await completedMigration(tp, p.number.id);
    expect(m.report).toMatchObject({ source_api: 'cloud', history_carried: true, kept: { is_official_business_account: true } });
    expect(await phoneFields(tp, p.dest, p.number.id, 'platform_type,status')).toEqual({ platform_type: 'NOT_APPLICABLE', status: 'MIGRATED', id: p.number.id });
    expect(await destDep.health()).toBe('unregistered');
  });

  it('drops inbound messages until the destination registers the number', async () => {
    await expectInboundDropped(tp, p.number.id, from, [destRx, p.source.receiver, p.dest.receiver]);
  });

  it('lets the destination register it on its own deployment with /v1/account and /v1/account/verify', async () => {
    const requested = await destDep.requestAccount(p.number);
    expect(expectOnpremOk(requested, 202)).toEqual({ account: [{ vname: 'Test Shop' }] });
    const sms = await latestCode(tp, p.number.id);
    expect(sms).toMatchObject({ method: 'SMS', consumed_at: null });
    expect(expectOnpremOk(await destDep.call('POST', 'account/verify', { code: sms.code }), 201)).toEqual({});

    expect(await destDep.health()).toBe('connected');
    expect(await phoneFields(tp, p.dest, p.number.id, 'platform_type,status,is_official_business_account,verified_name')).toEqual({
      platform_type: 'ON_PREMISE',
      status: 'CONNECTED',
      is_official_business_account: true,
      verified_name: 'Test Shop',
      id: p.number.id,
    });
    expect(await numberRow(tp, p.number.id)).toMatchObject({ waba_id: p.dest.wabaId, api: 'onprem', onprem_deployment_id: destDep.id });
    // Cloud API sends are refused now: the number is On-Prem.
    expectGraphError(await sendText(tp, p.dest, p.number.id, 'cloud?', from), NOT_REGISTERED);
  });

  it('delivers inbound messages On-Prem style to the deployment, and no Cloud webhook to either partner', async () => {
    await settle(tp);
    const before = counts(p.source.receiver, p.dest.receiver);
    expect(await inbound(tp, p.number.id, from, { type: 'text', text: { body: 'hello on-prem' } })).toMatchObject({ delivered: true, api: 'onprem' });
    await destRx.waitFor(() => onpremMessages(destRx).length === 1);
    expect(destRx.received[0]?.headers['x-hub-signature-256']).toBeUndefined();
    expect(destRx.received[0]?.body).toEqual({
      contacts: [{ profile: { name: 'Kerry Fisher' }, wa_id: from }],
      messages: [{ from, id: expect.stringMatching(/^(?!wamid\.)\S+$/), timestamp: expect.stringMatching(/^\d+$/), type: 'text', text: { body: 'hello on-prem' } }],
    });
    expect(onpremBodies(destRx).every((b) => !('entry' in b) && !('object' in b))).toBe(true);
    await settle(tp);
    expect(counts(p.source.receiver, p.dest.receiver)).toEqual(before);
  });

  it('refuses the source\'s Cloud media id On-Prem; an On-Prem upload and a text go out', async () => {
    expectOnpremError(await destDep.call('POST', 'messages', { to: from, type: 'image', image: { id: cloudMediaId } }), 404, 1006, 'Resource not found');
    const upload = expectOnpremOk<{ media: { id: string }[] }>(await destDep.upload('image/jpeg', jpegBytes()), 201);
    expect(expectOnpremOk(await destDep.call('POST', 'messages', { to: from, type: 'image', image: { id: upload.media[0]?.id } }))).toEqual({ messages: [{ id: expect.any(String) }] });
    expect(expectOnpremOk(await destDep.sendText(from, 'hello from the new provider'))).toEqual({ messages: [{ id: expect.stringMatching(/^(?!wamid\.)\S+$/) }] });
  });
});
