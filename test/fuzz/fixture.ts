/**
 * The world every fuzz suite attacks: the demo seed plus a partner world whose numbers are in several
 * states (registered on Cloud API, held by an On-Prem deployment, unregistered), a second partner
 * (for out-of-scope ids and tokens), a template, a media upload, an outbound message, tokens of every
 * kind, and On-Prem deployments that are connected, fresh, and waiting for a password change.
 */
import type { DemoData } from '../../src/control/seed.js';
import { OnpremClient, uniqueDeploymentId } from '../support/onprem-helpers.js';
import { addNumber, createWorld, TestPlatform, type World } from '../support/platform.js';
import { settleWebhooks } from './harness.js';

export interface NumberRef {
  id: string;
  cc: string;
  phone_number: string;
}

export interface DeploymentRef {
  id: string;
  /** A valid bearer token (empty when the deployment cannot log in without a password change). */
  token: string;
  password: string;
  /** Holds a number (calls needing one do not fail with 1011). */
  connected: boolean;
}

export interface FuzzFixture {
  tp: TestPlatform;
  demo: DemoData;
  world: World;
  other: World;
  numbers: {
    cloud: NumberRef;
    unregistered: NumberRef;
    onprem: NumberRef;
    other: NumberRef;
  };
  templateId: string;
  otherTemplateId: string;
  mediaId: string;
  messageId: string;
  tokens: {
    /** The world's app token: both permissions, the partner's scope. */
    full: string;
    mgmtOnly: string;
    msgOnly: string;
    /** Both permissions and the scope, but no app (subscribed_apps refuses it). */
    appless: string;
    expired: string;
    /** The other partner's token: nothing of the world is in its scope. */
    other: string;
    demo: string;
  };
  deployments: {
    demo: DeploymentRef;
    connected: DeploymentRef;
    fresh: DeploymentRef;
    pwchange: DeploymentRef;
  };
  /** A token that was valid for `deployments.fresh` and has been logged out. */
  loggedOutOnpremToken: string;
  stop(): Promise<void>;
}

export const PIN = '123456';
export const ONPREM_PASSWORD = 'Fuzz-Adm1n-Passw0rd';

async function mustJson<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what} failed: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

