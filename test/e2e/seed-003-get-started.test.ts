import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONSUMER, TestPlatform, addNumber, createWorld, sendInbound, type World } from '../support/platform.js';

/** Seed 003, "Get started" for Solution Partners, step by step. */
describe('seed 003: subscribe app, list numbers, register, receive, reply', () => {
  let tp: TestPlatform;
  let world: World;

  beforeEach(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp, { subscribe: false });
  });
  afterEach(async () => {
    await world.receiver.stop();
    await tp.stop();
  });

  it('walks the whole flow with real webhooks', async () => {
    const number = await addNumber(tp, world, { register_pin: undefined });

    // Subscribe the app to the WABA's webhooks.
    const sub = await tp.graph('POST', `${world.wabaId}/subscribed_apps`, world.token);
    expect(sub).toMatchObject({ status: 200, body: { success: true } });

    // Get the phone number's id.
    const list = await tp.graph<{ data: { id: string; display_phone_number: string; platform_type: string }[] }>('GET', `${world.wabaId}/phone_numbers`, world.token);
    expect(list.status).toBe(200);
    const listed = list.body.data.find((n) => n.id === number.id);
    expect(listed).toMatchObject({ display_phone_number: `+1 ${number.phone_number.slice(0, 3)}-${number.phone_number.slice(3, 6)}-${number.phone_number.slice(6)}`, platform_type: 'NOT_APPLICABLE' });

    // Register with a PIN (sets up two-step verification).
    const reg = await tp.graph('POST', `${number.id}/register`, world.token, { messaging_product: 'whatsapp', pin: '654321' });
    expect(reg).toMatchObject({ status: 200, body: { success: true } });
    const after = await tp.graph('GET', `${number.id}?fields=platform_type,is_pin_enabled,status`, world.token);
    expect(after.body).toMatchObject({ platform_type: 'CLOUD_API', is_pin_enabled: true, status: 'CONNECTED' });

    // A consumer messages the business: the app gets the inbound webhook in Cloud format.
    await sendInbound(tp, number.id, 'Hello!');
    await world.receiver.waitFor(() => world.receiver.inboundMessages().length === 1);
    const delivery = world.receiver.received[0];
    expect(delivery?.validSignature).toBe(true);
    expect(delivery?.body).toMatchObject({
      object: 'whatsapp_business_account',
      entry: [{ id: world.wabaId, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: number.id, display_phone_number: `1${number.phone_number}` }, contacts: [{ profile: { name: 'Kerry Fisher' }, wa_id: CONSUMER }], messages: [{ from: CONSUMER, type: 'text', text: { body: 'Hello!' } }] } }] }],
    });

    // Reply inside the customer service window, then follow its status webhooks.
    const reply = await tp.graph<{ messaging_product: string; contacts: unknown[]; messages: { id: string }[] }>('POST', `${number.id}/messages`, world.token, {
      messaging_product: 'whatsapp',
      to: CONSUMER,
      text: { body: 'hello world!' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ messaging_product: 'whatsapp', contacts: [{ input: CONSUMER, wa_id: CONSUMER }] });
    const id = reply.body.messages[0]?.id ?? '';
    expect(id).toMatch(/^wamid\./);
    expect(id.length).toBeLessThanOrEqual(128);
    await world.receiver.waitFor(() => world.receiver.statusesOf(id).length === 2);
    expect(world.receiver.statusesOf(id)).toEqual(['sent', 'delivered']);

    // The consumer reads it.
    await tp.control('POST', `messages/${encodeURIComponent(id)}/status`, { status: 'read' });
    await world.receiver.waitFor(() => world.receiver.statusesOf(id).includes('read'));
    expect(world.receiver.received.every((r) => r.validSignature)).toBe(true);
  });
});
