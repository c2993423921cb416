import { cannot, notYet } from '../../errors.js';
import type { NumberEntry } from '../../plan/schema.js';
import { readNumber } from '../../connections.js';
import { nationalNumber, pauseOutboundStep, resumeOutboundStep, snapshotOf, sourceTarget, SNAPSHOT_MAX_AGE_MS, verdict, type Snapshot } from './common.js';
import { done, skipped, type KindDefinition, type StepContext, type StepDefinition } from './types.js';

type Entry = Extract<NumberEntry, { kind: 'cloud_to_onprem' }>;
type Ctx = StepContext<Entry>;

/** Seed 001: `POST /v1/account` with the display-name certificate, then `/v1/account/verify` with the code. */

const graph = (ctx: Ctx): ReturnType<Ctx['conn']['sourceGraph']> => ctx.conn.sourceGraph(ctx.entry);
const deployment = (ctx: Ctx): ReturnType<Ctx['conn']['deployment']> => ctx.conn.deployment(ctx.entry.deployment);

/** On-Prem holds the number: Graph says ON_PREMISE and our deployment is the connected one. */
async function onDeployment(ctx: Ctx): Promise<boolean> {
  const phone = await graph(ctx).getNumber(ctx.entry.phone_number_id, ['platform_type']);
  return phone.platform_type === 'ON_PREMISE' && (await deployment(ctx).health()) === 'connected';
}

const snapshot: StepDefinition<Entry> = {
  name: 'snapshot',
  async run(ctx) {
    const g = graph(ctx);
    const phone = await readNumber(ctx.conn, ctx.entry, g, SNAPSHOT_MAX_AGE_MS);
    // The certificate On-Prem registers with (seed 001); read now, while Cloud still serves the number.
    const certificate = await g.certificate(ctx.entry.phone_number_id);
    return done({ phone, certificate, ...nationalNumber(phone.display_phone_number, phone.country_dial_code) });
  },
};

/** Sends a code (202) unless the deployment already holds the number (201). Repeating only sends a new code. */
const requestAccount: StepDefinition<Entry> = {
  name: 'request_account',
  observe: async (ctx) => ((await onDeployment(ctx)) ? skipped({ observed: 'already registered on the deployment' }) : undefined),
  async run(ctx) {
    const snap = ctx.outputs['snapshot'] as Snapshot & { certificate: string };
    const pin = snap.phone.is_pin_enabled ? ctx.conn.secrets(ctx.entry).pin : undefined;
    if (snap.phone.is_pin_enabled && pin === undefined) throw cannot('two-step verification is on and the PIN is not set');
    const result = await deployment(ctx).requestAccount({ cc: snap.cc, phoneNumber: snap.national, method: ctx.entry.code_method, cert: snap.certificate, pin });
    return done({ result });
  },
};

/** The switch: after a successful verify, On-Prem serves the number and Cloud no longer does. */
const verifyAccount: StepDefinition<Entry> = {
  name: 'verify_account',
  observe: async (ctx) => ((await onDeployment(ctx)) ? done({ observed: 'already registered on the deployment' }) : undefined),
  async run(ctx) {
    const requested = ctx.outputs['request_account'] as { result?: string } | undefined;
    if (requested?.result === 'exists') return skipped({ reason: 'the deployment already held the number (201)' });
    const code = await ctx.conn.otp.code(ctx.entry.phone_number_id);
    await deployment(ctx).verifyAccount(code);
    return done();
  },
};

const verifyHealth: StepDefinition<Entry> = {
  name: 'verify_health',
  async run(ctx) {
    const status = await deployment(ctx).health();
    if (status !== 'connected') throw notYet(`deployment gateway_status is ${status}`);
    const phone = await graph(ctx).getNumber(ctx.entry.phone_number_id, ['platform_type']);
    if (phone.platform_type !== 'ON_PREMISE') throw notYet(`platform_type is still ${phone.platform_type ?? 'unknown'}`);
    return done({ gateway_status: status });
  },
};

const verify: StepDefinition<Entry> = {
  name: 'verify',
  async run(ctx) {
    const before = snapshotOf(ctx).phone;
    const after = await graph(ctx).getNumber(ctx.entry.phone_number_id);
    const webhook = (await deployment(ctx).application()).webhookUrl;
    return verdict([
      { name: 'platform_type', ok: after.platform_type === 'ON_PREMISE', detail: after.platform_type ?? 'unknown' },
      { name: 'gateway_status', ok: (await deployment(ctx).health()) === 'connected', detail: 'On-Prem deployment health' },
      // Seed 001 step 1: the deployment must have webhooks configured, or inbound messages go nowhere.
      { name: 'webhooks_url', ok: webhook !== undefined, detail: webhook ?? 'settings.application.webhooks.url is empty' },
      { name: 'official_business_account', ok: after.is_official_business_account === before.is_official_business_account, detail: `${String(before.is_official_business_account)} → ${String(after.is_official_business_account)}` },
    ]);
  },
};

export const cloudToOnprem: KindDefinition<Entry> = {
  commitStep: 'verify_account',
  steps: [snapshot, pauseOutboundStep, requestAccount, verifyAccount, verifyHealth, resumeOutboundStep, verify],
  /**
   * Still on Cloud: held messages go out there. On the deployment but failing verification: re-register
   * on Cloud API with the PIN (the original API, as seed 001 allows), then send held messages on Cloud.
   */
  async rollback(ctx) {
    const phone = await graph(ctx).getNumber(ctx.entry.phone_number_id, ['platform_type']);
    if (phone.platform_type === 'ON_PREMISE') {
      const pin = ctx.conn.secrets(ctx.entry).pin;
      if (pin === undefined) throw cannot('cannot re-register on Cloud API without the PIN');
      await graph(ctx).register(ctx.entry.phone_number_id, pin);
      await ctx.outbound.release(ctx.entry.phone_number_id, ctx.runId, sourceTarget(ctx.entry));
      return { status: 'rolled_back', note: 're-registered on Cloud API; held messages sent there' };
    }
    if (phone.platform_type === 'CLOUD_API') {
      await ctx.outbound.release(ctx.entry.phone_number_id, ctx.runId, sourceTarget(ctx.entry));
      return { status: 'rolled_back', note: 'the number stays on Cloud API; held messages sent there' };
    }
    return { status: 'failed', note: `the number is ${phone.platform_type ?? 'unregistered'}; held messages stay held` };
  },
};
