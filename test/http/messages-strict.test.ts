import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER, TestPlatform, addNumber, createWorld, graphError, sendInbound, type World } from '../support/platform.js';

/** Cloud API refuses body properties the On-Premises API tolerated (api-facts D.4). */
describe('unknown properties in message objects', () => {
  let tp: TestPlatform;
  let world: World;
  let numberId: string;
  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
    numberId = (await addNumber(tp, world)).id;
    await sendInbound(tp, numberId);
  });
  afterAll(async () => {
    await world.receiver.stop();
    await tp.stop();
  });

  it.each([
    ['image', { link: 'https://example.com/a.jpg', provider: 'legacy' }],
    ['location', { latitude: 1, longitude: 2, url: 'https://maps.example' }],
  ])('refuses an unknown key in %s with (#100) Invalid parameter', async (type, object) => {
    const res = await tp.graph('POST', `${numberId}/messages`, world.token, { messaging_product: 'whatsapp', to: CONSUMER, type, [type]: object });
    expect(res.status).toBe(400);
    const err = graphError(res);
    expect(err).toMatchObject({ code: 100, message: '(#100) Invalid parameter' });
    expect(err.error_data?.details).toMatch(/nrecognized key/);
  });

  it('accepts the same objects without the extra key', async () => {
    const res = await tp.graph('POST', `${numberId}/messages`, world.token, { messaging_product: 'whatsapp', to: CONSUMER, type: 'image', image: { link: 'https://example.com/a.jpg' } });
    expect(res.status).toBe(200);
  });

  // JSON.parse and the form parser keep "__proto__" as a plain key; it must not lend its fields to the request.
  const hidden = JSON.stringify({ messaging_product: 'whatsapp', to: CONSUMER, type: 'text', text: { body: 'hidden' } });
  it.each([
    ['application/json', `{"__proto__": ${hidden}}`],
    ['application/x-www-form-urlencoded', `__proto__=${encodeURIComponent(hidden)}`],
  ])('does not read parameters nested under __proto__ (%s)', async (contentType, body) => {
    const res = await tp.request('POST', `/v23.0/${numberId}/messages`, { token: world.token, body, headers: { 'content-type': contentType } });
    expect(res.status).toBe(400);
    expect(graphError(res).code).toBe(100);
  });
});
