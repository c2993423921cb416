import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPlatform, addNumber, createWorld, sendInbound, type World } from '../support/platform.js';
import { WebhookReceiver } from '../support/receiver.js';
import { HandshakeSpy, createTemplate, expectGraphError, settle, templateBody, uniqueConsumer, uniqueName } from '../support/message-helpers.js';

interface SubscribedApps {
  data: { whatsapp_business_api_data: { id: string; link: string; name: string }; override_callback_uri?: string }[];
}

/** `GET|POST|DELETE /{WABA_ID}/subscribed_apps`, callback overrides, and who gets webhooks. */
describe('subscribed apps', () => {
  let tp: TestPlatform;
  const stoppers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    tp = await TestPlatform.start();
  });
  afterAll(async () => {
    for (const stop of stoppers) await stop();
    await tp.stop();
  });

  async function world(options: { subscribe?: boolean } = {}): Promise<World> {
    const w = await createWorld(tp, options);
    stoppers.push(() => w.receiver.stop());
    return w;
  }

  async function receiver(verifyToken?: string): Promise<WebhookReceiver> {
    const r = new WebhookReceiver(verifyToken);
    await r.start();
    stoppers.push(() => r.stop());
    return r;
  }

  /** A second app of the same Solution Partner, with its own callback and token. */
  async function secondApp(w: World): Promise<{ appId: string; token: string; receiver: WebhookReceiver }> {
    const r = await receiver('second-app-token');
    const app = await tp.control<{ id: string; app_secret: string }>('POST', 'apps', { name: 'Second App', business_id: w.partnerId, callback_url: r.url, verify_token: r.verifyToken });
    r.appSecret = app.app_secret;
    const { access_token } = await tp.control<{ access_token: string }>('POST', 'tokens', { app_id: app.id, business_ids: [w.partnerId] });
    return { appId: app.id, token: access_token, receiver: r };
  }

  const get = (w: World, token = w.token) => tp.graph<SubscribedApps>('GET', `${w.wabaId}/subscribed_apps`, token);
  const appEntry = (id: string, name: string) => ({ whatsapp_business_api_data: { id, link: `https://www.facebook.com/games/?app_id=${id}`, name } });
  const inboundIds = (r: WebhookReceiver): string[] => r.inboundMessages().map((m) => String(m['id']));

  describe('shapes', () => {
    it('GET lists nothing before a subscription, and the app after POST {success:true}', async () => {
      const w = await world({ subscribe: false });
      const empty = await get(w);
      expect(empty.status).toBe(200);
      expect(empty.body).toEqual({ data: [] });

      const sub = await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token);
      expect(sub.status).toBe(200);
      expect(sub.body).toEqual({ success: true });
      expect((await get(w)).body).toEqual({ data: [appEntry(w.appId, 'Partner App')] });

      // Subscribing again is idempotent.
      expect((await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token)).body).toEqual({ success: true });
      expect((await get(w)).body.data).toHaveLength(1);
    });

    it('DELETE answers {success:true} and removes only the caller\'s app', async () => {
      const w = await world();
      const second = await secondApp(w);
      await tp.graph('POST', `${w.wabaId}/subscribed_apps`, second.token);
      expect((await get(w)).body.data.map((d) => d.whatsapp_business_api_data.id).sort()).toEqual([w.appId, second.appId].sort());

      const res = await tp.graph('DELETE', `${w.wabaId}/subscribed_apps`, second.token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true });
      expect((await get(w)).body).toEqual({ data: [appEntry(w.appId, 'Partner App')] });
      // Deleting a subscription that does not exist is harmless.
      expect((await tp.graph('DELETE', `${w.wabaId}/subscribed_apps`, second.token)).body).toEqual({ success: true });
    });

    it('needs whatsapp_business_management, an app token, and a WABA the token can see', async () => {
      const w = await world();
      const messagingOnly = await tp.control<{ access_token: string }>('POST', 'tokens', { app_id: w.appId, business_ids: [w.partnerId], permissions: ['whatsapp_business_messaging'] });
      expectGraphError(await tp.graph('POST', `${w.wabaId}/subscribed_apps`, messagingOnly.access_token), { status: 403, code: 200 });
      expectGraphError(await get(w, messagingOnly.access_token), { status: 403, code: 200 });

      const appless = await tp.control<{ access_token: string }>('POST', 'tokens', { business_ids: [w.partnerId] });
      expectGraphError(await tp.graph('POST', `${w.wabaId}/subscribed_apps`, appless.access_token), { status: 400, code: 100, details: /app/ });
      expectGraphError(await tp.graph('DELETE', `${w.wabaId}/subscribed_apps`, appless.access_token), { status: 400, code: 100 });

      const stranger = await world();
      for (const method of ['GET', 'POST', 'DELETE']) {
        expectGraphError(await tp.graph(method, `${w.wabaId}/subscribed_apps`, stranger.token), { status: 400, code: 100, subcode: 33, type: 'GraphMethodException' });
      }
      expect((await get(w)).body.data).toHaveLength(1);
    });
  });

  describe('override_callback_uri', () => {
    it('performs the hub.challenge handshake with the verify token, then lists the override', async () => {
      const w = await world();
      const spy = new HandshakeSpy('override-secret');
      await spy.start();
      stoppers.push(() => spy.stop());

      const res = await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token, { override_callback_uri: spy.url, verify_token: 'override-secret' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({ success: true });
      expect(spy.gets).toHaveLength(1);
      expect(spy.gets[0]?.get('hub.mode')).toBe('subscribe');
      expect(spy.gets[0]?.get('hub.verify_token')).toBe('override-secret');
      expect(spy.gets[0]?.get('hub.challenge')).toMatch(/^\S+$/);

      expect((await get(w)).body).toEqual({ data: [{ ...appEntry(w.appId, 'Partner App'), override_callback_uri: spy.url }] });

      // A POST without a body clears the override.
      expect((await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token)).body).toEqual({ success: true });
      expect((await get(w)).body).toEqual({ data: [appEntry(w.appId, 'Partner App')] });
    });

    it('a wrong verify token fails the handshake with 2200 and changes nothing', async () => {
      const w = await world();
      const spy = new HandshakeSpy('the-right-one');
      await spy.start();
      stoppers.push(() => spy.stop());

      const res = await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token, { override_callback_uri: spy.url, verify_token: 'the-wrong-one' });
      expectGraphError(res, { status: 400, code: 2200, message: /^\(#2200\) Callback verification failed/ });
      expect(spy.gets).toHaveLength(1);
      expect(spy.gets[0]?.get('hub.verify_token')).toBe('the-wrong-one');
      expect((await get(w)).body).toEqual({ data: [appEntry(w.appId, 'Partner App')] });

      // The same with an endpoint that is not there at all.
      const down = new HandshakeSpy('x');
      await down.start();
      const gone = down.url;
      await down.stop();
      expectGraphError(await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token, { override_callback_uri: gone, verify_token: 'x' }), { status: 400, code: 2200 });
    });

    it('an endpoint that answers 200 but not the challenge fails with 2200', async () => {
      const w = await world();
      // The platform's own sink echoes the challenge; the control health endpoint does not.
      const wrongBody = `${tp.base}/_switchboard/health`;
      expectGraphError(await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token, { override_callback_uri: wrongBody, verify_token: 'x' }), { status: 400, code: 2200 });
      const sink = `${tp.base}/_switchboard/sink/override-test`;
      expect((await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token, { override_callback_uri: sink, verify_token: 'x' })).status).toBe(200);
    });

    it('requires verify_token with an override, a URL, and at most 200 characters', async () => {
      const w = await world();
      const r = await receiver('tok');
      expectGraphError(await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token, { override_callback_uri: r.url }), { status: 400, code: 100, message: '(#100) The parameter verify_token is required.' });
      expectGraphError(await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token, { override_callback_uri: 'not a url', verify_token: 'tok' }), { status: 400, code: 100, details: /override_callback_uri/ });
      const long = `${r.url}?pad=${'x'.repeat(200)}`;
      expectGraphError(await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token, { override_callback_uri: long, verify_token: 'tok' }), { status: 400, code: 100, details: /override_callback_uri/ });
    });

    it('routes messages webhooks to the override while other fields still go to the app callback', async () => {
      const w = await world();
      const number = await addNumber(tp, w);
      const override = await receiver('override-route');
      override.appSecret = w.appSecret;
      const sub = await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token, { override_callback_uri: override.url, verify_token: 'override-route' });
      expect(sub.status, JSON.stringify(sub.body)).toBe(200);

      const inbound = await sendInbound(tp, number.id, 'to the override', uniqueConsumer());
      await override.waitFor(() => inboundIds(override).includes(inbound.messageId ?? ''));
      expect(override.received.every((r) => r.validSignature)).toBe(true);

      const name = uniqueName('override_field');
      await createTemplate(tp, w, templateBody(name));
      await w.receiver.waitFor(() => w.receiver.changes('message_template_status_update').some((v) => v['message_template_name'] === name));
      await settle(tp);
      expect(inboundIds(w.receiver)).not.toContain(inbound.messageId);
      expect(override.changes('message_template_status_update')).toEqual([]);

      // Clearing the override sends messages back to the app's callback.
      await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token);
      const back = await sendInbound(tp, number.id, 'back home', uniqueConsumer());
      await w.receiver.waitFor(() => inboundIds(w.receiver).includes(back.messageId ?? ''));
      await settle(tp);
      expect(inboundIds(override)).not.toContain(back.messageId);
    });
  });

  describe('who gets webhooks', () => {
    it('only subscribed apps receive a WABA\'s webhooks', async () => {
      const w = await world();
      const number = await addNumber(tp, w);
      const second = await secondApp(w);

      const first = await sendInbound(tp, number.id, 'first', uniqueConsumer());
      await w.receiver.waitFor(() => inboundIds(w.receiver).includes(first.messageId ?? ''));
      await settle(tp);
      expect(second.receiver.received).toEqual([]);

      // Once the second app subscribes, both get the next event, each signed with its own secret.
      expect((await tp.graph('POST', `${w.wabaId}/subscribed_apps`, second.token)).body).toEqual({ success: true });
      const both = await sendInbound(tp, number.id, 'both', uniqueConsumer());
      await w.receiver.waitFor(() => inboundIds(w.receiver).includes(both.messageId ?? ''));
      await second.receiver.waitFor(() => inboundIds(second.receiver).includes(both.messageId ?? ''));
      expect(inboundIds(second.receiver)).toEqual([both.messageId]);
      expect(second.receiver.received.every((r) => r.validSignature)).toBe(true);
      expect(w.receiver.received.every((r) => r.validSignature)).toBe(true);
    });

    it('an app subscribed to another WABA of the same partner gets nothing from this one', async () => {
      const w = await world();
      const number = await addNumber(tp, w);
      const second = await secondApp(w);
      const otherWaba = await tp.control<{ id: string }>('POST', 'wabas', { name: 'Other', owner_business_id: w.businessId, partner_business_id: w.partnerId });
      await tp.graph('POST', `${otherWaba.id}/subscribed_apps`, second.token);

      const msg = await sendInbound(tp, number.id, 'only for the first app', uniqueConsumer());
      await w.receiver.waitFor(() => inboundIds(w.receiver).includes(msg.messageId ?? ''));
      await settle(tp);
      expect(second.receiver.received).toEqual([]);
    });

    it('DELETE stops deliveries to that app, for messages and template updates alike', async () => {
      const w = await world();
      const number = await addNumber(tp, w);
      const before = await sendInbound(tp, number.id, 'before', uniqueConsumer());
      await w.receiver.waitFor(() => inboundIds(w.receiver).includes(before.messageId ?? ''));

      expect((await tp.graph('DELETE', `${w.wabaId}/subscribed_apps`, w.token)).body).toEqual({ success: true });
      expect((await get(w)).body).toEqual({ data: [] });
      const count = w.receiver.received.length;

      const after = await sendInbound(tp, number.id, 'after', uniqueConsumer());
      expect(after.delivered).toBe(true);
      await createTemplate(tp, w, templateBody(uniqueName('unsubscribed')));
      await settle(tp, 300);
      expect(w.receiver.received.length).toBe(count);
      expect(inboundIds(w.receiver)).not.toContain(after.messageId);

      // Re-subscribing resumes deliveries (of new events).
      await tp.graph('POST', `${w.wabaId}/subscribed_apps`, w.token);
      const again = await sendInbound(tp, number.id, 'again', uniqueConsumer());
      await w.receiver.waitFor(() => inboundIds(w.receiver).includes(again.messageId ?? ''));
      expect(inboundIds(w.receiver)).not.toContain(after.messageId);
    });
  });
});
