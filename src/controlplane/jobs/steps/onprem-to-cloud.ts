import { cannot } from '../../errors.js';
import type { NumberEntry } from '../../plan/schema.js';
import { cloudChecks, cloudHealthy, outputOf, pauseOutboundStep, resumeOutboundStep, snapshotStep, sourceTarget, destinationTarget, subscribeStep, verdict } from './common.js';
import { done, skipped, type KindDefinition, type StepContext, type StepDefinition } from './types.js';

type Entry = Extract<NumberEntry, { kind: 'onprem_to_cloud' }>;
type Ctx = StepContext<Entry>;

/** Seeds 000 and 002: back up On-Prem, register on Cloud with the backup (no OTP, OBA kept), subscribe. */

const graph = (ctx: StepContext): ReturnType<Ctx['conn']['sourceGraph']> => ctx.conn.sourceGraph(ctx.entry);
const deployment = (ctx: Ctx): ReturnType<Ctx['conn']['deployment']> => ctx.conn.deployment(ctx.entry.deployment);

const onCloud = async (ctx: StepContext): Promise<boolean> => (await graph(ctx).getNumber(ctx.entry.phone_number_id, ['platform_type'])).platform_type === 'CLOUD_API';

function secret(value: string | undefined, what: string): string {
  if (value === undefined) throw cannot(`${what} is not set in the environment`);
  return value;
}

/**
 * Safe to repeat (a backup changes nothing), so it observes only when it fails: after a crash past the
 * register call the deployment is disconnected and refuses to back up — the number is on Cloud API
 * then, and the step is skipped. Observing first would cost every number a GET for that rare case.
 */
const backup: StepDefinition<Entry> = {
  name: 'backup',
  async run(ctx) {
    const password = secret(ctx.conn.secrets(ctx.entry).backupPassword, 'the backup password');
    try {
      // The blob is encrypted with the password (which is not stored); keeping it lets a resumed run
      // register without a second backup and lets a rollback restore the deployment.
      return done({ data: await deployment(ctx).backup(password) });
    } catch (err) {
      if (await onCloud(ctx)) return skipped({ reason: 'already on Cloud API' });
      throw err;
    }
  },
};

/**
 * Not idempotent (10 registrations per 72 h): observe first — unless register was never attempted for
 * this job and this process's backup has just succeeded. A deployment backs up only while it serves
 * the number (after a register elsewhere it refuses, and the backup step is skipped), so the number was
 * On-Prem seconds ago and nobody has registered it since: the GET would only say so again.
 */
const register: StepDefinition<Entry> = {
  name: 'register',
  observe: async (ctx) => {
    if (ctx.ranHere.has('backup') && !ctx.attempted('register')) return undefined;
    return (await onCloud(ctx)) ? done({ observed: 'already on Cloud API' }) : undefined;
  },
  async run(ctx) {
    const { pin, backupPassword } = ctx.conn.secrets(ctx.entry);
    const data = (ctx.outputs['backup'] as { data?: string } | undefined)?.data;
    if (data === undefined) throw cannot('no backup was recorded, and the number is not on Cloud API');
    await graph(ctx).register(ctx.entry.phone_number_id, secret(pin, 'the PIN'), { password: secret(backupPassword, 'the backup password'), data });
    return done();
  },
};

export const onpremToCloud: KindDefinition<Entry> = {
  commitStep: 'register',
  steps: [
    snapshotStep(graph),
    pauseOutboundStep,
    backup,
    register,
    { name: 'verify_health', run: async (ctx) => done(await cloudHealthy(graph(ctx), ctx.entry.phone_number_id)) },
    // Seed 000: after migrating, subscribe the app to the WABA's webhooks.
    subscribeStep<Entry>('subscribe_app', graph, (entry) => entry.waba_id),
    resumeOutboundStep,
    { name: 'verify', run: async (ctx) => verdict(await cloudChecks(graph(ctx), ctx, ctx.entry.waba_id)) },
  ],
  /**
   * Still On-Prem (e.g. register refused with 133005: a wrong PIN takes the deployment down, seed 002):
   * restore the deployment from the backup and send held messages there. Already on Cloud: moving back
   * would need a new verification code, so the number stays and held messages go out on Cloud.
   */
  async rollback(ctx) {
    if (await onCloud(ctx)) {
      await ctx.outbound.release(ctx.entry.phone_number_id, ctx.runId, destinationTarget(ctx.entry));
      return { status: 'failed', note: 'left on Cloud API (moving back needs a new verification code); held messages sent on Cloud API' };
    }
    let restored = '';
    if ((await deployment(ctx).health()) !== 'connected') {
      const data = outputOf<{ data: string }>(ctx, 'backup').data;
      await deployment(ctx).restore(secret(ctx.conn.secrets(ctx.entry).backupPassword, 'the backup password'), data);
      restored = 'restored the On-Prem deployment from the backup; ';
    }
    await ctx.outbound.release(ctx.entry.phone_number_id, ctx.runId, sourceTarget(ctx.entry));
    return { status: 'rolled_back', note: `${restored}the number stays on the On-Premises API; held messages sent there` };
  },
};
