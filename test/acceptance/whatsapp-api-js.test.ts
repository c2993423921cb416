import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppAPI } from 'whatsapp-api-js';
import type { OnMessageArgs, OnSentArgs, OnStatusArgs } from 'whatsapp-api-js/emitters';
import { WhatsAppAPIError, WhatsAppAPIFailedToVerifyError, WhatsAppAPIFailedToVerifyTokenError } from 'whatsapp-api-js/errors';
import { BodyComponent, BodyParameter, Language, Template, Text } from 'whatsapp-api-js/messages';
import type { GetParams, PostData } from 'whatsapp-api-js/types';
import { CONSUMER, GRAPH_VERSION, TestPlatform, addNumber, createWorld, sendInbound, type World } from '../support/platform.js';
import { SdkWebhookEndpoint, createApprovedTemplate, graphFetch, readBody, setAppCallback, waitUntil, type GraphFetch } from '../support/sdk-helpers.js';

/**
 * The real `whatsapp-api-js` SDK (6.2) against a running platform. Only its base URL changes: its
 * Graph URLs are hard-coded, so its `ponyfill.fetch` rewrites https://graph.facebook.com to ours.
 * Its webhook side runs in a partner endpoint the platform really calls (handshake and signed POSTs).
 */

const VERIFY_TOKEN = 'wa-js-verify-token';
/** A 1x1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

interface Delivery {
  raw: string;
  signature: string;
}

describe('whatsapp-api-js against the platform', () => {
  let tp: TestPlatform;
  let world: World;
  let numberId: string;
  let gf: GraphFetch;
  let wa: WhatsAppAPI;
  let endpoint: SdkWebhookEndpoint;
  const deliveries: Delivery[] = [];
  const received: OnMessageArgs[] = [];
  const statuses: OnStatusArgs[] = [];
  const sent: OnSentArgs[] = [];

  const sdk = (appSecret: string): WhatsAppAPI =>
    new WhatsAppAPI({ token: world.token, appSecret, webhookVerifyToken: VERIFY_TOKEN, v: GRAPH_VERSION, ponyfill: { fetch: gf.fetch } });

  const statusesOf = (id: string): string[] => statuses.filter((s) => s.id === id).map((s) => s.status);
  const inboundWith = (body: string): OnMessageArgs | undefined => received.find((m) => m.message.type === 'text' && m.message.text.body === body);

  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
    numberId = (await addNumber(tp, world)).id;
    gf = graphFetch(tp.base);
    wa = sdk(world.appSecret);
    wa.on.message = (args) => void received.push(args);
    wa.on.status = (args) => void statuses.push(args);
    wa.on.sent = (args) => void sent.push(args);

    // The partner's endpoint: GETs go to the SDK's hub-challenge helper, POSTs hand the raw body and
    // X-Hub-Signature-256 to the SDK's post(), which verifies the signature before parsing.
    endpoint = new SdkWebhookEndpoint(async (req) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET') {
        try {
          return { status: 200, body: wa.get(Object.fromEntries(url.searchParams) as GetParams) };
        } catch (err) {
          return { status: err instanceof WhatsAppAPIError ? err.httpStatus : 500 };
        }
      }
      const raw = await readBody(req);
      const signature = String(req.headers['x-hub-signature-256'] ?? '');
      deliveries.push({ raw, signature });
      try {
        await wa.post(JSON.parse(raw) as PostData, raw, signature);
        return { status: 200 };
      } catch (err) {
        return { status: err instanceof WhatsAppAPIError ? err.httpStatus : 500 };
      }
    });
    await endpoint.start();
    await setAppCallback(tp, world, endpoint.url, VERIFY_TOKEN);
  });

  afterAll(async () => {
    await endpoint?.stop();
    await world?.receiver.stop();
    await tp?.stop();
  });

  it("passes the platform's callback handshake through the SDK's GET verification helper", async () => {
    // setAppCallback succeeded only because the SDK answered the platform's hub.challenge.
    expect(endpoint.hits.filter((h) => h.method === 'GET')).toEqual([{ method: 'GET', status: 200 }]);
    expect(wa.get({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1158201444' })).toBe('1158201444');
    expect(() => wa.get({ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '1' })).toThrow(WhatsAppAPIFailedToVerifyTokenError);

    // With a token the SDK does not know, the SDK answers 403 and the platform refuses to save the URL.
    await expect(setAppCallback(tp, world, endpoint.url, 'some-other-token')).rejects.toThrow(/2200/);
    expect(endpoint.hits.filter((h) => h.method === 'GET').map((h) => h.status)).toEqual([200, 403]);
  });

  it('delivers an inbound message whose signature the SDK verifies with the app secret, and parses it', async () => {
    const body = 'Olá! Where is my order? 👋';
    await sendInbound(tp, numberId, body);
    await waitUntil(() => inboundWith(body) !== undefined, 'the SDK to emit the inbound message');
    const args = inboundWith(body);
    expect(args).toMatchObject({ phoneID: numberId, from: CONSUMER, name: 'Kerry Fisher', message: { from: CONSUMER, type: 'text', text: { body } } });
    expect(args?.message.id).toMatch(/^wamid\./);
    expect(args?.raw).toMatchObject({ object: 'whatsapp_business_account', entry: [{ id: world.wabaId, changes: [{ field: 'messages' }] }] });

    // The delivery the SDK accepted: signed, and with non-ASCII written as \u escapes (what the
    // SDK re-escapes before computing the HMAC, so raw UTF-8 would not verify).
    const delivery = deliveries.find((d) => d.raw.includes(args?.message.id ?? '-'));
    if (!delivery) throw new Error('delivery not captured');
    expect(delivery.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(delivery.raw).not.toMatch(/[^\x00-\x7f]/);
    expect(delivery.raw).toContain('Ol\\u00e1');

    // Verification is real: a tampered body, a wrong app secret or a missing signature are refused.
    const data = JSON.parse(delivery.raw) as PostData;
    await expect(wa.post(data, delivery.raw.replace('Kerry Fisher', 'Mallory'), delivery.signature)).rejects.toBeInstanceOf(WhatsAppAPIFailedToVerifyError);
    await expect(sdk('not-the-app-secret').post(data, delivery.raw, delivery.signature)).rejects.toBeInstanceOf(WhatsAppAPIFailedToVerifyError);
    await expect(wa.post(data, delivery.raw, '')).rejects.toBeInstanceOf(WhatsAppAPIError);
    expect(await wa.verifyRequestSignature(delivery.raw, delivery.signature)).toBe(true);
  });

  it('marks an inbound message as read', async () => {
    const body = 'Please confirm you got this';
    await sendInbound(tp, numberId, body);
    await waitUntil(() => inboundWith(body) !== undefined, 'the SDK to emit the inbound message');
    const messageId = inboundWith(body)?.message.id ?? '';

    expect(await wa.markAsRead(numberId, messageId)).toEqual({ success: true });
    const stored = await tp.control<{ data: { id: string; status: string }[] }>('GET', `messages?phone_number_id=${numberId}`);
    expect(stored.data.find((m) => m.id === messageId)?.status).toBe('read');

    expect(await wa.markAsRead(numberId, 'wamid.not-a-message-of-this-number')).toMatchObject({ error: { code: 100, type: 'OAuthException' } });
  });

  it('sends a text message inside the customer service window and follows its statuses by webhook', async () => {
    await sendInbound(tp, numberId, 'Hi, I have a question');
    const res = await wa.sendMessage(numberId, CONSUMER, new Text('Thanks, we are on it!'));
    expect(res).toMatchObject({ messaging_product: 'whatsapp', contacts: [{ input: CONSUMER, wa_id: CONSUMER }] });
    if ('error' in res && res.error) throw new Error(`send failed: ${JSON.stringify(res)}`);
    const id = res.messages[0].id;
    expect(id).toMatch(/^wamid\./);
    expect(sent.find((s) => s.id === id)).toMatchObject({ phoneID: numberId, to: CONSUMER, type: 'text' });

    await waitUntil(() => statusesOf(id).includes('delivered'), `sent and delivered statuses of ${id}`);
    expect(statusesOf(id)).toEqual(['sent', 'delivered']);
    expect(statuses.find((s) => s.id === id)).toMatchObject({ phoneID: numberId, phone: CONSUMER, pricing: { category: 'service' } });
  });

  it('sends an approved template (and gets Graph errors back for bad ones)', async () => {
    const template = await createApprovedTemplate(tp, world, 'order_shipped');
    expect(template).toMatchObject({ status: 'APPROVED', category: 'UTILITY' });

    const res = await wa.sendMessage(numberId, CONSUMER, new Template('order_shipped', new Language('en_US'), new BodyComponent(new BodyParameter('A-1001'))));
    if ('error' in res && res.error) throw new Error(`template send failed: ${JSON.stringify(res)}`);
    const id = res.messages[0].id;
    expect(id).toMatch(/^wamid\./);
    const stored = await tp.control<{ data: { id: string; type: string; body: unknown }[] }>('GET', `messages?phone_number_id=${numberId}`);
    expect(stored.data.find((m) => m.id === id)).toMatchObject({
      type: 'template',
      body: { template: { name: 'order_shipped', language: { code: 'en_US', policy: 'deterministic' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-1001' }] }] } },
    });

    expect(await wa.sendMessage(numberId, CONSUMER, new Template('order_shipped', 'en_US'))).toMatchObject({ error: { code: 132000 } });
    expect(await wa.sendMessage(numberId, CONSUMER, new Template('no_such_template', 'en_US'))).toMatchObject({
      error: { code: 132001, error_data: { messaging_product: 'whatsapp', details: 'template name (no_such_template) does not exist in en_US' } },
    });
  });

  it('uploads media, retrieves its URL, downloads it and deletes it', async () => {
    const form = new FormData();
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'pixel.png');
    const up = await wa.uploadMedia(numberId, form);
    if ('error' in up && up.error) throw new Error(`upload failed: ${JSON.stringify(up)}`);
    expect(up.id).toMatch(/^\d+$/);

    const meta = await wa.retrieveMedia(up.id, numberId);
    expect(meta).toEqual({
      messaging_product: 'whatsapp',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//) as unknown,
      mime_type: 'image/png',
      sha256: createHash('sha256').update(PNG).digest('hex'),
      file_size: String(PNG.length),
      id: up.id,
    });
    if ('error' in meta && meta.error) throw new Error('unreachable');

    const download = await wa.fetchMedia(meta.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await download.arrayBuffer()).equals(PNG)).toBe(true);

    expect(await wa.deleteMedia(up.id, numberId)).toEqual({ success: true });
    expect(await wa.retrieveMedia(up.id)).toMatchObject({ error: { code: 100, error_subcode: 33 } });
  });

  it('sent every SDK request to the platform, never to graph.facebook.com', () => {
    expect(gf.requests.length).toBeGreaterThan(8);
    for (const r of gf.requests) expect(r.url.startsWith(`${tp.base}/`)).toBe(true);
    expect(gf.requests.some((r) => r.url.startsWith(`${tp.base}/${GRAPH_VERSION}/${numberId}/messages`))).toBe(true);
  });
});
