import { RemoteError } from '../../clients/remote-error.js';
import { cannot } from '../../errors.js';
import type { NumberEntry } from '../../plan/schema.js';
import { cloudChecks, cloudHealthy, pauseOutboundStep, resumeOutboundStep, snapshotOf, snapshotStep, sourceTarget, subscribeStep, verdict } from './common.js';
import { done, skipped, type KindDefinition, type StepContext, type StepDefinition } from './types.js';

type Entry = Extract<NumberEntry, { kind: 'waba_to_waba' }>;
type Ctx = StepContext<Entry>;

/**
 * Seed 004: the destination WABA's owner claims a number registered in another WABA. Disable two-step
 * → `POST /{dest}/phone_numbers {migrate_phone_number:true}` → request and verify a code → register on
 * Cloud API in the destination → subscribe. Eligibility errors are Graph code 100 with subcodes
 * 2388001 (two-step on), 2388012 (already in that WABA), 2388103 (other ineligibility).
 */

/** Subcode meaning "this WABA already has the number": the migration call already took effect. */
export const ALREADY_IN_WABA = 2388012;

const source = (ctx: StepContext): ReturnType<Ctx['conn']['sourceGraph']> => ctx.conn.sourceGraph(ctx.entry);
const dest = (ctx: StepContext): ReturnType<Ctx['conn']['destinationGraph']> => ctx.conn.destinationGraph(ctx.entry);

const inDestination = async (ctx: Ctx): Promise<boolean> => (await dest(ctx).wabaNumberIds(ctx.entry.destination_waba_id)).includes(ctx.entry.phone_number_id);

const disableTwoStep: StepDefinition<Entry> = {
  name: 'disable_two_step',
  async run(ctx) {
    if (!snapshotOf(ctx).phone.is_pin_enabled) return skipped({ reason: 'two-step verification was off' });
    const phone = await source(ctx).getNumber(ctx.entry.phone_number_id, ['is_pin_enabled']);
    if (!phone.is_pin_enabled) return skipped({ observed: 'already off' });
    if (ctx.entry.source_api === 'onprem' && ctx.entry.deployment !== undefined) {
      await ctx.conn.deployment(ctx.entry.deployment).disableTwoStep();
      return done({ via: 'On-Prem DELETE /v1/settings/account/two-step' });
    }
    if (ctx.conn.rehearsal) {
      await ctx.conn.rehearsal.disableTwoStep(ctx.entry.phone_number_id);
      return done({ via: 'rehearsal (WhatsApp Manager)' });
    }
    throw cannot('two-step verification is on; Cloud API cannot disable it by API', 'the source WABA owner disables it in WhatsApp Manager, then resume');
  },
};

/**
 * Repeating the request while the destination's claim is pending is accepted, and once the migration
 * completed it answers 2388012, so the step needs no observation beyond that answer.
 */
const initiate: StepDefinition<Entry> = {
  name: 'initiate_migration',
  async run(ctx) {
    const snap = snapshotOf(ctx);
    try {
      const { id } = await dest(ctx).migrateNumber(ctx.entry.destination_waba_id, snap.cc, snap.national);
      if (id !== ctx.entry.phone_number_id) throw cannot(`the migration answered id ${id}, expected the same phone number id ${ctx.entry.phone_number_id}`);
      return done({ id });
    } catch (err) {
      if (err instanceof RemoteError && err.subcode === ALREADY_IN_WABA) return done({ observed: err.message });
      throw err;
    }
  },
};

/** Repeating only sends a new code (the latest one is the valid one), so no observation is needed. */
const requestCode: StepDefinition<Entry> = {
  name: 'request_code',
  run: async (ctx) => done(await dest(ctx).requestCode(ctx.entry.phone_number_id, ctx.entry.code_method, ctx.entry.language)),
};

/**
 * The verified code completes the migration: from then on the destination WABA lists the number. (Not
 * `code_verification_status`: a registered number was VERIFIED long before the migration.)
 */
const verifyCode: StepDefinition<Entry> = {
  name: 'verify_code',
  observe: async (ctx) => ((await inDestination(ctx)) ? done({ observed: 'the destination WABA lists the number' }) : undefined),
  async run(ctx) {
    await dest(ctx).verifyCode(ctx.entry.phone_number_id, await ctx.conn.otp.code(ctx.entry.phone_number_id));
    return done();
  },
};

const register: StepDefinition<Entry> = {
  name: 'register',
  observe: async (ctx) => {
    const phone = await dest(ctx).getNumber(ctx.entry.phone_number_id, ['platform_type', 'status']);
    return phone.platform_type === 'CLOUD_API' && phone.status === 'CONNECTED' ? done({ observed: 'already registered' }) : undefined;
  },
  async run(ctx) {
    const pin = ctx.conn.secrets(ctx.entry).pin;
    if (pin === undefined) throw cannot('the PIN is not set');
    await dest(ctx).register(ctx.entry.phone_number_id, pin);
    return done();
  },
};

/** Turns two-step verification back on with the known PIN if this job turned it off. */
async function restoreTwoStep(ctx: Ctx): Promise<string> {
  const disabled = ctx.outputs['disable_two_step'] as { via?: string } | undefined;
  const pin = ctx.conn.secrets(ctx.entry).pin;
  if (disabled?.via === undefined || pin === undefined) return '';
  if (ctx.entry.source_api === 'onprem' && ctx.entry.deployment !== undefined) await ctx.conn.deployment(ctx.entry.deployment).enableTwoStep(pin);
  else await source(ctx).setPin(ctx.entry.phone_number_id, pin);
  return '; two-step verification is on again';
}

export const wabaToWaba: KindDefinition<Entry> = {
  commitStep: 'initiate_migration',
  steps: [
    snapshotStep(source),
    pauseOutboundStep,
    disableTwoStep,
    // Seed 004: at least one app must be subscribed to the destination WABA before migrating (2388103).
    subscribeStep<Entry>('subscribe_destination', dest, (entry) => entry.destination_waba_id),
    initiate,
    requestCode,
    verifyCode,
    register,
    { name: 'verify_health', run: async (ctx) => done(await cloudHealthy(dest(ctx), ctx.entry.phone_number_id)) },
    resumeOutboundStep,
    { name: 'verify', run: async (ctx) => verdict(await cloudChecks(dest(ctx), ctx, ctx.entry.destination_waba_id)) },
  ],
  async rollback(ctx) {
    if (!(await inDestination(ctx))) {
      const restored = await restoreTwoStep(ctx);
      await ctx.outbound.release(ctx.entry.phone_number_id, ctx.runId, sourceTarget(ctx.entry));
      return { status: 'rolled_back', note: `the number never left the source WABA${restored}; held messages sent there` };
    }
    // Held messages stay held: the number is in the destination WABA but not (yet) able to send.
    return { status: 'failed', note: 'the number is in the destination WABA: fix the cause and run `migrate resume`, or the source owner migrates it back (seed 004); held messages stay held' };
  },
};
