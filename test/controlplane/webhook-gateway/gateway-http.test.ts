import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../../src/controlplane/webhook-gateway/signature.js';
import { HookReceiver, sleep, type Envelope } from '../../support/webhook-helpers.js';
import { GW_ENV, TestGateway, WABA, cloudMessages, cloudText, onpremText } from './support.js';

/**
 * The gateway over real HTTP: a real app receiver behind it, real SQLite, real HMACs. Each test
 * uses its own number (lane) so tests sharing the gateway stay independent.
 */

const DEP = { deli: { phone_number_id: '668300679106647', display_phone_number: '16315555557', waba_id: WABA } };
let seq = 0;
const nextId = (): string => `9${String(process.pid % 1000).padStart(3, '0')}${String((seq += 1)).padStart(6, '0')}`;

describe('webhook gateway: receiving', () => {
  let app: HookReceiver;
  let gw: TestGateway;

  beforeAll(async () => {
    app = await new HookReceiver().start();
    app.appSecret = GW_ENV.GW_APP_SECRET;
    gw = await TestGateway.start({ appUrl: app.url, deployments: DEP });
  });
  afterAll(async () => {
    await gw.stop();
    await app.stop();
  });

  it('answers Meta\'s handshake with the challenge only when the verify token matches', async () => {
    const ok = await gw.request('GET', `/webhooks/cloud?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${GW_ENV.META_VERIFY_TOKEN}`);
    expect({ status: ok.status, body: ok.body, type: ok.headers.get('content-type') }).toEqual({ status: 200, body: 1158201444, type: 'text/plain' });
    const before = (await gw.counters())['cloud.rejected.handshake'] ?? 0;
    for (const q of ['hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong', 'hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=' + GW_ENV.META_VERIFY_TOKEN, `hub.mode=subscribe&hub.challenge=1&hub.verify_token=${GW_ENV.META_VERIFY_TOKEN}&hub.verify_token=x`]) {
      const res = await gw.request('GET', `/webhooks/cloud?${q}`);
      expect(res.status, q).toBe(403);
      expect(res.body).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
    }
    expect((await gw.counters())['cloud.rejected.handshake']).toBe(before + 3);
  });

  it('refuses unsigned (401) and badly signed (403) Cloud webhooks, counts them, forwards nothing', async () => {
    const pn = nextId();
    const payload = cloudText(pn, `wamid.${nextId()}`, 'forged');
    const before = await gw.counters();
    const unsigned = await gw.postCloud(payload, null);
    expect({ status: unsigned.status, body: unsigned.body }).toEqual({ status: 401, body: { error: { code: 'unsigned', message: 'X-Hub-Signature-256 is required' } } });
    const wrong = await gw.postCloud(payload, 'not-the-meta-secret');
    expect({ status: wrong.status, body: wrong.body }).toEqual({ status: 403, body: { error: { code: 'bad_signature', message: 'X-Hub-Signature-256 does not match the body' } } });
    // Signed, then altered in transit.
    const body = JSON.stringify(payload);
    const tampered = await gw.request('POST', '/webhooks/cloud', { body: body.replace('forged', 'f0rged'), headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body, GW_ENV.META_APP_SECRET) } });
    expect(tampered.status).toBe(403);
    const after = await gw.counters();
    expect(after['cloud.rejected.unsigned']).toBe((before['cloud.rejected.unsigned'] ?? 0) + 1);
    expect(after['cloud.rejected.bad_signature']).toBe((before['cloud.rejected.bad_signature'] ?? 0) + 2);
    await sleep(100);
    expect(JSON.stringify(app.hits)).not.toContain(pn);
    expect((await gw.api('GET', `numbers/${pn}`)).status).toBe(404);
  });

  it('refuses On-Prem webhooks without (401) or with a wrong (403) secret, and unknown deployments (404)', async () => {
    const before = await gw.counters();
    const payload = JSON.stringify(onpremText(nextId(), 'hello'));
    const headers = { 'content-type': 'application/json' };
    expect((await gw.request('POST', '/webhooks/onprem/deli', { body: payload, headers })).status).toBe(401);
    expect((await gw.request('POST', '/webhooks/onprem/deli/not-the-secret', { body: payload, headers })).status).toBe(403);
    expect((await gw.request('POST', `/webhooks/onprem/other/${GW_ENV.DEP_SECRET}`, { body: payload, headers })).status).toBe(404);
    expect((await gw.request('POST', `/webhooks/onprem/deli/${GW_ENV.DEP_SECRET}`, { body: '{not json', headers })).status).toBe(400);
    const after = await gw.counters();
    for (const [k, n] of [['onprem.deli.rejected.unauthenticated', 1], ['onprem.deli.rejected.bad_secret', 1], ['onprem.rejected.unknown_deployment', 1], ['onprem.deli.rejected.malformed', 1]] as const) {
      expect(after[k], k).toBe((before[k] ?? 0) + n);
    }
  });

  it('forwards a Cloud webhook unchanged in content, signed with the gateway\'s own app secret', async () => {
    const pn = nextId();
    const wamid = `wamid.${nextId()}`;
    const payload = cloudText(pn, wamid, 'Does it come in blue? 👀');
    const res = await gw.postCloud(payload);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, dropped: 0 } });
    await app.waitFor(() => app.inboundMessages().some((m) => m['id'] === wamid));
    const hit = app.accepted().find((h) => h.raw.includes(wamid));
    expect(hit?.validSignature).toBe(true);
    expect(hit?.headers['x-hub-signature-256']).toBe(sign(hit?.raw ?? '', GW_ENV.GW_APP_SECRET));
    expect(hit?.headers['x-hub-signature-256']).not.toBe(sign(hit?.raw ?? '', GW_ENV.META_APP_SECRET));
    expect(hit?.raw).toContain('\\ud83d\\udc40');
    expect(hit?.body).toEqual(payload);
  });

  it('normalises an On-Prem push-to-talk webhook into Cloud format for the deployment\'s number', async () => {
    const id = nextId();
    const payload = { contacts: [{ profile: { name: 'Kerry Fisher' }, wa_id: '16505550001' }], messages: [{ from: '16505550001', id, timestamp: '1750090702', type: 'voice', voice: { file: '/usr/local/wamedia/shared/x', id: '55', mime_type: 'audio/ogg; codecs=opus', sha256: 'ab' } }] };
    expect((await gw.postOnprem('deli', payload)).body).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
    await app.waitFor(() => app.inboundMessages().some((m) => m['id'] === id));
    const hit = app.accepted().find((h) => h.raw.includes(id));
    expect(hit?.validSignature).toBe(true);
    expect(hit?.body).toEqual({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: WABA,
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '16315555557', phone_number_id: '668300679106647' },
                contacts: [{ profile: { name: 'Kerry Fisher' }, wa_id: '16505550001' }],
                messages: [{ from: '16505550001', id, timestamp: '1750090702', type: 'audio', audio: { id: '55', mime_type: 'audio/ogg; codecs=opus', sha256: 'ab', voice: true } }],
              },
            },
          ],
        },
      ],
    });
  });

  it('keeps what it cannot express out of the stream, and lists it', async () => {
    const id = nextId();
    const res = await gw.postOnprem('deli', { statuses: [{ id, recipient_id: '16505551234', status: 'deleted', timestamp: '1750090702', type: 'message' }] });
    expect(res.body).toEqual({ accepted: 0, duplicates: 0, dropped: 1 });
    const dropped = await gw.api<{ data: { reason: string; item: { id: string }; source: string; deployment: string }[] }>('GET', 'dropped?limit=10');
    expect(dropped.body.data.find((d) => d.item.id === id)).toMatchObject({ reason: 'status "deleted" has no Cloud API equivalent', source: 'onprem', deployment: 'deli' });
  });

  it('de-duplicates: the same message from both APIs (bare id / wamid.), a retry, and equal content under different ids', async () => {
    const pn = DEP.deli.phone_number_id;
    const key = `HBgL${nextId()}`;
    const ts = '1750090800';
    expect((await gw.postOnprem('deli', onpremText(key, 'once', '16505559999', ts))).body).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
    expect((await gw.postCloud(cloudText(pn, `wamid.${key}`, 'once', '16505559999', ts))).body).toEqual({ accepted: 0, duplicates: 1, dropped: 0 });
    expect((await gw.postOnprem('deli', onpremText(key, 'once', '16505559999', ts))).body).toEqual({ accepted: 0, duplicates: 1, dropped: 0 });
    // Another id, same sender, second and content, from the other API: the same message seen twice.
    expect((await gw.postCloud(cloudText(pn, `wamid.other${key}`, 'once', '16505559999', ts))).body).toEqual({ accepted: 0, duplicates: 1, dropped: 0 });
    // ... but from the same API it is a second message ("ok", "ok").
    expect((await gw.postOnprem('deli', onpremText(`second${key}`, 'once', '16505559999', ts))).body).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
    await app.waitFor(() => app.inboundMessages().some((m) => m['id'] === `second${key}`));
    await sleep(100);
    expect(app.inboundMessages().filter((m) => m['from'] === '16505559999').map((m) => m['id'])).toEqual([key, `second${key}`]);
  });

  it('around a switch-over, the old API\'s late events reach the app before the new API\'s first ones', async () => {
    const dep = { phone_number_id: nextId(), display_phone_number: '16315550000', waba_id: WABA };
    const app2 = await new HookReceiver().start();
    const switching = await TestGateway.start({ appUrl: app2.url, deployments: { shop: dep }, delivery: { switchover_hold_ms: 700 } });
    try {
      const t = Math.floor(Date.now() / 1000);
      await switching.postOnprem('shop', onpremText(nextId(), 'on-prem 1', '16505550002', String(t - 3)));
      await app2.waitFor(() => app2.inboundTexts().length === 1);
      // The number moved: Cloud's first event arrives, then On-Prem's last ones (sent earlier, delivered late).
      const switchedAt = Date.now();
      await switching.postCloud(cloudText(dep.phone_number_id, `wamid.${nextId()}`, 'cloud 1', '16505550002', String(t)));
      await sleep(150);
      await switching.postOnprem('shop', onpremText(nextId(), 'on-prem 2', '16505550002', String(t - 2)));
      await switching.postOnprem('shop', onpremText(nextId(), 'on-prem 3', '16505550002', String(t - 1)));
      await switching.postCloud(cloudText(dep.phone_number_id, `wamid.${nextId()}`, 'cloud 2', '16505550002', String(t)));
      await app2.waitFor(() => app2.inboundTexts().length === 5);
      expect(app2.inboundTexts()).toEqual(['on-prem 1', 'on-prem 2', 'on-prem 3', 'cloud 1', 'cloud 2']);
      // The new API's events waited for the hold, no longer.
      const cloudHit = app2.accepted().find((h) => h.raw.includes('cloud 1'));
      expect((cloudHit?.at ?? 0) - switchedAt).toBeGreaterThanOrEqual(650);
      const view = await switching.api<{ receiving_from: string; previous: string; switches: unknown[] }>('GET', `numbers/${dep.phone_number_id}`);
      expect(view.body).toMatchObject({ receiving_from: 'CLOUD_API', previous: 'ON_PREMISE' });
      expect(view.body.switches).toHaveLength(1);
    } finally {
      await switching.stop();
      await app2.stop();
    }
  });

  it('serves account-level fields under their WABA, with entry.time', async () => {
    const waba = nextId();
    const payload = { object: 'whatsapp_business_account', entry: [{ id: waba, time: 1739321024, changes: [{ value: { event: 'APPROVED', message_template_id: 64244916695, message_template_name: 'x', message_template_language: 'en_US', reason: 'NONE' }, field: 'message_template_status_update' }] }] };
    await gw.postCloud(payload);
    await app.waitFor(() => app.accepted().some((h) => (h.body as Envelope).entry[0]?.id === waba));
    expect(app.accepted().find((h) => (h.body as Envelope).entry[0]?.id === waba)?.body).toEqual(payload);
  });

  it('answers JSON errors for unknown routes, bad parameters and unknown ids', async () => {
    expect((await gw.request('GET', '/nope')).body).toEqual({ error: { code: 'not_found', message: 'no route GET /nope' } });
    expect((await gw.api('GET', 'dead-letters?limit=0')).status).toBe(400);
    expect((await gw.api('GET', 'dead-letters/abc')).status).toBe(400);
    expect((await gw.api('POST', 'dead-letters/999999/replay')).status).toBe(404);
    expect((await gw.api('POST', 'dead-letters/replay', { phone_number_id: 5 })).status).toBe(400);
    expect((await gw.api('GET', 'numbers/1')).status).toBe(404);
    expect((await gw.api('GET', 'numbers/1?confirm=1')).body).toEqual({ error: { code: 'graph_not_configured', message: expect.any(String) } });
    expect((await gw.api<{ data: unknown[] }>('GET', 'error-codes')).body.data.length).toBeGreaterThan(30);
  });
});