export async function setupFixture(): Promise<FuzzFixture> {
  // Quotas off: after a few hundred calls every Graph request would stop at the quota check (80007)
  // and the handlers behind it would not be fuzzed.
  const tp = await TestPlatform.start({ seedDemo: true, graphRateLimits: false });
  const demo = await tp.platform.demo();
  if (!demo) throw new Error('demo data missing');
  const world = await createWorld(tp);
  const other = await createWorld(tp);

  const cloud = await addNumber(tp, world);
  const unregistered = await addNumber(tp, world, { register_pin: undefined });
  const onprem = await addNumber(tp, world);
  // Every WABA holds a number, so `DELETE /_switchboard/wabas/{id}` is refused for all of them.
  const otherNumber = await addNumber(tp, other);

  // On-Prem: one deployment takes `onprem` from Cloud API; one is fresh; one still has admin/secret.
  const connectedDep = await OnpremClient.create(tp, { id: uniqueDeploymentId('fuzz-conn'), password: ONPREM_PASSWORD });
  await connectedDep.register(onprem, PIN);
  const freshDep = await OnpremClient.create(tp, { id: uniqueDeploymentId('fuzz-fresh'), password: ONPREM_PASSWORD });
  const pwchangeDep = await OnpremClient.create(tp, { id: uniqueDeploymentId('fuzz-pw'), password: null });
  // The seeded deployment (it holds the demo's third number).
  const demoLogin = await tp.request<{ users: { token: string }[] }>('POST', `/onprem/${demo.onpremDeploymentId}/v1/users/login`, {
    headers: { authorization: `Basic ${Buffer.from(`admin:${demo.onpremAdminPassword}`).toString('base64')}` },
  });
  const demoToken = demoLogin.body.users?.[0]?.token;
  if (!demoToken) throw new Error(`demo On-Prem login failed: ${JSON.stringify(demoLogin.body)}`);
  // A token that is logged out again.
  const doomed = await tp.request<{ users: { token: string }[] }>('POST', `/onprem/${freshDep.id}/v1/users/login`, {
    headers: { authorization: `Basic ${Buffer.from(`admin:${ONPREM_PASSWORD}`).toString('base64')}` },
  });
  const loggedOutOnpremToken = doomed.body.users?.[0]?.token ?? '';
  await tp.request('POST', `/onprem/${freshDep.id}/v1/users/logout`, { token: loggedOutOnpremToken });

  // A template, a media upload and an outbound message of the world.
  const tpl = await tp.graph<{ id: string }>('POST', `${world.wabaId}/message_templates`, world.token, {
    name: 'fuzz_fixture_template',
    category: 'UTILITY',
    language: 'en_US',
    components: [{ type: 'BODY', text: 'Your order {{1}} has shipped', example: { body_text: [['123']] } }],
  });
  if (tpl.status !== 200) throw new Error(`template failed: ${tpl.status} ${JSON.stringify(tpl.body)}`);
  const otherTpl = await tp.graph<{ id: string }>('POST', `${other.wabaId}/message_templates`, other.token, {
    name: 'fuzz_other_template',
    category: 'UTILITY',
    language: 'en_US',
    components: [{ type: 'BODY', text: 'Hello there' }],
  });
  if (otherTpl.status !== 200) throw new Error(`template failed: ${otherTpl.status} ${JSON.stringify(otherTpl.body)}`);
  const form = new FormData();
  form.append('messaging_product', 'whatsapp');
  form.append('file', new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4])], { type: 'image/jpeg' }), 'fixture.jpg');
  const media = await mustJson<{ id: string }>(
    await fetch(`${tp.base}/v23.0/${cloud.id}/media`, { method: 'POST', headers: { authorization: `Bearer ${world.token}` }, body: form }),
    'media upload',
  );
  const sent = await tp.graph<{ messages: { id: string }[] }>('POST', `${cloud.id}/messages`, world.token, { messaging_product: 'whatsapp', to: demo.consumerWaId, type: 'template', template: { name: 'fuzz_fixture_template', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: '42' }] }] } });
  const messageId = sent.body.messages?.[0]?.id;
  if (!messageId) throw new Error(`send failed: ${sent.status} ${JSON.stringify(sent.body)}`);

  const token = async (body: Record<string, unknown>): Promise<string> => (await tp.control<{ access_token: string }>('POST', 'tokens', body)).access_token;
  const scope = { app_id: world.appId, business_ids: [world.partnerId] };
  const tokens = {
    full: world.token,
    mgmtOnly: await token({ ...scope, permissions: ['whatsapp_business_management'] }),
    msgOnly: await token({ ...scope, permissions: ['whatsapp_business_messaging'] }),
    appless: await token({ business_ids: [world.partnerId] }),
    expired: await token({ ...scope, expires_in_seconds: 1 }),
    other: other.token,
    demo: demo.accessToken,
  };
  // The expired token expires on the emulator's clock.
  await tp.control('POST', 'clock/advance', { seconds: 5 });
  await settleWebhooks(tp);

  return {
    tp,
    demo,
    world,
    other,
    numbers: { cloud, unregistered, onprem, other: otherNumber },
    templateId: tpl.body.id,
    otherTemplateId: otherTpl.body.id,
    mediaId: media.id,
    messageId,
    tokens,
    deployments: {
      demo: { id: demo.onpremDeploymentId, token: demoToken, password: demo.onpremAdminPassword, connected: true },
      connected: { id: connectedDep.id, token: connectedDep.token, password: ONPREM_PASSWORD, connected: true },
      fresh: { id: freshDep.id, token: freshDep.token, password: ONPREM_PASSWORD, connected: false },
      pwchange: { id: pwchangeDep.id, token: '', password: 'secret', connected: false },
    },
    loggedOutOnpremToken,
    async stop() {
      await world.receiver.stop();
      await other.receiver.stop();
      await tp.stop();
    },
  };
}

/** Every number the snapshots read row by row, and the WABAs whose templates they list. */
export function snapshotTargets(fx: FuzzFixture): { phoneNumberIds: string[]; wabaIds: { id: string; token: string }[] } {
  return {
    phoneNumberIds: [fx.numbers.cloud.id, fx.numbers.unregistered.id, fx.numbers.onprem.id, fx.numbers.other.id, fx.demo.phoneNumberId, fx.demo.unregisteredPhoneNumberId, fx.demo.onpremPhoneNumberId],
    wabaIds: [
      { id: fx.world.wabaId, token: fx.tokens.full },
      { id: fx.other.wabaId, token: fx.tokens.other },
      { id: fx.demo.wabaId, token: fx.tokens.demo },
    ],
  };
}
