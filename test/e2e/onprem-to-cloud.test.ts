import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectGraphError, stopWorlds } from '../support/graph-helpers.js';
import { settle, uploadMedia } from '../support/message-helpers.js';
import {
  OnpremClient,
  cloudRegister,
  codeInbox,
  dropsOf,
  eventually,
  expectOnpremError,
  expectOnpremOk,
  inbound,
  jpegBytes,
  numberRow,
  onpremMessages,
  onpremStatuses,
  phoneFields,
  type NumberRef,
} from '../support/onprem-helpers.js';
import { TestPlatform, addNumber, createWorld, sendText, type World } from '../support/platform.js';
import { WebhookReceiver } from '../support/receiver.js';

/**
 * Seeds 000 (Migrating from On-Premises API to Cloud API) and 002 (register with backup), step by
 * step over real HTTP: On-Prem API under /onprem/{deployment}/v1, Cloud API under /v23.0, webhooks
 * to real receivers.
 */

const PIN = '246810';
const BACKUP_PASSWORD = 'tacocat';
const PROFILE = { about: 'Tacos since 1999', address: '1 Main St', email: 'shop@example.com', vertical: 'RESTAURANT', websites: ['https://tacos.example'] };
const NOT_REGISTERED = { status: 400, code: 133010, message: '(#133010) Account not registered', details: 'The account is not registered' } as const;
const BACKUP_UNDECRYPTABLE = 'Param backup.data could not be decrypted with backup.password: wrong password, or the data was modified.';
const NOT_READY_DETAILS = 'This deployment is disconnected from WhatsApp servers: the number was registered elsewhere (e.g. migrated to Cloud API).';

let consumerSeq = 0;
const consumer = (): string => `4479${String(process.pid % 1000).padStart(3, '0')}${String((consumerSeq += 1)).padStart(5, '0')}`;

const receivers: WebhookReceiver[] = [];
async function newReceiver(): Promise<WebhookReceiver> {
  const r = new WebhookReceiver();
  await r.start();
  receivers.push(r);
  return r;
}

interface OnpremSetup {
  number: NumberRef;
  dep: OnpremClient;
  rx: WebhookReceiver;
}

/**
 * A number that lives on an On-Prem deployment: added (verified, not registered anywhere), registered
 * with `/v1/account` + `/v1/account/verify`, then two-step PIN and shards set On-Prem side.
 */
async function numberOnOnprem(tp: TestPlatform, world: World, options: { oba?: boolean; shards?: number; pin?: string | null } = {}): Promise<OnpremSetup> {
  const number = await addNumber(tp, world, { register_pin: undefined, is_official_business_account: options.oba ?? true, profile: PROFILE });
  const rx = await newReceiver();
  const dep = await OnpremClient.create(tp, { webhookUrl: rx.url });
  await dep.register(number);
  const pin = options.pin === undefined ? PIN : options.pin;
  if (pin !== null) expect(expectOnpremOk(await dep.call('POST', 'settings/account/two-step', { pin }))).toEqual({});
  if (options.shards !== undefined) expectOnpremOk(await dep.setShards(number, options.shards, pin ?? undefined), 201);
  return { number, dep, rx };
}

