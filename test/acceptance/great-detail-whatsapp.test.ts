import { createHash } from 'node:crypto';
import { Client, MessageType, type WebhookEventNotification } from '@great-detail/whatsapp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER, GRAPH_VERSION, TestPlatform, addNumber, createWorld, sendInbound, type World } from '../support/platform.js';
import { SdkWebhookEndpoint, headerRecord, readBody, setAppCallback, waitUntil } from '../support/sdk-helpers.js';

/**
 * The real `@great-detail/whatsapp` SDK (8.x) against a running platform, pointed at it only through
 * its `prefixUrl` and `graphVersion` options. Its webhook helpers run inside a partner endpoint that
 * the platform really calls: hub handshakes (app callback and WABA override) and signed POSTs.
 */

const VERIFY_TOKEN = 'great-detail-verify-token';
/** A 1x1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

interface Notification {
  raw: string;
  signature: string;
  verified: boolean;
  event: WebhookEventNotification;
}

/** Graph error bodies as the SDK hands them back with `throwHttpErrors: false`. */
type GraphErrorBody = { error: { code: number; message: string; type: string; error_subcode?: number } };

describe('@great-detail/whatsapp against the platform', () => {
  let tp: TestPlatform;
  let world: World;
  let numberId: string;
  let sdk: Client;
  let endpoint: SdkWebhookEndpoint;
  const handshakes: { verifyToken: string; challenge: string }[] = [];
  const notifications: Notification[] = [];
  const noThrow = { throwHttpErrors: false } as const;

  /** Every `messages` change value the SDK parsed out of verified deliveries. */
  const changeValues = (field: string): Record<string, unknown>[] =>
    notifications.filter((n) => n.verified).flatMap((n) => n.event.entry.flatMap((e) => e.changes.filter((c) => c.field === field).map((c) => ('value' in c ? (c.value as Record<string, unknown>) : {}))));
  const inboundWith = (body: string): { id: string; from: string } | undefined =>
    changeValues('messages')
      .flatMap((v) => (v['messages'] as { id: string; from: string; type: string; text?: { body: string } }[] | undefined) ?? [])
      .find((m) => m.type === 'text' && m.text?.body === body);

  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
    numberId = (await addNumber(tp, world)).id;
    sdk = new Client({ prefixUrl: tp.base, graphVersion: GRAPH_VERSION, request: { headers: { Authorization: `Bearer ${world.token}` } } });

    endpoint = new SdkWebhookEndpoint(async (req) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const request = { method: req.method ?? '', query: Object.fromEntries(url.searchParams), headers: headerRecord(req.headers) };
      if (req.method === 'GET') {
        const registration = await sdk.webhook.register(request);
        handshakes.push({ verifyToken: registration.verifyToken, challenge: registration.challenge });
        // The SDK leaves the verify-token comparison to the app.
        return registration.verifyToken === VERIFY_TOKEN ? { status: 200, body: registration.accept() } : { status: 403 };
      }
      const raw = await readBody(req);
      const event = await sdk.webhook.eventNotification({ ...request, body: raw });
      const verified = await event.checkSignature(world.appSecret);
      notifications.push({ raw, signature: request.headers['x-hub-signature-256'] ?? '', verified, event: event.eventNotification });
      return { status: verified ? 200 : 401 };
    });
    await endpoint.start();
    await setAppCallback(tp, world, endpoint.url, VERIFY_TOKEN, ['messages', 'message_template_status_update']);
  });

  afterAll(async () => {
    await endpoint?.stop();
    await world?.receiver.stop();
    await tp?.stop();
  });

  it('subscribes the app to the WABA, lists the subscription, and sets a verified override callback', async () => {
    expect(await sdk.subscribedApps.createSubscription({ businessAccountID: world.wabaId }).json()).toEqual({ success: true });
    expect(await sdk.subscribedApps.listSubscriptions({ businessAccountID: world.wabaId }).json()).toEqual({
      data: [{ whatsapp_business_api_data: { id: world.appId, link: `https://www.facebook.com/games/?app_id=${world.appId}`, name: 'Partner App' } }],
    });

    const before = handshakes.length;
    const override = await sdk.subscribedApps.createSubscription({ businessAccountID: world.wabaId, override_callback_uri: endpoint.url, verify_token: VERIFY_TOKEN }).json();
    expect(override).toEqual({ success: true });
    expect(handshakes.slice(before)).toEqual([{ verifyToken: VERIFY_TOKEN, challenge: expect.stringMatching(/^\d+$/) as unknown }]);
    const listed = await sdk.subscribedApps.listSubscriptions({ businessAccountID: world.wabaId }).json();
    expect(listed.data).toEqual([expect.objectContaining({ override_callback_uri: endpoint.url })]);

    // A verify token the endpoint does not accept: the handshake fails and Graph says so.
    const refused = sdk.subscribedApps.createSubscription({ businessAccountID: world.wabaId, override_callback_uri: endpoint.url, verify_token: 'wrong', request: noThrow });
    expect((await refused).status).toBe(400);
    expect(await refused.json<GraphErrorBody>()).toMatchObject({ error: { code: 2200, type: 'OAuthException' } });
  });

  it('lists the WABA phone numbers and reads one', async () => {
    const fields = ['id', 'display_phone_number', 'verified_name', 'status', 'platform_type', 'quality_rating', 'code_verification_status', 'throughput', 'is_pin_enabled'] as const;
    const list = await sdk.phoneNumbers.listPhoneNumbers({ businessAccountID: world.wabaId, fields: [...fields] }).json();
    const listed = list.data.find((n) => n.id === numberId);
    expect(listed).toMatchObject({ status: 'CONNECTED', platform_type: 'CLOUD_API', verified_name: 'Test Shop', quality_rating: 'GREEN', code_verification_status: 'VERIFIED', throughput: { level: 'STANDARD' }, is_pin_enabled: true });
    expect(Object.keys(listed ?? {}).sort()).toEqual([...fields].sort());
    expect(listed?.display_phone_number).toMatch(/^\+1 \d{3}-\d{3}-\d{4}$/);

    const one = await sdk.phoneNumbers.getPhoneNumber({ phoneNumberID: numberId }).json();
    expect(one).toMatchObject({ id: numberId, display_phone_number: listed?.display_phone_number, verified_name: 'Test Shop', platform_type: 'CLOUD_API' });

    const unknown = sdk.phoneNumbers.getPhoneNumber({ phoneNumberID: '999999999999999', request: noThrow });
    expect((await unknown).status).toBe(400);
    expect(await unknown.json<GraphErrorBody>()).toMatchObject({ error: { code: 100, error_subcode: 33, type: 'GraphMethodException' } });
  });

  it('receives an inbound message by webhook whose X-Hub-Signature-256 the SDK verifies', async () => {
    const body = 'Bonjour, ça marche ? ✅';
    await sendInbound(tp, numberId, body);
    await waitUntil(() => inboundWith(body) !== undefined, 'a verified inbound notification');
    const delivery = notifications.find((n) => n.raw.includes(inboundWith(body)?.id ?? '-'));
    if (!delivery) throw new Error('delivery not captured');
    expect(delivery.verified).toBe(true);
    expect(delivery.event).toMatchObject({
      object: 'whatsapp_business_account',
      entry: [{ id: world.wabaId, changes: [{ field: 'messages', value: { metadata: { phone_number_id: numberId }, contacts: [{ wa_id: CONSUMER, profile: { name: 'Kerry Fisher' } }], messages: [{ from: CONSUMER, type: 'text', text: { body } }] } }] }],
    });

    // The SDK's check is real: the wrong secret or a tampered body fail, the right secret passes.
    const replay = (raw: string) => sdk.webhook.eventNotification({ method: 'POST', query: {}, headers: { 'x-hub-signature-256': delivery.signature }, body: raw });
    const genuine = await replay(delivery.raw);
    await expect(genuine.verifySignature(world.appSecret)).resolves.toBeUndefined();
    expect(genuine.signature.sha256.value).toBe(delivery.signature.replace('sha256=', ''));
    expect(await genuine.checkSignature('not-the-app-secret')).toBe(false);
    const tampered = await replay(delivery.raw.replace('Kerry Fisher', 'Mallory'));
    await expect(tampered.verifySignature(world.appSecret)).rejects.toBeInstanceOf(sdk.webhook.errors.InvalidHubSignatureWebhookError);
    expect(notifications.every((n) => n.verified)).toBe(true);
  });

  it('sends a text message and marks the inbound message as read', async () => {
    const body = 'Can you call me back?';
    await sendInbound(tp, numberId, body);
    await waitUntil(() => inboundWith(body) !== undefined, 'a verified inbound notification');
    const inboundId = inboundWith(body)?.id ?? '';

    const sent = await sdk.message.createMessage({ phoneNumberID: numberId, to: CONSUMER, type: MessageType.Text, text: { body: 'Sure, calling you in 5 minutes.' } }).json();
    expect(sent).toMatchObject({ messaging_product: 'whatsapp', contacts: [{ input: CONSUMER, wa_id: CONSUMER }], messages: [{ id: expect.stringMatching(/^wamid\./) as unknown }] });
    const id = sent.messages[0]?.id ?? '';
    await waitUntil(() => changeValues('messages').some((v) => (v['statuses'] as { id: string; status: string }[] | undefined)?.some((s) => s.id === id && s.status === 'delivered')), `delivered status of ${id}`);

    expect(await sdk.message.createStatus({ phoneNumberID: numberId, message_id: inboundId, status: 'read' }).json()).toEqual({ success: true });
    const stored = await tp.control<{ data: { id: string; status: string }[] }>('GET', `messages?phone_number_id=${numberId}`);
    expect(stored.data.find((m) => m.id === inboundId)?.status).toBe('read');

    const invalid = sdk.message.createMessage({ phoneNumberID: numberId, to: CONSUMER, type: MessageType.Text, text: { body: '' }, request: noThrow });
    expect((await invalid).status).toBe(400);
    expect(await invalid.json<GraphErrorBody>()).toMatchObject({ error: { code: 100 } });
  });

  it('creates, lists, reads, sends and deletes a message template', async () => {
    const created = await sdk.template
      .create(world.wabaId, { name: 'gd_account_ready', category: 'UTILITY', language: 'en_US', parameter_format: 'POSITIONAL', components: [{ type: 'BODY', text: 'Hello {{1}}, your account is ready.' }] })
      .json();
    expect(created).toEqual({ id: expect.stringMatching(/^\d+$/) as unknown, status: 'APPROVED', category: 'UTILITY' });

    const list = await sdk.template.list(world.wabaId, {}).json();
    expect(list.data).toContainEqual(
      expect.objectContaining({ id: created.id, name: 'gd_account_ready', language: 'en_US', status: 'APPROVED', category: 'UTILITY', parameter_format: 'POSITIONAL', components: [{ type: 'BODY', text: 'Hello {{1}}, your account is ready.' }] }),
    );
    const approved = await sdk.template.list(world.wabaId, { status: 'APPROVED', fields: ['name', 'status'], limit: 10 }).json();
    expect(approved.data).toContainEqual({ id: created.id, name: 'gd_account_ready', status: 'APPROVED' });
    expect(approved.paging.cursors).toEqual({ before: expect.any(String) as unknown, after: expect.any(String) as unknown });
    expect(await sdk.template.get(created.id, { fields: ['name', 'category'] }).json()).toEqual({ id: created.id, name: 'gd_account_ready', category: 'UTILITY' });

    // The creation was announced to the app by webhook.
    await waitUntil(() => changeValues('message_template_status_update').some((v) => v['message_template_id'] === Number(created.id)), 'message_template_status_update');
    expect(changeValues('message_template_status_update').find((v) => v['message_template_id'] === Number(created.id))).toMatchObject({ event: 'APPROVED', message_template_name: 'gd_account_ready', message_template_language: 'en_US' });

    const sent = await sdk.message
      .createMessage({ phoneNumberID: numberId, to: CONSUMER, type: MessageType.Template, template: { name: 'gd_account_ready', language: { code: 'en_US', policy: 'deterministic' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Kerry' }] }] } })
      .json();
    expect(sent.messages[0]?.id).toMatch(/^wamid\./);

    const duplicate = sdk.template.create(world.wabaId, { name: 'gd_account_ready', category: 'UTILITY', language: 'en_US', parameter_format: 'POSITIONAL', components: [{ type: 'BODY', text: 'Hi' }], request: noThrow });
    expect((await duplicate).status).toBe(400);
    expect(await duplicate.json<GraphErrorBody>()).toMatchObject({ error: { code: 100, error_subcode: 2388024 } });

    expect(await sdk.template.delete(world.wabaId, { name: 'gd_account_ready' }).json()).toEqual({ success: true });
    expect((await sdk.template.list(world.wabaId, {}).json()).data.map((t) => t.id)).not.toContain(created.id);
  });

  it('uploads media, gets its URL, downloads and deletes it', async () => {
    const up = await sdk.media.upload({ phoneNumberID: numberId, file: new Blob([PNG], { type: 'image/png' }), filename: 'pixel.png', mimeType: 'image/png' }).json();
    expect(up).toEqual({ id: expect.stringMatching(/^\d+$/) as unknown });

    const meta = await sdk.media.getURL({ mediaID: up.id, phoneNumberID: numberId }).json();
    expect(meta).toEqual({
      messaging_product: 'whatsapp',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//) as unknown,
      mime_type: 'image/png',
      sha256: createHash('sha256').update(PNG).digest('hex'),
      file_size: String(PNG.length),
      id: up.id,
    });

    const download = await sdk.media.download({ mediaURL: meta.url, request: { headers: { Authorization: `Bearer ${world.token}` } } });
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await download.arrayBuffer()).equals(PNG)).toBe(true);
    const anonymous = await sdk.media.download({ mediaURL: meta.url, request: noThrow });
    expect(anonymous.status).toBe(400);

    expect(await sdk.media.delete({ mediaID: up.id, phoneNumberID: numberId }).json()).toEqual({ success: true });
    expect((await sdk.media.getURL({ mediaID: up.id, request: noThrow })).status).toBe(400);
  });
});
