import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPlatform, addNumber, createWorld, type HttpResult, type World } from '../support/platform.js';
import { bytes, expectGraphError, uniqueConsumer, uploadMedia } from '../support/message-helpers.js';

interface MediaInfo {
  messaging_product: string;
  url: string;
  mime_type: string;
  sha256: string;
  /** Meta's schema allows a decimal string or an integer. */
  file_size: string | number;
  id: string;
}

const MB = 1024 * 1024;
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** `POST /{PHONE_NUMBER_ID}/media`, `GET|DELETE /{MEDIA_ID}` and the lookaside download URL. */
describe('media', () => {
  let tp: TestPlatform;
  let world: World;
  let number: { id: string };

  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
    number = await addNumber(tp, world);
  });
  afterAll(async () => {
    await world.receiver.stop();
    await tp.stop();
  });

  async function upload(data: Uint8Array, mime = 'image/jpeg', filename = 'photo.jpg'): Promise<string> {
    const res = await uploadMedia(tp, world.token, number.id, { data, mime, filename });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.id;
  }

  const info = (id: string, query = '', token = world.token): Promise<HttpResult<MediaInfo>> => tp.graph<MediaInfo>('GET', `${id}${query}`, token);

  async function download(url: string, token: string | null = world.token): Promise<{ status: number; type: string | null; data: Uint8Array; text: string }> {
    const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const data = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get('content-type'), data, text: Buffer.from(data).toString('utf8') };
  }

  describe('upload', () => {
    it('answers {id} with a numeric media id', async () => {
      const res = await uploadMedia(tp, world.token, number.id, { data: bytes(1000), mime: 'image/jpeg', filename: 'photo.jpg' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: expect.stringMatching(/^\d+$/) });
    });

    it('accepts every family of supported types', async () => {
      for (const mime of ['image/png', 'video/mp4', 'audio/ogg', 'audio/mpeg', 'application/pdf', 'text/plain', 'image/webp']) {
        const res = await uploadMedia(tp, world.token, number.id, { data: bytes(64), mime });
        expect(res.status, `${mime}: ${JSON.stringify(res.body)}`).toBe(200);
      }
    });

    it('uses the `type` form field as the MIME type when given', async () => {
      const res = await uploadMedia(tp, world.token, number.id, { data: bytes(64), mime: 'application/octet-stream', type: 'image/png' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect((await info(res.body.id)).body.mime_type).toBe('image/png');
    });

    it('requires messaging_product', async () => {
      const res = await uploadMedia(tp, world.token, number.id, { data: bytes(64), mime: 'image/jpeg', messagingProduct: null });
      expectGraphError(res, { status: 400, code: 100, message: '(#100) The parameter messaging_product is required.' });
      const wrong = await uploadMedia(tp, world.token, number.id, { data: bytes(64), mime: 'image/jpeg', messagingProduct: 'instagram' });
      expectGraphError(wrong, { status: 400, code: 100, message: '(#100) Invalid parameter' });
    });

    it('requires a file', async () => {
      const res = await uploadMedia(tp, world.token, number.id, { data: '', mime: 'image/jpeg', withFile: false });
      expectGraphError(res, { status: 400, code: 100, message: '(#100) The parameter file is required.' });
    });

    it('rejects an unsupported MIME type with 131053', async () => {
      for (const mime of ['application/x-msdownload', 'image/gif', 'application/zip']) {
        const res = await uploadMedia(tp, world.token, number.id, { data: bytes(64), mime });
        expectGraphError(res, { status: 400, code: 131053, message: '(#131053) Media upload error', details: new RegExp(mime.replace('/', '\\/')) });
      }
    });

    it('rejects an empty file with 131053', async () => {
      const res = await uploadMedia(tp, world.token, number.id, { data: new Uint8Array(0), mime: 'image/jpeg' });
      expectGraphError(res, { status: 400, code: 131053, details: /empty/ });
    });

    it('enforces the size limit of each type: image 5 MB, sticker (webp) 500 KB, audio 16 MB', async () => {
      const atLimit = await uploadMedia(tp, world.token, number.id, { data: bytes(5 * MB), mime: 'image/jpeg' });
      expect(atLimit.status, JSON.stringify(atLimit.body)).toBe(200);
      const tooBig = await uploadMedia(tp, world.token, number.id, { data: bytes(5 * MB + 1), mime: 'image/jpeg' });
      expectGraphError(tooBig, { status: 400, code: 131053, message: '(#131053) Media upload error', details: /5242880/ });

      const sticker = await uploadMedia(tp, world.token, number.id, { data: bytes(500 * 1024 + 1), mime: 'image/webp' });
      expectGraphError(sticker, { status: 400, code: 131053 });

      // The same 5 MB + 1 bytes are fine as audio.
      const audio = await uploadMedia(tp, world.token, number.id, { data: bytes(5 * MB + 1), mime: 'audio/mpeg' });
      expect(audio.status, JSON.stringify(audio.body)).toBe(200);
    });

    it('needs whatsapp_business_messaging, a token, and a number the token can see', async () => {
      const { access_token } = await tp.control<{ access_token: string }>('POST', 'tokens', { app_id: world.appId, business_ids: [world.partnerId], permissions: ['whatsapp_business_management'] });
      expectGraphError(await uploadMedia(tp, access_token, number.id, { data: bytes(64), mime: 'image/jpeg' }), { status: 403, code: 200 });
      expectGraphError(await uploadMedia(tp, world.token, number.id, { data: bytes(64), mime: 'image/jpeg', token: null }), { status: 400, code: 104 });
      expectGraphError(await uploadMedia(tp, world.token, '123456789012345', { data: bytes(64), mime: 'image/jpeg' }), { status: 400, code: 100, subcode: 33, type: 'GraphMethodException' });
    });
  });

  describe('GET /{MEDIA_ID}', () => {
    it('describes the media: messaging_product, url, mime_type, sha256 of the content, file_size, id', async () => {
      const data = bytes(4321, 3);
      const id = await upload(data, 'application/pdf', 'invoice.pdf');
      const res = await info(id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ messaging_product: 'whatsapp', url: expect.any(String), mime_type: 'application/pdf', sha256: sha256(data), file_size: expect.anything(), id });
      expect(String(res.body.file_size)).toBe('4321');
      expect(res.body.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(new URL(res.body.url).origin).toBe(new URL(tp.base).origin);
    });

    it('accepts phone_number_id when it is the uploader, and rejects a different one with 100', async () => {
      const id = await upload(bytes(10));
      expect((await info(id, `?phone_number_id=${number.id}`)).status).toBe(200);
      const other = await addNumber(tp, world);
      expectGraphError(await info(id, `?phone_number_id=${other.id}`), { status: 400, code: 100, details: /phone_number_id/ });
      expectGraphError(await tp.graph('DELETE', `${id}?phone_number_id=${other.id}`, world.token), { status: 400, code: 100, details: /phone_number_id/ });
      // The refused DELETE left it in place.
      expect((await info(id)).status).toBe(200);
    });

    it('an unknown media id, or one in a WABA the token cannot see, is 100/33', async () => {
      expectGraphError(await info('998877665544332'), { status: 400, code: 100, subcode: 33, type: 'GraphMethodException', message: /^Unsupported get request\. Object with ID '998877665544332' does not exist/ });
      const id = await upload(bytes(10));
      const stranger = await createWorld(tp);
      try {
        expectGraphError(await info(id, '', stranger.token), { status: 400, code: 100, subcode: 33, type: 'GraphMethodException' });
      } finally {
        await stranger.receiver.stop();
      }
    });

    it('media a consumer sent (from the inbound webhook) can be described and downloaded', async () => {
      const res = await tp.control<{ delivered: boolean; messageId: string }>('POST', 'inbound', { phone_number_id: number.id, from: uniqueConsumer(), type: 'image', caption: 'look' });
      expect(res.delivered).toBe(true);
      await world.receiver.waitFor(() => world.receiver.inboundMessages().some((m) => m['id'] === res.messageId));
      const message = world.receiver.inboundMessages().find((m) => m['id'] === res.messageId) as { image: { id: string; sha256: string; mime_type: string; caption: string } };
      expect(message.image).toMatchObject({ mime_type: 'image/jpeg', caption: 'look' });
      const described = await info(message.image.id);
      expect(described.status).toBe(200);
      expect(described.body).toMatchObject({ id: message.image.id, mime_type: 'image/jpeg', sha256: message.image.sha256 });
      const got = await download(described.body.url);
      expect(got.status).toBe(200);
      expect(sha256(got.data)).toBe(message.image.sha256);
      expect(String(got.data.length)).toBe(String(described.body.file_size));
    });
  });

  describe('download URL', () => {
    it('returns the exact bytes with the MIME type to a Bearer token', async () => {
      const data = bytes(70_000, 11);
      const id = await upload(data, 'image/png', 'chart.png');
      const { body } = await info(id);
      const got = await download(body.url);
      expect(got.status).toBe(200);
      expect(got.type).toMatch(/^image\/png/);
      expect(Buffer.from(got.data).equals(Buffer.from(data))).toBe(true);
    });

    it('refuses a request without a token, and one with an unknown token, with the Graph envelope', async () => {
      const id = await upload(bytes(100));
      const { body } = await info(id);
      const anonymous = await fetch(body.url);
      expect(anonymous.status).toBe(400);
      expect(((await anonymous.json()) as { error: { code: number } }).error.code).toBe(104);
      const bogus = await fetch(body.url, { headers: { authorization: 'Bearer EAASnope' } });
      expect(bogus.status).toBe(401);
      expect(((await bogus.json()) as { error: { code: number } }).error.code).toBe(190);
    });

    it('a forged or tampered URL is 404', async () => {
      const id = await upload(bytes(100));
      const other = await upload(bytes(100, 99));
      const url = new URL((await info(id)).body.url);
      const forged = new URL(url);
      forged.searchParams.set('hash', '0'.repeat(32));
      expect((await download(forged.toString())).status).toBe(404);
      const otherMedia = new URL(url);
      otherMedia.searchParams.set('mid', other);
      expect((await download(otherMedia.toString())).status).toBe(404);
      const later = new URL(url);
      later.searchParams.set('ext', String(Number(url.searchParams.get('ext')) + 3600));
      expect((await download(later.toString())).status).toBe(404);
      expect((await download(url.toString())).status).toBe(200);
    });

    it('expires after 5 minutes; a fresh GET gives a working URL', async () => {
      const data = bytes(512, 5);
      const id = await upload(data);
      const url = (await info(id)).body.url;
      await tp.control('POST', 'clock/advance', { seconds: 4 * 60 });
      expect((await download(url)).status).toBe(200);
      await tp.control('POST', 'clock/advance', { seconds: 2 * 60 });
      expect((await download(url)).status).toBe(404);
      const fresh = await download((await info(id)).body.url);
      expect(fresh.status).toBe(200);
      expect(Buffer.from(fresh.data).equals(Buffer.from(data))).toBe(true);
    });
  });

  describe('DELETE /{MEDIA_ID}', () => {
    it('deletes: {success:true}, then GET and DELETE are 100/33 and the URL is 404', async () => {
      const id = await upload(bytes(100));
      const url = (await info(id)).body.url;
      const del = await tp.graph('DELETE', `${id}?phone_number_id=${number.id}`, world.token);
      expect(del.status).toBe(200);
      expect(del.body).toEqual({ success: true });
      expectGraphError(await info(id), { status: 400, code: 100, subcode: 33, type: 'GraphMethodException', message: /^Unsupported get request/ });
      expectGraphError(await tp.graph('DELETE', id, world.token), { status: 400, code: 100, subcode: 33, type: 'GraphMethodException', message: /^Unsupported delete request/ });
      expect((await download(url)).status).toBe(404);
    });

    it('needs whatsapp_business_messaging', async () => {
      const id = await upload(bytes(100));
      const { access_token } = await tp.control<{ access_token: string }>('POST', 'tokens', { app_id: world.appId, business_ids: [world.partnerId], permissions: ['whatsapp_business_management'] });
      expectGraphError(await tp.graph('DELETE', id, access_token), { status: 403, code: 200 });
      expectGraphError(await info(id, '', access_token), { status: 403, code: 200 });
      expect((await info(id)).status).toBe(200);
    });
  });

  describe('lifetime', () => {
    it('an upload lives 30 days', async () => {
      const id = await upload(bytes(100));
      await tp.control('POST', 'clock/advance', { seconds: 29 * 24 * 3600 });
      expect((await info(id)).status).toBe(200);
      await tp.control('POST', 'clock/advance', { seconds: 2 * 24 * 3600 });
      expectGraphError(await info(id), { status: 400, code: 100, subcode: 33, type: 'GraphMethodException' });
    });
  });
});