describe('seed 000/002: On-Premises API → Cloud API', () => {
  let tp: TestPlatform;
  let world: World;

  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
  });
  afterAll(async () => {
    for (const r of receivers.splice(0)) await r.stop();
    await stopWorlds(world);
    await tp.stop();
  });

  it('migrates with the backup step by step: no OTP, OBA and profile kept, 2 shards → HIGH, webhooks and media switch API', async () => {
    // The partner's app exists but is not yet subscribed to the WABA (seed 000: subscribe after migrating).
    const unsubscribed = await createWorld(tp, { subscribe: false });
    const bystander = await newReceiver();
    const other = await tp.control<{ id: string; app_secret: string }>('POST', 'apps', { name: 'Unrelated App', business_id: unsubscribed.partnerId, callback_url: bystander.url, verify_token: bystander.verifyToken });
    bystander.appSecret = other.app_secret;
    try {
      const { number, dep, rx } = await numberOnOnprem(tp, unsubscribed, { shards: 2 });
      const from = consumer();

      // Before: On-Prem holds the number.
      expect(await dep.health()).toBe('connected');
      expect(await phoneFields(tp, unsubscribed, number.id, 'platform_type,throughput,is_official_business_account')).toEqual({
        platform_type: 'ON_PREMISE',
        throughput: { level: 'STANDARD' },
        is_official_business_account: true,
        id: number.id,
      });
      expectGraphError(await sendText(tp, unsubscribed, number.id, 'hi', from), NOT_REGISTERED);

      // A push-to-talk message arrives On-Prem style: bare payload, type "voice", unsigned.
      expect(await inbound(tp, number.id, from, { type: 'voice' })).toMatchObject({ delivered: true, api: 'onprem' });
      await rx.waitFor(() => onpremMessages(rx).length === 1);
      const delivery = rx.received[0];
      expect(delivery?.headers['x-hub-signature-256']).toBeUndefined();
      const bare = delivery?.body as { contacts: unknown; messages: Record<string, unknown>[] };
      expect(Object.keys(bare).sort()).toEqual(['contacts', 'messages']);
      expect(bare.contacts).toEqual([{ profile: { name: 'Kerry Fisher' }, wa_id: from }]);
      const ptt = bare.messages[0] as Record<string, unknown>;
      expect(ptt).toEqual({ from, id: expect.stringMatching(/^(?!wamid\.)\S+$/), timestamp: expect.stringMatching(/^\d+$/), type: 'voice', voice: { mime_type: 'audio/ogg; codecs=opus', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), id: expect.any(String) } });

      // The business answers On-Prem; statuses come back On-Prem style.
      const onpremReply = expectOnpremOk<{ messages: { id: string }[] }>(await dep.sendText(from, 'answered on-prem')).messages[0]?.id ?? '';
      await rx.waitFor(() => onpremStatuses(rx).filter((st) => st['id'] === onpremReply).length === 2);

      // Media uploaded On-Prem (raw body).
      const uploaded = await dep.upload('image/jpeg', jpegBytes());
      const onpremMedia = expectOnpremOk<{ media: { id: string }[] }>(uploaded, 201);
      const onpremMediaId = onpremMedia.media[0]?.id ?? '';
      expect(onpremMediaId).not.toBe('');

      // Step 2: back up (metadata encrypted with any password).
      const data = await dep.backup(BACKUP_PASSWORD);
      const codesBefore = (await codeInbox(tp, number.id)).length;

      // Step 3: register on Cloud with the backup. No OTP is requested.
      const reg = await cloudRegister(tp, unsubscribed, number.id, PIN, { password: BACKUP_PASSWORD, data });
      expect({ status: reg.status, body: reg.body }).toEqual({ status: 200, body: { success: true } });
      expect(await codeInbox(tp, number.id)).toHaveLength(codesBefore);

      // Step 4: health_status and the carried-over state.
      const after = await phoneFields(tp, unsubscribed, number.id, 'platform_type,throughput,is_official_business_account,status,is_pin_enabled,health_status');
      expect(after).toMatchObject({ platform_type: 'CLOUD_API', throughput: { level: 'HIGH' }, is_official_business_account: true, status: 'CONNECTED', is_pin_enabled: true });
      const health = after['health_status'] as { can_send_message: string; entities: { entity_type: string; can_send_message: string }[] };
      expect(health.can_send_message).toBe('AVAILABLE');
      expect(health.entities.find((e) => e.entity_type === 'PHONE_NUMBER')).toEqual({ entity_type: 'PHONE_NUMBER', id: number.id, can_send_message: 'AVAILABLE' });
      expect(JSON.parse(String((await numberRow(tp, number.id))['profile']))).toEqual(PROFILE);

      // The On-Prem deployment is disconnected from WhatsApp servers.
      expect(await dep.health()).toBe('disconnected');
      expectOnpremError(await dep.sendText(from), 500, 1011, 'Service not ready', NOT_READY_DETAILS);
      expectOnpremError(await dep.call('POST', 'settings/backup', { password: 'again' }), 500, 1011, 'Service not ready');

      // Webhooks: nothing On-Prem any more, nothing Cloud until the app subscribes via subscribed_apps.
      const rxBefore = rx.received.length;
      expect(await inbound(tp, number.id, from, { type: 'voice' })).toMatchObject({ delivered: true, api: 'cloud' });
      await settle(tp);
      expect(rx.received.length).toBe(rxBefore);
      expect(unsubscribed.receiver.received).toHaveLength(0);
      expect(bystander.received).toHaveLength(0);

      const sub = await tp.graph('POST', `${unsubscribed.wabaId}/subscribed_apps`, unsubscribed.token);
      expect({ status: sub.status, body: sub.body }).toEqual({ status: 200, body: { success: true } });
      expect(await inbound(tp, number.id, from, { type: 'voice' })).toMatchObject({ delivered: true, api: 'cloud' });
      await unsubscribed.receiver.waitFor(() => unsubscribed.receiver.inboundMessages().length === 1);
      const cloudDelivery = unsubscribed.receiver.received[0];
      expect(cloudDelivery?.validSignature).toBe(true);
      expect(cloudDelivery?.body).toMatchObject({
        object: 'whatsapp_business_account',
        entry: [{ id: unsubscribed.wabaId, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: number.id }, contacts: [{ profile: { name: 'Kerry Fisher' }, wa_id: from }] } }] }],
      });
      // Same consumer action, Cloud shape: type "audio" with audio.voice = true.
      expect(unsubscribed.receiver.inboundMessages()[0]).toEqual({
        from,
        id: expect.stringMatching(/^wamid\./),
        timestamp: expect.stringMatching(/^\d+$/),
        type: 'audio',
        audio: { mime_type: 'audio/ogg; codecs=opus', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), id: expect.any(String), voice: true },
      });
      await settle(tp);
      expect(rx.received.length).toBe(rxBefore);
      expect(bystander.received).toHaveLength(0);

      // The consumer reads the message answered On-Prem before the migration: the status is a Cloud webhook now.
      await tp.control('POST', `messages/${encodeURIComponent(onpremReply)}/status`, { status: 'read' });
      await unsubscribed.receiver.waitFor(() => unsubscribed.receiver.statusesOf(onpremReply).length === 1);
      expect(unsubscribed.receiver.statusesOf(onpremReply)).toEqual(['read']);

      // Media ids from On-Prem are not valid on Cloud; a Cloud re-upload is.
      const withOnpremMedia = await tp.graph('POST', `${number.id}/messages`, unsubscribed.token, { messaging_product: 'whatsapp', to: from, type: 'image', image: { id: onpremMediaId } });
      expectGraphError(withOnpremMedia, { status: 400, code: 100, message: '(#100) Invalid parameter', details: `Param image['id'] is not a valid whatsapp business account media attachment ID` });
      const reupload = await uploadMedia(tp, unsubscribed.token, number.id, { data: jpegBytes(), mime: 'image/jpeg', filename: 'a.jpg' });
      expect(reupload.status).toBe(200);
      const withCloudMedia = await tp.graph<{ messages: { id: string }[] }>('POST', `${number.id}/messages`, unsubscribed.token, { messaging_product: 'whatsapp', to: from, type: 'image', image: { id: reupload.body.id } });
      expect(withCloudMedia.status, JSON.stringify(withCloudMedia.body)).toBe(200);
      const text = await sendText(tp, unsubscribed, number.id, 'now on Cloud', from);
      expect(text.status).toBe(200);
      const wamid = text.body.messages[0]?.id ?? '';
      await unsubscribed.receiver.waitFor(() => unsubscribed.receiver.statusesOf(wamid).length === 2);
      expect(unsubscribed.receiver.statusesOf(wamid)).toEqual(['sent', 'delivered']);
      await settle(tp);
      expect(rx.received.length).toBe(rxBefore);
    } finally {
      await stopWorlds(unsubscribed);
    }
  });

  it('one shard stays STANDARD throughput', async () => {
    const { number, dep } = await numberOnOnprem(tp, world, { shards: 1 });
    const data = await dep.backup(BACKUP_PASSWORD);
    expect((await cloudRegister(tp, world, number.id, PIN, { password: BACKUP_PASSWORD, data })).body).toEqual({ success: true });
    expect(await phoneFields(tp, world, number.id, 'platform_type,throughput')).toEqual({ platform_type: 'CLOUD_API', throughput: { level: 'STANDARD' }, id: number.id });
  });

  it('without the backup: 133006 until the number is re-verified by OTP; then OBA and profile are lost', async () => {
    const { number, dep } = await numberOnOnprem(tp, world, { shards: 2 });

    expectGraphError(await cloudRegister(tp, world, number.id, PIN), { status: 400, code: 133006, message: '(#133006) Phone number re-verification needed', details: /On-Premises API/ });
    expect(await phoneFields(tp, world, number.id, 'platform_type')).toEqual({ platform_type: 'ON_PREMISE', id: number.id });
    expect(await dep.health()).toBe('connected');

    const codesBefore = (await codeInbox(tp, number.id)).length;
    const requested = await tp.graph('POST', `${number.id}/request_code`, world.token, { code_method: 'SMS', language: 'en_US' });
    expect({ status: requested.status, body: requested.body }).toEqual({ status: 200, body: { success: true } });
    const inbox = await codeInbox(tp, number.id);
    expect(inbox).toHaveLength(codesBefore + 1);
    const sent = inbox[0];
    expect(sent).toMatchObject({ method: 'SMS', language: 'en_US', consumed_at: null });
    expect(sent?.text).toBe(`WhatsApp code ${sent?.code.slice(0, 3)}-${sent?.code.slice(3)}`);
    // Still On-Prem until registered: requesting a code changes nothing.
    expect(await dep.health()).toBe('connected');

    const verified = await tp.graph('POST', `${number.id}/verify_code`, world.token, { code: sent?.code });
    expect({ status: verified.status, body: verified.body }).toEqual({ status: 200, body: { success: true } });
    expect(await dep.health()).toBe('connected');

    const reg = await cloudRegister(tp, world, number.id, PIN);
    expect({ status: reg.status, body: reg.body }).toEqual({ status: 200, body: { success: true } });
    expect(await phoneFields(tp, world, number.id, 'platform_type,throughput,is_official_business_account')).toEqual({
      platform_type: 'CLOUD_API',
      // Shards only carry over in the backup.
      throughput: { level: 'STANDARD' },
      is_official_business_account: false,
      id: number.id,
    });
    expect(JSON.parse(String((await numberRow(tp, number.id))['profile']))).toEqual({});
    expect(await dep.health()).toBe('disconnected');
  });

  it('a wrong backup password and a tampered backup are refused with code 100; the number stays On-Prem', async () => {
    const { number, dep, rx } = await numberOnOnprem(tp, world);
    const data = await dep.backup(BACKUP_PASSWORD);
    const blob = Buffer.from(data, 'base64');
    const flipped = Buffer.from(blob);
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] ?? 0) ^ 0x01;
    const headerEdited = Buffer.from(blob);
    headerEdited[4] = 0x03; // a version that does not exist
    const attempts = [
      { password: 'not-tacocat', data },
      { password: BACKUP_PASSWORD, data: flipped.toString('base64') },
      { password: BACKUP_PASSWORD, data: headerEdited.toString('base64') },
      { password: BACKUP_PASSWORD, data: blob.subarray(0, blob.length - 10).toString('base64') },
      { password: BACKUP_PASSWORD, data: 'V0FCUyBub3QgYSBiYWNrdXA=' },
    ];
    for (const backup of attempts) {
      expectGraphError(await cloudRegister(tp, world, number.id, PIN, backup), { status: 400, code: 100, subcode: null, message: '(#100) Invalid parameter', details: BACKUP_UNDECRYPTABLE });
    }
    expect(await phoneFields(tp, world, number.id, 'platform_type,is_official_business_account')).toEqual({ platform_type: 'ON_PREMISE', is_official_business_account: true, id: number.id });
    expect(await dep.health()).toBe('connected');
    const from = consumer();
    expect(await inbound(tp, number.id, from)).toMatchObject({ delivered: true, api: 'onprem' });
    await rx.waitFor(() => onpremMessages(rx).length === 1);
    expect(expectOnpremOk<{ messages: { id: string }[] }>(await dep.sendText(from)).messages).toHaveLength(1);

    // The untouched backup still works afterwards.
    expect((await cloudRegister(tp, world, number.id, PIN, { password: BACKUP_PASSWORD, data })).body).toEqual({ success: true });
    expect(await dep.health()).toBe('disconnected');
  });

  it('a wrong PIN with the backup fails with 133005 and takes the On-Prem deployment down (seed 002)', async () => {
    const { number, dep } = await numberOnOnprem(tp, world);
    const data = await dep.backup(BACKUP_PASSWORD);
    const from = consumer();

    expectGraphError(await cloudRegister(tp, world, number.id, '999999', { password: BACKUP_PASSWORD, data }), {
      status: 400,
      code: 133005,
      message: '(#133005) Two step verification PIN Mismatch',
      details: 'The PIN you provided does not match the two-step verification PIN set for this number.',
    });

    // Down on On-Prem, and not up on Cloud either.
    expect(await dep.health()).toBe('disconnected');
    expectOnpremError(await dep.sendText(from), 500, 1011, 'Service not ready');
    expect(await phoneFields(tp, world, number.id, 'platform_type,status')).toEqual({ platform_type: 'NOT_APPLICABLE', status: 'DISCONNECTED', id: number.id });
    expectGraphError(await sendText(tp, world, number.id, 'hi', from), NOT_REGISTERED);
    expect(await inbound(tp, number.id, from, { type: 'text', text: { body: 'anyone there?' } })).toEqual({ delivered: false, dropped: true, reason: 'number not registered on any API' });
    expect((await dropsOf(tp, number.id))[0]).toMatchObject({ phone_number_id: number.id, from_wa_id: from, reason: 'number not registered on any API' });

    // Still an On-Prem number: without the backup, ownership must be proven by OTP first.
    expectGraphError(await cloudRegister(tp, world, number.id, PIN), { status: 400, code: 133006, message: '(#133006) Phone number re-verification needed' });
    expect(await phoneFields(tp, world, number.id, 'platform_type')).toEqual({ platform_type: 'NOT_APPLICABLE', id: number.id });

    // The right PIN with the same backup completes the migration.
    expect((await cloudRegister(tp, world, number.id, PIN, { password: BACKUP_PASSWORD, data })).body).toEqual({ success: true });
    expect(await phoneFields(tp, world, number.id, 'platform_type,is_official_business_account')).toEqual({ platform_type: 'CLOUD_API', is_official_business_account: true, id: number.id });
    expect(await dep.health()).toBe('disconnected');
  });

  it('after a wrong-PIN failure, registering without the backup still needs the OTP and loses OBA and profile', async () => {
    const { number, dep } = await numberOnOnprem(tp, world, { shards: 2 });
    const data = await dep.backup(BACKUP_PASSWORD);
    expectGraphError(await cloudRegister(tp, world, number.id, '999999', { password: BACKUP_PASSWORD, data }), { status: 400, code: 133005 });
    expect(await dep.health()).toBe('disconnected');

    expectGraphError(await cloudRegister(tp, world, number.id, PIN), { status: 400, code: 133006 });
    expect((await tp.graph('POST', `${number.id}/request_code`, world.token, { code_method: 'VOICE', language: 'en_US' })).body).toEqual({ success: true });
    const [sent] = await codeInbox(tp, number.id);
    expect(sent?.method).toBe('VOICE');
    expect((await tp.graph('POST', `${number.id}/verify_code`, world.token, { code: sent?.code })).body).toEqual({ success: true });
    expect((await cloudRegister(tp, world, number.id, PIN)).body).toEqual({ success: true });
    expect(await phoneFields(tp, world, number.id, 'platform_type,throughput,is_official_business_account')).toEqual({
      platform_type: 'CLOUD_API',
      throughput: { level: 'STANDARD' },
      is_official_business_account: false,
      id: number.id,
    });
    expect(JSON.parse(String((await numberRow(tp, number.id))['profile']))).toEqual({});
  });

  it('a backup of another number is refused with code 100 and changes nothing', async () => {
    const a = await numberOnOnprem(tp, world);
    const b = await numberOnOnprem(tp, world);
    const dataB = await b.dep.backup(BACKUP_PASSWORD);

    expectGraphError(await cloudRegister(tp, world, a.number.id, PIN, { password: BACKUP_PASSWORD, data: dataB }), {
      status: 400,
      code: 100,
      subcode: null,
      message: '(#100) Invalid parameter',
      details: 'Param backup.data describes a different phone number.',
    });
    for (const s of [a, b]) {
      expect(await phoneFields(tp, world, s.number.id, 'platform_type')).toEqual({ platform_type: 'ON_PREMISE', id: s.number.id });
      expect(await s.dep.health()).toBe('connected');
    }
    // Also with a wrong PIN: the mismatch is on the number, so neither deployment goes down.
    expectGraphError(await cloudRegister(tp, world, a.number.id, '000000', { password: BACKUP_PASSWORD, data: dataB }), { status: 400, code: 100, details: 'Param backup.data describes a different phone number.' });
    expect(await a.dep.health()).toBe('connected');
    expect(await b.dep.health()).toBe('connected');
  });

  it('without two-step verification On-Prem, any PIN works with the backup and becomes the Cloud PIN', async () => {
    const { number, dep } = await numberOnOnprem(tp, world, { pin: null });
    expect(await phoneFields(tp, world, number.id, 'is_pin_enabled')).toEqual({ is_pin_enabled: false, id: number.id });
    const data = await dep.backup(BACKUP_PASSWORD);
    expect((await cloudRegister(tp, world, number.id, '135790', { password: BACKUP_PASSWORD, data })).body).toEqual({ success: true });
    expect(await phoneFields(tp, world, number.id, 'platform_type,is_pin_enabled')).toEqual({ platform_type: 'CLOUD_API', is_pin_enabled: true, id: number.id });
    // The new PIN is now the number's PIN.
    expectGraphError(await cloudRegister(tp, world, number.id, '111111'), { status: 400, code: 133005 });
    expect((await cloudRegister(tp, world, number.id, '135790')).body).toEqual({ success: true });
  });
});

