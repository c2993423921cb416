import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPlatform, addNumber, createWorld, sendInbound, type World } from '../support/platform.js';
import {
  bytes,
  createTemplate,
  expectGraphError,
  postMessage,
  settle,
  statusObjects,
  templateBody,
  uniqueConsumer,
  uniqueName,
  uploadMedia,
  type SendResponseBody,
} from '../support/message-helpers.js';

/** `POST /{PHONE_NUMBER_ID}/messages` over real HTTP, with the status webhooks at a real receiver. */
describe('POST /{PHONE_NUMBER_ID}/messages', () => {
  let tp: TestPlatform;
  let world: World;
  let number: { id: string; cc: string; phone_number: string };

  const SERVICE_PRICING = { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' };

  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
    number = await addNumber(tp, world);
  });
  afterAll(async () => {
    await world.receiver.stop();
    await tp.stop();
  });

  /** A consumer who has just written to `numberId` (window open). */
  async function engagedConsumer(numberId = number.id): Promise<string> {
    const waId = uniqueConsumer();
    const res = await sendInbound(tp, numberId, 'Hi there', waId);
    expect(res.delivered).toBe(true);
    return waId;
  }

  /** A WhatsApp user who never wrote to the business (window closed). */
  async function silentConsumer(): Promise<string> {
    const waId = uniqueConsumer();
    await tp.control('POST', 'consumers', { wa_id: waId, name: 'Silent Sam' });
    return waId;
  }

  const text = (to: string, body = 'hello world!', extra: Record<string, unknown> = {}) => ({ messaging_product: 'whatsapp', to, type: 'text', text: { body }, ...extra });

  async function sendOk(body: unknown, numberId = number.id, token = world.token): Promise<string> {
    const res = await postMessage<SendResponseBody>(tp, token, numberId, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const id = res.body.messages[0]?.id ?? '';
    expect(id).toMatch(/^wamid\.[A-Za-z0-9+/=_-]+$/);
    expect(id.length).toBeLessThanOrEqual(128);
    return id;
  }

  async function waitStatuses(id: string, n: number): Promise<string[]> {
    await world.receiver.waitFor(() => world.receiver.statusesOf(id).length >= n);
    return world.receiver.statusesOf(id);
  }

  describe('delivery inside and outside the customer service window', () => {
    it('accepts a text inside the window with the documented shape, then sends sent → delivered with pricing', async () => {
      const consumer = await engagedConsumer();
      const res = await postMessage<SendResponseBody>(tp, world.token, number.id, text(consumer));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body).toEqual({ messaging_product: 'whatsapp', contacts: [{ input: consumer, wa_id: consumer }], messages: [{ id: expect.stringMatching(/^wamid\./) }] });
      const id = res.body.messages[0]?.id ?? '';
      expect(id.length).toBeLessThanOrEqual(128);

      expect(await waitStatuses(id, 2)).toEqual(['sent', 'delivered']);
      const [sent, delivered] = statusObjects(world.receiver, id);
      for (const s of [sent, delivered]) {
        expect(s).toMatchObject({ id, recipient_id: consumer, pricing: SERVICE_PRICING });
        expect(s?.timestamp).toMatch(/^\d{10}$/);
        expect(s?.errors).toBeUndefined();
        expect(s?.biz_opaque_callback_data).toBeUndefined();
      }
      // The change value carries the number's metadata, and every delivery is signed with the app secret.
      const value = world.receiver.changes().find((v) => (v['statuses'] as { id: string }[] | undefined)?.some((s) => s.id === id));
      expect(value).toMatchObject({ messaging_product: 'whatsapp', metadata: { phone_number_id: number.id, display_phone_number: `1${number.phone_number}` } });
      expect(world.receiver.received.every((r) => r.validSignature)).toBe(true);
    });

    it('a message with no type is a text message', async () => {
      const consumer = await engagedConsumer();
      const id = await sendOk({ messaging_product: 'whatsapp', to: consumer, text: { body: 'no type given' } });
      expect(await waitStatuses(id, 2)).toEqual(['sent', 'delivered']);
    });

    it('outside the window (the consumer never wrote) the message is accepted, then fails with 131047', async () => {
      const consumer = await silentConsumer();
      const id = await sendOk(text(consumer));
      expect(await waitStatuses(id, 1)).toEqual(['failed']);
      const [failed] = statusObjects(world.receiver, id);
      expect(failed?.pricing).toBeUndefined();
      expect(failed?.errors).toEqual([
        {
          code: 131047,
          title: 'Re-engagement message',
          message: 'Re-engagement message',
          error_data: { details: expect.stringMatching(/24 hours/) },
          href: expect.stringMatching(/^https:\/\/developers\.facebook\.com\//),
        },
      ]);
      await settle(tp);
      expect(world.receiver.statusesOf(id)).toEqual(['failed']);
    });

    it('the window closes 24 h after the consumer last wrote, and a new inbound message reopens it', async () => {
      const consumer = await engagedConsumer();
      await tp.control('POST', 'clock/advance', { seconds: 24 * 3600 - 120 });
      const inside = await sendOk(text(consumer, 'still inside'));
      expect(await waitStatuses(inside, 2)).toEqual(['sent', 'delivered']);

      await tp.control('POST', 'clock/advance', { seconds: 240 });
      const outside = await sendOk(text(consumer, 'too late'));
      expect(await waitStatuses(outside, 1)).toEqual(['failed']);
      expect(statusObjects(world.receiver, outside)[0]?.errors?.[0]?.code).toBe(131047);

      await sendInbound(tp, number.id, 'I am back', consumer);
      const reopened = await sendOk(text(consumer, 'welcome back'));
      expect(await waitStatuses(reopened, 2)).toEqual(['sent', 'delivered']);
    });

    it('the window is per business number: writing to one number does not open another', async () => {
      const other = await addNumber(tp, world);
      const consumer = await engagedConsumer(number.id);
      const id = await sendOk(text(consumer), other.id);
      expect(await waitStatuses(id, 1)).toEqual(['failed']);
      expect(statusObjects(world.receiver, id)[0]?.errors?.[0]?.code).toBe(131047);
    });

    it('a recipient who is not a WhatsApp user: accepted, then failed with 131026 (text and template alike)', async () => {
      const nobody = uniqueConsumer();
      const id = await sendOk(text(nobody));
      expect(await waitStatuses(id, 1)).toEqual(['failed']);
      expect(statusObjects(world.receiver, id)[0]?.errors).toEqual([
        { code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: expect.any(String) }, href: expect.any(String) },
      ]);

      const name = uniqueName('undeliverable');
      await createTemplate(tp, world, templateBody(name));
      const viaTemplate = await sendOk({ messaging_product: 'whatsapp', to: nobody, type: 'template', template: { name, language: { code: 'en_US' } } });
      expect(await waitStatuses(viaTemplate, 1)).toEqual(['failed']);
      expect(statusObjects(world.receiver, viaTemplate)[0]?.errors?.[0]?.code).toBe(131026);
    });

    it('an offline consumer gets only "sent"; "delivered" follows when the consumer comes online', async () => {
      const consumer = await engagedConsumer();
      await tp.control('PATCH', `consumers/${consumer}`, { online: false });
      const id = await sendOk(text(consumer, 'are you there?'));
      expect(await waitStatuses(id, 1)).toEqual(['sent']);
      await settle(tp);
      expect(world.receiver.statusesOf(id)).toEqual(['sent']);
      const listed = await tp.control<{ data: { id: string; status: string }[] }>('GET', `messages?wa_id=${consumer}`);
      expect(listed.data.find((m) => m.id === id)?.status).toBe('sent');

      const online = await tp.control<{ online: number; delivered_message_ids: string[] }>('PATCH', `consumers/${consumer}`, { online: true });
      expect(online.delivered_message_ids).toEqual([id]);
      expect(await waitStatuses(id, 2)).toEqual(['sent', 'delivered']);
      expect(statusObjects(world.receiver, id)[1]).toMatchObject({ status: 'delivered', pricing: SERVICE_PRICING });
    });

    it('a consumer with auto_read reads the message right away (sent → delivered → read, no pricing on read)', async () => {
      const consumer = await engagedConsumer();
      await tp.control('PATCH', `consumers/${consumer}`, { auto_read: true });
      const id = await sendOk(text(consumer));
      expect(await waitStatuses(id, 3)).toEqual(['sent', 'delivered', 'read']);
      expect(statusObjects(world.receiver, id)[2]?.pricing).toBeUndefined();
    });

    it('echoes biz_opaque_callback_data in every status webhook, failed ones included', async () => {
      const consumer = await engagedConsumer();
      const id = await sendOk(text(consumer, 'tracked', { biz_opaque_callback_data: 'order=42;campaign=spring' }));
      expect(await waitStatuses(id, 2)).toEqual(['sent', 'delivered']);
      expect(statusObjects(world.receiver, id).map((s) => s.biz_opaque_callback_data)).toEqual(['order=42;campaign=spring', 'order=42;campaign=spring']);

      const silent = await silentConsumer();
      const failed = await sendOk(text(silent, 'tracked', { biz_opaque_callback_data: 'x'.repeat(512) }));
      expect(await waitStatuses(failed, 1)).toEqual(['failed']);
      expect(statusObjects(world.receiver, failed)[0]?.biz_opaque_callback_data).toBe('x'.repeat(512));

      const tooLong = await postMessage(tp, world.token, number.id, text(consumer, 'tracked', { biz_opaque_callback_data: 'x'.repeat(513) }));
      expectGraphError(tooLong, { status: 400, code: 100 });
    });
  });

  describe('recipients', () => {
    it('accepts +, spaces, dashes and parentheses in `to`, echoing the input and answering the digits as wa_id', async () => {
      const consumer = await engagedConsumer();
      const cc = consumer.slice(0, 2);
      const rest = consumer.slice(2);
      const formats = [`+${consumer}`, `+${cc} ${rest.slice(0, 4)} ${rest.slice(4)}`, `${cc}-${rest.slice(0, 4)}-${rest.slice(4)}`, `+${cc} (${rest.slice(0, 4)}) ${rest.slice(4, 7)}-${rest.slice(7)}`];
      for (const to of formats) {
        const res = await postMessage<SendResponseBody>(tp, world.token, number.id, text(to));
        expect(res.status, to).toBe(200);
        expect(res.body.contacts).toEqual([{ input: to, wa_id: consumer }]);
        const id = res.body.messages[0]?.id ?? '';
        expect(await waitStatuses(id, 2)).toEqual(['sent', 'delivered']);
        expect(statusObjects(world.receiver, id)[0]?.recipient_id).toBe(consumer);
      }
    });

    it('refuses to send to the business number itself with 131021', async () => {
      for (const to of [`1${number.phone_number}`, `+1 ${number.phone_number.slice(0, 3)}-${number.phone_number.slice(3, 6)}-${number.phone_number.slice(6)}`]) {
        const res = await postMessage(tp, world.token, number.id, text(to));
        expectGraphError(res, { status: 400, code: 131021, message: '(#131021) Recipient cannot be sender', details: /same/ });
      }
    });

    it('rejects a `to` that is not a phone number with 131009', async () => {
      for (const to of ['not-a-number', '12345', '1234567890123456', '+', 'abc16505551234']) {
        const res = await postMessage(tp, world.token, number.id, text(to));
        expectGraphError(res, { status: 400, code: 131009, message: '(#131009) Parameter value is not valid', details: /to/ });
      }
    });
  });

  describe('request validation', () => {
    it('requires messaging_product', async () => {
      const consumer = await engagedConsumer();
      const res = await postMessage(tp, world.token, number.id, { to: consumer, type: 'text', text: { body: 'x' } });
      expectGraphError(res, { status: 400, code: 100, message: '(#100) The parameter messaging_product is required.' });
      const wrong = await postMessage(tp, world.token, number.id, { messaging_product: 'sms', to: consumer, text: { body: 'x' } });
      expectGraphError(wrong, { status: 400, code: 100, message: '(#100) Invalid parameter', details: /messaging_product/ });
    });

    it('requires `to`', async () => {
      const res = await postMessage(tp, world.token, number.id, { messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } });
      expectGraphError(res, { status: 400, code: 100, message: '(#100) The parameter to is required.' });
    });

    it('rejects an unknown message type', async () => {
      const consumer = await engagedConsumer();
      const res = await postMessage(tp, world.token, number.id, { messaging_product: 'whatsapp', to: consumer, type: 'hologram', hologram: { body: 'x' } });
      expectGraphError(res, { status: 400, code: 100, message: '(#100) Invalid parameter', details: /type/ });
    });

    it('answers 131008 when the object for the message type is missing', async () => {
      const consumer = await engagedConsumer();
      for (const type of ['text', 'image', 'template', 'location', 'reaction']) {
        const res = await postMessage(tp, world.token, number.id, { messaging_product: 'whatsapp', to: consumer, type });
        expectGraphError(res, { status: 400, code: 131008, message: '(#131008) Required parameter is missing', details: new RegExp(type) });
      }
      // The payload for another type does not count.
      const mismatched = await postMessage(tp, world.token, number.id, { messaging_product: 'whatsapp', to: consumer, type: 'image', text: { body: 'x' } });
      expectGraphError(mismatched, { status: 400, code: 131008 });
    });

    it('limits a text body to 4096 characters', async () => {
      const consumer = await engagedConsumer();
      const max = await sendOk(text(consumer, 'a'.repeat(4096)));
      expect(await waitStatuses(max, 2)).toEqual(['sent', 'delivered']);
      const over = await postMessage(tp, world.token, number.id, text(consumer, 'a'.repeat(4097)));
      expectGraphError(over, { status: 400, code: 100, details: /body/ });
      const empty = await postMessage(tp, world.token, number.id, text(consumer, ''));
      expectGraphError(empty, { status: 400, code: 100 });
    });

    it('rejects unknown keys in the text object', async () => {
      const consumer = await engagedConsumer();
      const res = await postMessage(tp, world.token, number.id, { messaging_product: 'whatsapp', to: consumer, type: 'text', text: { body: 'hi', font: 'comic-sans' } });
      expectGraphError(res, { status: 400, code: 100, details: /font/ });
      // preview_url is a known key.
      await sendOk({ messaging_product: 'whatsapp', to: consumer, type: 'text', text: { body: 'https://example.com', preview_url: true } });
    });

    it('rejects malformed JSON with the Graph envelope', async () => {
      const res = await tp.request('POST', `/v23.0/${number.id}/messages`, { token: world.token, body: '{"messaging_product":', headers: { 'content-type': 'application/json' } });
      expectGraphError(res, { status: 400, code: 100 });
    });

    // JSON.parse takes it, but the recursive walks after it (validation, JSON.stringify into the store) overflowed: 500.
    it('refuses JSON nested thousands deep with (#100), and takes 64 levels', async () => {
      const consumer = await engagedConsumer();
      const deep = (levels: number): string =>
        `{"messaging_product":"whatsapp","to":"${consumer}","type":"interactive","interactive":{"type":"button","action":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}}`;
      const send = (body: string) => tp.request('POST', `/v23.0/${number.id}/messages`, { token: world.token, body, headers: { 'content-type': 'application/json' } });
      expectGraphError(await send(deep(5000)), { status: 400, code: 100, details: /deeper than 64 levels/ });
      // 62 levels of action inside the envelope's 2 is at the limit: past the parser (what validation says of it is another matter).
      expect(JSON.stringify((await send(deep(62))).body)).not.toMatch(/deeper than/);
      expectGraphError(await send(deep(63)), { status: 400, code: 100, details: /deeper than 64 levels/ });
    });

    it('accepts a form-encoded body like a JSON one', async () => {
      const consumer = await engagedConsumer();
      const form = new URLSearchParams({ messaging_product: 'whatsapp', to: consumer, type: 'text', text: JSON.stringify({ body: 'from a form' }) }).toString();
      const res = await tp.request<SendResponseBody>('POST', `/v23.0/${number.id}/messages`, { token: world.token, body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.contacts).toEqual([{ input: consumer, wa_id: consumer }]);
    });
  });

  describe('templates', () => {
    const tplMessage = (to: string, name: string, language = 'en_US', components?: unknown[]) => ({
      messaging_product: 'whatsapp',
      to,
      type: 'template',
      template: { name, language: { code: language }, ...(components && { components }) },
    });
    const bodyParams = (...values: string[]) => [{ type: 'body', parameters: values.map((v) => ({ type: 'text', text: v })) }];

    it('an approved template reaches a consumer outside the window, billed in its category', async () => {
      const consumer = await silentConsumer();
      const name = uniqueName('shipping');
      await createTemplate(tp, world, templateBody(name, { params: 1 }));
      const id = await sendOk(tplMessage(consumer, name, 'en_US', bodyParams('#123')));
      expect(await waitStatuses(id, 2)).toEqual(['sent', 'delivered']);
      expect(statusObjects(world.receiver, id)[0]?.pricing).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' });
    });

    it('a utility template inside the window is free; a marketing one is billed', async () => {
      const consumer = await engagedConsumer();
      const utility = uniqueName('util');
      const marketing = uniqueName('mkt');
      await createTemplate(tp, world, templateBody(utility));
      await createTemplate(tp, world, templateBody(marketing, { category: 'MARKETING', text: 'Spring sale: 20% off everything!' }));
      const u = await sendOk(tplMessage(consumer, utility));
      const m = await sendOk(tplMessage(consumer, marketing));
      await waitStatuses(u, 2);
      await waitStatuses(m, 2);
      expect(statusObjects(world.receiver, u)[0]?.pricing).toEqual({ billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'utility' });
      expect(statusObjects(world.receiver, m)[0]?.pricing).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' });
    });

    it('a missing template, or one missing in the requested language, is 132001 with HTTP 404', async () => {
      const consumer = await silentConsumer();
      const missing = await postMessage(tp, world.token, number.id, tplMessage(consumer, 'no_such_template'));
      expectGraphError(missing, { status: 404, code: 132001, message: '(#132001) Template name does not exist in the translation', details: /no_such_template.*en_US/ });

      const name = uniqueName('lang');
      await createTemplate(tp, world, templateBody(name, { language: 'en_US' }));
      const wrongLanguage = await postMessage(tp, world.token, number.id, tplMessage(consumer, name, 'pt_BR'));
      expectGraphError(wrongLanguage, { status: 404, code: 132001, details: new RegExp(`${name}.*pt_BR`) });
    });

    it('a template from another WABA is not found (132001)', async () => {
      const waba = await tp.control<{ id: string }>('POST', 'wabas', { name: 'Other WABA', owner_business_id: world.businessId, partner_business_id: world.partnerId });
      const name = uniqueName('elsewhere');
      await createTemplate(tp, world, templateBody(name), waba.id);
      const consumer = await silentConsumer();
      const res = await postMessage(tp, world.token, number.id, tplMessage(consumer, name));
      expectGraphError(res, { status: 404, code: 132001 });
    });

    it('a rejected template cannot be sent (132001)', async () => {
      const name = uniqueName('rejected');
      const created = await createTemplate(tp, world, templateBody(name, { category: 'UTILITY', text: 'Get a 20% discount today' }));
      expect(created.status).toBe('REJECTED');
      const res = await postMessage(tp, world.token, number.id, tplMessage(await silentConsumer(), name));
      expectGraphError(res, { status: 404, code: 132001 });
    });

    it('PAUSED → 132015, DISABLED → 132016, and sendable again once re-approved', async () => {
      const consumer = await silentConsumer();
      const name = uniqueName('lifecycle');
      const { id } = await createTemplate(tp, world, templateBody(name));

      await tp.control('POST', `templates/${id}/status`, { status: 'PAUSED', reason: 'LOW_QUALITY' });
      const paused = await postMessage(tp, world.token, number.id, tplMessage(consumer, name));
      expectGraphError(paused, { status: 400, code: 132015, message: '(#132015) Template is Paused', details: new RegExp(name) });

      await tp.control('POST', `templates/${id}/status`, { status: 'DISABLED' });
      const disabled = await postMessage(tp, world.token, number.id, tplMessage(consumer, name));
      expectGraphError(disabled, { status: 400, code: 132016, message: '(#132016) Template is Disabled', details: new RegExp(name) });

      await tp.control('POST', `templates/${id}/status`, { status: 'APPROVED' });
      const msg = await sendOk(tplMessage(consumer, name));
      expect(await waitStatuses(msg, 2)).toEqual(['sent', 'delivered']);
    });

    it('checks the number of body and header parameters (132000)', async () => {
      const consumer = await silentConsumer();
      const name = uniqueName('params');
      await createTemplate(tp, world, templateBody(name, { params: 2 }));

      for (const components of [undefined, bodyParams('only one'), bodyParams('a', 'b', 'c')]) {
        const res = await postMessage(tp, world.token, number.id, tplMessage(consumer, name, 'en_US', components));
        expectGraphError(res, { status: 400, code: 132000, message: '(#132000) Number of parameters does not match the expected number of params', details: /body/ });
      }
      await sendOk(tplMessage(consumer, name, 'en_US', bodyParams('a', 'b')));

      const withHeader = uniqueName('header');
      await createTemplate(tp, world, {
        name: withHeader,
        language: 'en_US',
        category: 'UTILITY',
        components: [
          { type: 'HEADER', format: 'IMAGE' },
          { type: 'BODY', text: 'Your receipt is attached.' },
        ],
      });
      const noHeader = await postMessage(tp, world.token, number.id, tplMessage(consumer, withHeader));
      expectGraphError(noHeader, { status: 400, code: 132000, details: /header/ });
      await sendOk(tplMessage(consumer, withHeader, 'en_US', [{ type: 'header', parameters: [{ type: 'image', image: { link: 'https://example.com/receipt.png' } }] }]));
    });

    it('names the missing template fields', async () => {
      const consumer = await silentConsumer();
      const noLanguage = await postMessage(tp, world.token, number.id, { messaging_product: 'whatsapp', to: consumer, type: 'template', template: { name: 'x' } });
      expectGraphError(noLanguage, { status: 400, code: 131008 });
    });
  });

  describe('media messages', () => {
    it('sends media by link', async () => {
      const consumer = await engagedConsumer();
      const id = await sendOk({ messaging_product: 'whatsapp', to: consumer, type: 'image', image: { link: 'https://example.com/cat.jpg', caption: 'A cat' } });
      expect(await waitStatuses(id, 2)).toEqual(['sent', 'delivered']);
      const doc = await sendOk({ messaging_product: 'whatsapp', to: consumer, type: 'document', document: { link: 'http://example.com/a.pdf', filename: 'a.pdf' } });
      expect(await waitStatuses(doc, 2)).toEqual(['sent', 'delivered']);
    });

    it('rejects a link that is not http(s), and an object with both or neither of id and link', async () => {
      const consumer = await engagedConsumer();
      for (const image of [{ link: 'ftp://example.com/cat.jpg' }, { link: 'not a url' }, { link: 'https://example.com/a.jpg', id: '123' }, { caption: 'nothing to show' }]) {
        const res = await postMessage(tp, world.token, number.id, { messaging_product: 'whatsapp', to: consumer, type: 'image', image });
        expectGraphError(res, { status: 400, code: 100 });
      }
    });

    it('sends media by the id of an upload from the same WABA', async () => {
      const consumer = await engagedConsumer();
      const upload = await uploadMedia(tp, world.token, number.id, { data: bytes(2048), mime: 'image/png', filename: 'chart.png' });
      expect(upload.status).toBe(200);
      const id = await sendOk({ messaging_product: 'whatsapp', to: consumer, type: 'image', image: { id: upload.body.id } });
      expect(await waitStatuses(id, 2)).toEqual(['sent', 'delivered']);

      // Another number in the same WABA may use it too.
      const sibling = await addNumber(tp, world);
      const siblingConsumer = await engagedConsumer(sibling.id);
      await sendOk({ messaging_product: 'whatsapp', to: siblingConsumer, type: 'image', image: { id: upload.body.id } }, sibling.id);
    });

    it('an unknown or deleted media id is 100', async () => {
      const consumer = await engagedConsumer();
      const unknown = await postMessage(tp, world.token, number.id, { messaging_product: 'whatsapp', to: consumer, type: 'image', image: { id: '999999999999999' } });
      expectGraphError(unknown, { status: 400, code: 100, message: '(#100) Invalid parameter', details: /image/ });

      const upload = await uploadMedia(tp, world.token, number.id, { data: bytes(100), mime: 'image/jpeg' });
      const del = await tp.graph('DELETE', upload.body.id, world.token);
      expect(del).toMatchObject({ status: 200, body: { success: true } });
      const deleted = await postMessage(tp, world.token, number.id, { messaging_product: 'whatsapp', to: consumer, type: 'image', image: { id: upload.body.id } });
      expectGraphError(deleted, { status: 400, code: 100, details: /image/ });
    });

    it('media uploaded in another WABA cannot be sent from this one', async () => {
      const other = await createWorld(tp);
      try {
        const otherNumber = await addNumber(tp, other);
        const upload = await uploadMedia(tp, other.token, otherNumber.id, { data: bytes(100), mime: 'image/jpeg' });
        expect(upload.status).toBe(200);
        const consumer = await engagedConsumer();
        const res = await postMessage(tp, world.token, number.id, { messaging_product: 'whatsapp', to: consumer, type: 'image', image: { id: upload.body.id } });
        expectGraphError(res, { status: 400, code: 100, details: /image/ });
      } finally {
        await other.receiver.stop();
      }
    });

    it('an expired upload (older than 30 days) cannot be sent', async () => {
      const consumer = await engagedConsumer();
      const upload = await uploadMedia(tp, world.token, number.id, { data: bytes(100), mime: 'image/jpeg' });
      await tp.control('POST', 'clock/advance', { seconds: 31 * 24 * 3600 });
      await sendInbound(tp, number.id, 'still here', consumer);
      const res = await postMessage(tp, world.token, number.id, { messaging_product: 'whatsapp', to: consumer, type: 'image', image: { id: upload.body.id } });
      expectGraphError(res, { status: 400, code: 100, details: /image/ });
    });
  });

  describe('sender number and token', () => {
    it('a number never registered on Cloud API cannot send (133010)', async () => {
      const fresh = await addNumber(tp, world, { register_pin: undefined });
      const res = await postMessage(tp, world.token, fresh.id, text(await silentConsumer()));
      expectGraphError(res, { status: 400, code: 133010, message: '(#133010) Account not registered', details: /not registered/ });
    });

    it('a deregistered number cannot send (133010), and can again after registering', async () => {
      const n = await addNumber(tp, world);
      const consumer = await engagedConsumer(n.id);
      const dereg = await tp.graph('POST', `${n.id}/deregister`, world.token);
      expect(dereg).toMatchObject({ status: 200, body: { success: true } });
      expectGraphError(await postMessage(tp, world.token, n.id, text(consumer)), { status: 400, code: 133010 });
      // Mark-as-read needs a registered number too.
      expectGraphError(await postMessage(tp, world.token, n.id, { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.x' }), { status: 400, code: 133010 });

      const reg = await tp.graph('POST', `${n.id}/register`, world.token, { messaging_product: 'whatsapp', pin: '123456' });
      expect(reg).toMatchObject({ status: 200, body: { success: true } });
      await sendInbound(tp, n.id, 'hello again', consumer);
      await sendOk(text(consumer), n.id);
    });

    it('a token without whatsapp_business_messaging gets 403 / code 200', async () => {
      const { access_token } = await tp.control<{ access_token: string }>('POST', 'tokens', { app_id: world.appId, business_ids: [world.partnerId], permissions: ['whatsapp_business_management'] });
      const res = await postMessage(tp, access_token, number.id, text(await engagedConsumer()));
      expectGraphError(res, { status: 403, code: 200, message: /whatsapp_business_messaging/ });
    });

    it('no token → 104; unknown token → 190; a number the token cannot see → 100/33', async () => {
      const consumer = await engagedConsumer();
      const none = await tp.request('POST', `/v23.0/${number.id}/messages`, { body: text(consumer) });
      expectGraphError(none, { status: 400, code: 104 });
      const bogus = await postMessage(tp, 'EAASnotarealtoken', number.id, text(consumer));
      expectGraphError(bogus, { status: 401, code: 190 });

      const stranger = await createWorld(tp);
      try {
        const res = await postMessage(tp, stranger.token, number.id, text(consumer));
        expectGraphError(res, { status: 400, code: 100, subcode: 33, type: 'GraphMethodException', message: new RegExp(`^Unsupported post request\\. Object with ID '${number.id}' does not exist`) });
      } finally {
        await stranger.receiver.stop();
      }
    });
  });

  describe('mark as read', () => {
    const read = (messageId: string) => ({ messaging_product: 'whatsapp', status: 'read', message_id: messageId });

    it('marks an inbound message as read → {success:true}', async () => {
      const consumer = uniqueConsumer();
      const inbound = await sendInbound(tp, number.id, 'please read me', consumer);
      const res = await postMessage(tp, world.token, number.id, read(inbound.messageId ?? ''));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true });
      const listed = await tp.control<{ data: { id: string; status: string }[] }>('GET', `messages?wa_id=${consumer}`);
      expect(listed.data.find((m) => m.id === inbound.messageId)?.status).toBe('read');
      // Idempotent.
      expect((await postMessage(tp, world.token, number.id, read(inbound.messageId ?? ''))).body).toEqual({ success: true });
    });

    it('an unknown id, an outbound id, or another number\'s message is 100', async () => {
      const unknown = await postMessage(tp, world.token, number.id, read('wamid.doesnotexist'));
      expectGraphError(unknown, { status: 400, code: 100, details: /message_id/ });

      const consumer = await engagedConsumer();
      const outbound = await sendOk(text(consumer));
      expectGraphError(await postMessage(tp, world.token, number.id, read(outbound)), { status: 400, code: 100 });

      const other = await addNumber(tp, world);
      const inbound = await sendInbound(tp, other.id, 'for the other number', uniqueConsumer());
      expectGraphError(await postMessage(tp, world.token, number.id, read(inbound.messageId ?? '')), { status: 400, code: 100 });
    });

    it('requires messaging_product and message_id', async () => {
      expectGraphError(await postMessage(tp, world.token, number.id, { status: 'read', message_id: 'wamid.x' }), { status: 400, code: 100, message: '(#100) The parameter messaging_product is required.' });
      expectGraphError(await postMessage(tp, world.token, number.id, { messaging_product: 'whatsapp', status: 'read' }), { status: 400, code: 100, message: '(#100) The parameter message_id is required.' });
    });
  });
});