describe('webhook gateway: delivery', () => {
  let app: HookReceiver;
  let gw: TestGateway;

  beforeAll(async () => {
    app = await new HookReceiver().start();
    app.appSecret = GW_ENV.GW_APP_SECRET;
    gw = await TestGateway.start({ appUrl: app.url, deployments: DEP, delivery: { retry: { base_ms: 20, max_ms: 100, max_attempts: 1000 } } });
  });
  afterEach(() => {
    app.status = 200;
    app.delay = () => 0;
  });
  afterAll(async () => {
    await gw.stop();
    await app.stop();
  });

  const texts = (pn: string): string[] =>
    app
      .changes()
      .filter((v) => (v['metadata'] as { phone_number_id: string }).phone_number_id === pn)
      .flatMap((v) => (v['messages'] as { text: { body: string } }[] | undefined) ?? [])
      .map((m) => m.text.body);

  it('retries with backoff while the app fails, then delivers each number\'s events once and in order', async () => {
    const [a, b] = [nextId(), nextId()];
    app.status = 503;
    app.delay = () => Math.floor(Math.random() * 5);
    for (let i = 0; i < 6; i++) {
      await gw.postCloud(cloudText(a, `wamid.${nextId()}`, `a${i}`));
      await gw.postCloud(cloudText(b, `wamid.${nextId()}`, `b${i}`));
    }
    await app.waitFor(() => app.posts().filter((h) => h.raw.includes(`"${a}"`)).length >= 2, 5000, 'a retried');
    // While the head of a number fails, nothing behind it was sent.
    expect(app.posts().filter((h) => h.raw.includes(`"${a}"`)).every((h) => h.raw.includes('"a0"'))).toBe(true);
    app.status = 200;
    await app.waitFor(() => texts(a).length === 6 && texts(b).length === 6, 8000, 'all delivered');
    expect(texts(a)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
    expect(texts(b)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4', 'b5']);
    expect(app.accepted().every((h) => h.validSignature)).toBe(true);
  });

  it('a number\'s next event waits for the previous one to be acknowledged (never two in flight)', async () => {
    const pn = nextId();
    app.delay = () => 30;
    for (let i = 0; i < 5; i++) await gw.postCloud(cloudText(pn, `wamid.${nextId()}`, `s${i}`));
    await app.waitFor(() => texts(pn).length === 5, 8000);
    const hits = app.posts().filter((h) => h.raw.includes(`"${pn}"`));
    // Each POST of the number arrived at least the app's answer delay after the previous one.
    for (let i = 1; i < hits.length; i++) expect((hits[i]?.at ?? 0) - (hits[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(25);
    expect(texts(pn)).toEqual(['s0', 's1', 's2', 's3', 's4']);
  });

  it('dead-letters after the last attempt, moves on to the next event, and replays over the API', async () => {
    const failing = await new HookReceiver().start();
    const dl = await TestGateway.start({ appUrl: failing.url, delivery: { retry: { base_ms: 10, max_ms: 40, max_attempts: 4 } } });
    const received = (): string[] => failing.inboundTexts();
    try {
      const pn = nextId();
      failing.status = 500;
      await dl.postCloud(cloudText(pn, `wamid.${nextId()}`, 'first'));
      await dl.postCloud(cloudText(pn, `wamid.${nextId()}`, 'second'));
      const dead = async (): Promise<{ id: number; value: { messages: { text: { body: string } }[] } }[]> =>
        (await dl.api<{ data: { id: number; value: { messages: { text: { body: string } }[] } }[] }>('GET', `dead-letters?phone_number_id=${pn}`)).body.data;
      const deadline = Date.now() + 8000;
      while ((await dead()).length < 2 && Date.now() < deadline) await sleep(50);
      const letters = await dead();
      expect(letters.map((l) => l.value.messages[0]?.text.body)).toEqual(['first', 'second']);
      const one = await dl.api('GET', `dead-letters/${letters[0]?.id}`);
      expect(one.body).toMatchObject({ id: letters[0]?.id, phone_number_id: pn, source: 'cloud', field: 'messages', kind: 'message', attempts: 4, last_error: 'HTTP 500', dead_at: expect.any(String) });
      // 4 attempts of "first", then 4 of "second": the second waited for the first to die.
      const order = failing.posts().map((h) => (h.raw.includes('"first"') ? 'first' : 'second'));
      expect(order).toEqual(['first', 'first', 'first', 'first', 'second', 'second', 'second', 'second']);

      failing.status = 200;
      const replayed = await dl.api<{ replayed: { id: number; replay_id: number }[] }>('POST', `dead-letters/${letters[1]?.id}/replay`);
      expect(replayed.body.replayed).toEqual([{ id: letters[1]?.id, replay_id: expect.any(Number) }]);
      await failing.waitFor(() => received().length === 1);
      expect(received()).toEqual(['second']);
      expect((await dl.api('POST', `dead-letters/${letters[1]?.id}/replay`)).status).toBe(404);
      const rest = await dl.api<{ replayed: unknown[] }>('POST', 'dead-letters/replay', { phone_number_id: pn });
      expect(rest.body.replayed).toHaveLength(1);
      await failing.waitFor(() => received().length === 2);
      expect(received()).toEqual(['second', 'first']);
      expect(await dead()).toEqual([]);
      const counters = await dl.counters();
      expect(counters).toMatchObject({ 'delivery.replayed': 2, 'delivery.dead': 2, 'delivery.delivered': 2, 'delivery.failed_attempts': 8 });
    } finally {
      await dl.stop();
      await failing.stop();
    }
  });

  it('batches a number\'s queued events into one POST when max_batch allows', async () => {
    const batchApp = await new HookReceiver().start();
    batchApp.appSecret = GW_ENV.GW_APP_SECRET;
    const batching = await TestGateway.start({ appUrl: batchApp.url, delivery: { max_batch: 10 } });
    try {
      const pn = nextId();
      batchApp.hold();
      await batching.postCloud(cloudText(pn, `wamid.${nextId()}`, 'm0'));
      await batchApp.waitFor(() => batchApp.posts().length === 1);
      for (let i = 1; i < 5; i++) await batching.postCloud(cloudText(pn, `wamid.${nextId()}`, `m${i}`));
      batchApp.release();
      await batchApp.waitFor(() => batchApp.inboundTexts().length === 5);
      expect(batchApp.posts().map((h) => (h.body as Envelope).entry[0]?.changes.length)).toEqual([1, 4]);
      expect(batchApp.inboundTexts()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    } finally {
      await batching.stop();
      await batchApp.stop();
    }
  });
});

describe('webhook gateway: durability and the operator API', () => {
  it('keeps the queue across a restart: accepted events are delivered by the next process, in order', async () => {
    const app = await new HookReceiver().start();
    app.status = 503;
    const first = await TestGateway.start({ appUrl: app.url, delivery: { retry: { base_ms: 60_000, max_ms: 60_000 } } });
    const pn = nextId();
    for (let i = 0; i < 3; i++) await first.postCloud(cloudText(pn, `wamid.${nextId()}`, `r${i}`));
    await app.waitFor(() => app.posts().length === 1);
    await first.stop({ keepDatabase: true });
    expect(app.posts()).toHaveLength(1);

    app.status = 200;
    // The next process runs a minute later: the failed head's backoff is over.
    const second = await TestGateway.start({ appUrl: app.url, databasePath: first.databasePath, now: () => Date.now() + 61_000 });
    try {
      await app.waitFor(() => app.inboundTexts().length === 3);
      expect(app.inboundTexts()).toEqual(['r0', 'r1', 'r2']);
      expect((await second.api<{ queue: Record<string, number> }>('GET', 'status')).body.queue).toEqual({ pending: 0, delivered: 3, dead: 0, replayed: 0 });
    } finally {
      await second.stop();
      await app.stop();
    }
  });

  it('requires the API token when one is configured (webhook endpoints stay open to their own checks)', async () => {
    const app = await new HookReceiver().start();
    const gw = await TestGateway.start({ appUrl: app.url, apiTokenEnv: 'GW_API_TOKEN', env: { GW_API_TOKEN: 'operator-token-123' } });
    try {
      expect((await gw.api('GET', 'status')).status).toBe(401);
      expect((await gw.api('GET', 'status', undefined, 'wrong')).status).toBe(401);
      expect((await gw.api('GET', 'status', undefined, 'operator-token-123')).status).toBe(200);
      expect((await gw.postCloud(cloudMessages(nextId(), { statuses: [{ id: 'wamid.x', status: 'read', timestamp: '1', recipient_id: '1' }] }))).status).toBe(200);
    } finally {
      await gw.stop();
      await app.stop();
    }
  });
});
