import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../controlplane/support/fault-proxy.js';
import { GW_ENV, TestGateway } from '../controlplane/webhook-gateway/support.js';
import { OnpremClient, cloudRegister, dropsOf, expectOnpremOk, inbound, type NumberRef } from '../support/onprem-helpers.js';
import { TestPlatform, addNumber, createWorld, sendText, type World } from '../support/platform.js';
import { HookReceiver, sleep, type Envelope } from '../support/webhook-helpers.js';

/**
 * Issue 6, end to end: a number migrates On-Prem → Cloud on the platform (backup, register, a real
 * downtime window) while consumers keep messaging. Both APIs' webhooks go to the gateway — through a
 * proxy that makes the platform retry some deliveries the gateway already took — and the app behind
 * the gateway must see ONE stream: Cloud format only, each consumer's messages in order, no
 * duplicates, and missing exactly the messages the platform dropped during its downtime, no more.
 */

const PIN = '246810';
const DOWNTIME_MS = 600;
const CONSUMERS = ['447900100001', '447900100002', '447900100003'];

describe('webhook gateway: a number migrates On-Prem → Cloud while consumers keep messaging', () => {
  let tp: TestPlatform;
  let world: World;
  let number: NumberRef;
  let dep: OnpremClient;
  let app: HookReceiver;
  let proxy: FaultProxy;
  let gw: TestGateway;

  beforeAll(async () => {
    tp = await TestPlatform.start({ downtimeMs: DOWNTIME_MS });
    world = await createWorld(tp, { subscribe: false });
    number = await addNumber(tp, world, { register_pin: undefined });
    dep = await OnpremClient.create(tp);
    await dep.register(number);
    expectOnpremOk(await dep.call('POST', 'settings/account/two-step', { pin: PIN }));

    app = await new HookReceiver().start();
    app.appSecret = GW_ENV.GW_APP_SECRET;
    gw = await TestGateway.start({
      appUrl: app.url,
      deployments: { [dep.id]: { phone_number_id: number.id, display_phone_number: `${number.cc}${number.phone_number}`, waba_id: world.wabaId } },
      graph: { base_url: tp.base, token_env: 'SB_TOKEN' },
      env: { SB_TOKEN: world.token },
      // The platform's On-Prem queue can trail its Cloud queue by a second or more on a busy machine.
      delivery: { switchover_hold_ms: 5000 },
    });
    proxy = new FaultProxy(gw.base);
    await proxy.start();

    // On-Prem side: the deployment's webhook URL is the gateway's (through the proxy).
    expectOnpremOk(await dep.call('PATCH', 'settings/application', { webhooks: { url: `${proxy.url}/webhooks/onprem/${dep.id}/${GW_ENV.DEP_SECRET}` } }));
    // Cloud side: the Meta app's callback URL is the gateway's; saving it runs the hub.challenge handshake.
    const metaApp = await tp.control<{ id: string }>('POST', 'apps', { name: 'Partner via gateway', business_id: world.partnerId, callback_url: `${proxy.url}/webhooks/cloud`, verify_token: GW_ENV.META_VERIFY_TOKEN, app_secret: GW_ENV.META_APP_SECRET });
    await tp.control('POST', `wabas/${world.wabaId}/subscribed_apps/${metaApp.id}`);
    for (const waId of CONSUMERS) await tp.control('POST', 'consumers', { wa_id: waId, name: `Consumer ${waId.slice(-1)}` });
    // Registering On-Prem opened a downtime window of its own: let it pass.
    await sleep(DOWNTIME_MS + 100);
  });
  afterAll(async () => {
    // The platform first: it would go on delivering (retries) to a stopped proxy or gateway.
    await tp.stop();
    await proxy.stop();
    await gw.stop();
    await app.stop();
    await world.receiver.stop();
  });

  it('the app sees one ordered Cloud-format stream, no duplicates, minus exactly the downtime drops', async () => {
    // The platform retries these deliveries although the gateway took them: duplicates for the gateway to catch.
    proxy.inject('POST', /^\/webhooks\/onprem\//, { kind: 'forward-then-503' }, 3);
    proxy.inject('POST', /^\/webhooks\/cloud/, { kind: 'forward-then-503' }, 3);

    // Before: a push-to-talk message and a business reply On-Prem.
    expect(await inbound(tp, number.id, CONSUMERS[0] ?? '', { type: 'voice' })).toMatchObject({ delivered: true, api: 'onprem' });
    const reply = expectOnpremOk<{ messages: { id: string }[] }>(await dep.sendText(CONSUMERS[0] ?? '', 'answered on-prem')).messages[0]?.id ?? '';

    // Consumers keep writing, each its own numbered sequence, through the whole migration.
    const sent = new Map<string, { text: string; delivered: boolean }[]>(CONSUMERS.map((c) => [c, []]));
    let stop = false;
    const writers = CONSUMERS.map(async (waId, k) => {
      for (let i = 0; !stop; i++) {
        const text = `c${k}-${String(i).padStart(3, '0')}`;
        const res = await tp.control<{ delivered: boolean }>('POST', 'inbound', { phone_number_id: number.id, from: waId, type: 'text', text: { body: text } });
        sent.get(waId)?.push({ text, delivered: res.delivered });
        await sleep(15);
      }
    });
    await sleep(300);
    const backup = await dep.backup('tacocat');
    const registerStarted = Date.now();
    const reg = await cloudRegister(tp, world, number.id, PIN, { password: 'tacocat', data: backup });
    const registerEnded = Date.now();
    expect({ status: reg.status, body: reg.body }).toEqual({ status: 200, body: { success: true } });
    await sleep(300);
    stop = true;
    await Promise.all(writers);

    // After: the same consumer action on Cloud, the On-Prem reply read, a Cloud reply.
    expect(await inbound(tp, number.id, CONSUMERS[0] ?? '', { type: 'voice' })).toMatchObject({ delivered: true, api: 'cloud' });
    await tp.control('POST', `messages/${encodeURIComponent(reply)}/status`, { status: 'read' });
    const cloudReply = (await sendText(tp, world, number.id, 'answered on cloud', CONSUMERS[1])).body.messages[0]?.id ?? '';

    const all = [...sent.values()].flat();
    const delivered = all.filter((m) => m.delivered).map((m) => m.text);
    const dropped = all.filter((m) => !m.delivered).map((m) => m.text);
    expect(dropped.length, 'the downtime window dropped something').toBeGreaterThan(0);
    expect(delivered.length).toBeGreaterThan(0);

    const statusesOf = (id: string): string[] =>
      app
        .changes()
        .flatMap((v) => (v['statuses'] as { id: string; status: string }[] | undefined) ?? [])
        .filter((s) => s.id === id)
        .map((s) => s.status);
    await app.waitFor(() => app.inboundMessages().length >= delivered.length + 2 && statusesOf(reply).length >= 3 && statusesOf(cloudReply).length >= 2, 15_000, 'everything delivered');
    await tp.flushWebhooks();
    await sleep(300);

    // One format: every POST a signed Cloud envelope about this number.
    for (const hit of app.posts()) {
      expect(hit.validSignature).toBe(true);
      const body = hit.body as Envelope;
      expect(body.object).toBe('whatsapp_business_account');
      for (const entry of body.entry) {
        expect(entry.id).toBe(world.wabaId);
        for (const c of entry.changes) {
          expect(c.field).toBe('messages');
          expect(c.value['messaging_product']).toBe('whatsapp');
          expect(c.value['metadata']).toEqual({ display_phone_number: `${number.cc}${number.phone_number}`, phone_number_id: number.id });
        }
      }
    }
    const messages = app.inboundMessages();
    // No duplicates (the proxy made the platform send some twice) ...
    expect(new Set(messages.map((m) => m['id'])).size).toBe(messages.length);
    expect(proxy.pending()).toBe(0);
    const counters = await gw.counters();
    expect((counters[`onprem.${dep.id}.duplicates`] ?? 0) + (counters['cloud.duplicates'] ?? 0)).toBeGreaterThanOrEqual(6);
    // ... push-to-talk the Cloud way on both sides of the switch ...
    const voices = messages.filter((m) => m['type'] === 'audio');
    expect(voices).toHaveLength(2);
    for (const v of voices) expect(v['audio']).toMatchObject({ mime_type: 'audio/ogg; codecs=opus', voice: true });
    expect(messages.some((m) => m['type'] === 'voice')).toBe(false);
    // ... each consumer's messages in the order sent ...
    const texts = messages.filter((m) => m['type'] === 'text').map((m) => (m['text'] as { body: string }).body);
    for (let k = 0; k < CONSUMERS.length; k++) {
      const mine = texts.filter((t) => t.startsWith(`c${k}-`));
      expect(mine).toEqual([...mine].sort());
    }
    // ... and exactly the inbound messages the platform dropped in its downtime window are missing.
    expect([...texts].sort()).toEqual([...delivered].sort());
    const drops = await dropsOf(tp, number.id);
    expect(drops.map((d) => (d.message.content['text'] as { body: string }).body).sort()).toEqual([...dropped].sort());
    expect(drops.every((d) => d.reason === 'migration downtime')).toBe(true);

    // Statuses: the On-Prem reply's sent/delivered (On-Prem) then read (Cloud), once each, Cloud shape.
    expect(statusesOf(reply)).toEqual(['sent', 'delivered', 'read']);
    expect(statusesOf(cloudReply)).toEqual(['sent', 'delivered']);

    // The number's view: it switched to Cloud, during the register call.
    const view = await gw.api<{ receiving_from: string; previous: string; switched_at: string; switches: unknown[]; events: { onprem: number; cloud: number }; confirmed: unknown }>('GET', `numbers/${number.id}?confirm=1`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ receiving_from: 'CLOUD_API', previous: 'ON_PREMISE', deployment: dep.id, confirmed: { platform_type: 'CLOUD_API', at: expect.any(String) } });
    expect(view.body.switches).toHaveLength(1);
    const switchedAt = Date.parse(view.body.switched_at);
    expect(switchedAt).toBeGreaterThanOrEqual(registerStarted);
    expect(switchedAt).toBeLessThanOrEqual(registerEnded + 2000);
    expect(view.body.events.onprem).toBeGreaterThan(0);
    expect(view.body.events.cloud).toBeGreaterThan(0);
    expect((await gw.api<{ queue: Record<string, number> }>('GET', 'status')).body.queue).toMatchObject({ pending: 0, dead: 0 });
  });
});
