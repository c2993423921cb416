import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER, TestPlatform, addNumber, createWorld, graphError, sendInbound, sharedPlatform, type World } from '../support/platform.js';

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

/** What Cloud API refuses in interactive, location and reaction messages (api-facts D.4, B.11). */
describe('interactive, location and reaction objects', () => {
  const shared = sharedPlatform();
  let numberId: string;
  beforeAll(async () => {
    numberId = (await addNumber(shared.tp, shared.world)).id;
    await sendInbound(shared.tp, numberId);
  });

  const send = (type: string, object: unknown) => shared.tp.graph('POST', `${numberId}/messages`, shared.world.token, { messaging_product: 'whatsapp', to: CONSUMER, type, [type]: object });
  const buttons = (...titles: string[]) => ({ type: 'button', body: { text: 'Pick one' }, action: { buttons: titles.map((title, i) => ({ type: 'reply', reply: { id: `b${i}`, title } })) } });
  const list = { type: 'list', body: { text: 'Menu' }, action: { button: 'Open', sections: [{ title: 'Mains', rows: [{ id: 'r1', title: 'Soup' }] }] } };

  it('accepts well-formed button and list messages, and unknown interactive types loosely', async () => {
    for (const object of [buttons('Yes', 'No'), list, { type: 'cta_url', body: { text: 'Visit' }, action: { name: 'cta_url', parameters: { display_text: 'Go', url: 'https://x.example' } } }]) {
      expect((await send('interactive', object)).status, JSON.stringify(object)).toBe(200);
    }
  });

  it.each([
    ['a whitespace-only button title', buttons('Yes', '   ')],
    ['a whitespace-only body', { ...buttons('Yes'), body: { text: ' \n ' } }],
    ['an empty interactive type', { ...buttons('Yes'), type: '   ' }],
    ['no buttons', buttons()],
    ['four buttons', buttons('a', 'b', 'c', 'd')],
    ['a list without sections', { ...list, action: { button: 'Open' } }],
    ['a body over 1,024 characters', { ...buttons('Yes'), body: { text: 'x'.repeat(1025) } }],
  ])('refuses %s with (#100)', async (_what, object) => {
    const res = await send('interactive', object);
    expect(res.status).toBe(400);
    expect(graphError(res)).toMatchObject({ code: 100, message: '(#100) Invalid parameter' });
  });

  it('takes coordinates as numbers or numeric strings within range', async () => {
    expect((await send('location', { latitude: '51.5', longitude: -0.12 })).status).toBe(200);
    for (const [latitude, longitude] of [[91, 0], [0, 181], ['NaN', 0], ['north', 0], [-90.5, 0]]) {
      expect((await send('location', { latitude, longitude })).status, `${String(latitude)}, ${String(longitude)}`).toBe(400);
    }
  });

  it('takes an emoji or an empty string (removal) as a reaction, not plain text', async () => {
    const inbound = (await sendInbound(shared.tp, numberId)).messageId ?? '';
    expect((await send('reaction', { message_id: inbound, emoji: '👍' })).status).toBe(200);
    expect((await send('reaction', { message_id: inbound, emoji: '' })).status).toBe(200);
    expect((await send('reaction', { message_id: inbound, emoji: 'thumbs up' })).status).toBe(400);
  });
});