describe('seed 000: downtime while the register call is in flight', () => {
  let tp: TestPlatform;
  let world: World;
  const DOWNTIME_MS = 500;

  beforeAll(async () => {
    tp = await TestPlatform.start({ downtimeMs: DOWNTIME_MS });
    world = await createWorld(tp);
  });
  afterAll(async () => {
    for (const r of receivers.splice(0)) await r.stop();
    await stopWorlds(world);
    await tp.stop();
  });

  const downtimeOver = async (id: string): Promise<boolean> => {
    const row = await numberRow(tp, id);
    const { now_ms } = await tp.control<{ now_ms: number }>('GET', 'clock');
    return row['downtime_until'] === null || Number(row['downtime_until']) <= now_ms;
  };

  it('drops and records inbound messages during the window; delivers in Cloud format after it', async () => {
    expect(await tp.control('GET', 'settings')).toEqual({ downtime_ms: DOWNTIME_MS, graph_rate_limits: true, backup_kdf_cost: 12 });
    const { number, dep, rx } = await numberOnOnprem(tp, world);
    const from = consumer();
    await eventually(() => downtimeOver(number.id), 3000);

    expect(await inbound(tp, number.id, from, { type: 'text', text: { body: 'before' } })).toMatchObject({ delivered: true, api: 'onprem' });
    await rx.waitFor(() => onpremMessages(rx).length === 1);
    const data = await dep.backup(BACKUP_PASSWORD);
    const dropsBefore = (await dropsOf(tp, number.id)).length;

    // Register, and do not wait for it: the consumer keeps writing meanwhile.
    const started = Date.now();
    let answeredAt: number | undefined;
    const registering = cloudRegister(tp, world, number.id, PIN, { password: BACKUP_PASSWORD, data }).then((res) => {
      answeredAt = Date.now();
      return res;
    });
    await eventually(async () => (await numberRow(tp, number.id))['api'] === 'cloud', DOWNTIME_MS, 2);
    const during = await inbound(tp, number.id, from, { type: 'text', text: { body: 'lost in migration' } });
    expect(answeredAt).toBeUndefined();
    expect(during).toEqual({ delivered: false, dropped: true, reason: 'migration downtime' });

    const reg = await registering;
    expect({ status: reg.status, body: reg.body }).toEqual({ status: 200, body: { success: true } });
    // The call returns only once the number is up on Cloud API.
    expect((answeredAt ?? 0) - started).toBeGreaterThanOrEqual(DOWNTIME_MS - 50);

    const drops = await dropsOf(tp, number.id);
    expect(drops).toHaveLength(dropsBefore + 1);
    expect(drops[0]).toEqual({
      id: expect.any(Number),
      phone_number_id: number.id,
      from_wa_id: from,
      reason: 'migration downtime',
      message: { type: 'text', content: { type: 'text', text: { body: 'lost in migration' } } },
      at: expect.any(Number),
    });

    // Silently: no webhook anywhere, no message stored.
    await settle(tp);
    expect(onpremMessages(rx).map((m) => (m['text'] as { body: string }).body)).toEqual(['before']);
    expect(world.receiver.inboundMessages().filter((m) => m['from'] === from)).toEqual([]);
    const stored = await tp.control<{ data: { body: string }[] }>('GET', `messages?phone_number_id=${number.id}`);
    expect(JSON.stringify(stored)).not.toContain('lost in migration');

    // After the window: Cloud format, to the subscribed app only.
    expect(await downtimeOver(number.id)).toBe(true);
    expect(await inbound(tp, number.id, from, { type: 'text', text: { body: 'after' } })).toMatchObject({ delivered: true, api: 'cloud' });
    await world.receiver.waitFor(() => world.receiver.inboundMessages().some((m) => m['from'] === from));
    expect(world.receiver.inboundMessages().filter((m) => m['from'] === from)).toEqual([
      { from, id: expect.stringMatching(/^wamid\./), timestamp: expect.stringMatching(/^\d+$/), type: 'text', text: { body: 'after' } },
    ]);
    await settle(tp);
    expect(onpremMessages(rx)).toHaveLength(1);
    expect(await dropsOf(tp, number.id)).toHaveLength(dropsBefore + 1);
  });

  it('a failed register (wrong backup password) opens no downtime window', async () => {
    const { number, dep, rx } = await numberOnOnprem(tp, world);
    await eventually(() => downtimeOver(number.id), 3000);
    const data = await dep.backup(BACKUP_PASSWORD);
    const t0 = Date.now();
    expectGraphError(await cloudRegister(tp, world, number.id, PIN, { password: 'wrong', data }), { status: 400, code: 100 });
    expect(Date.now() - t0).toBeLessThan(DOWNTIME_MS);
    const from = consumer();
    expect(await inbound(tp, number.id, from)).toMatchObject({ delivered: true, api: 'onprem' });
    await rx.waitFor(() => onpremMessages(rx).some((m) => m['from'] === from));
  });
});
