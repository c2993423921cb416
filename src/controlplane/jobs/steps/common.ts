import type { GraphClient, PhoneNumberFields } from '../../clients/graph-client.js';
import { readNumber } from '../../connections.js';
import { cannot, notYet } from '../../errors.js';
import type { Target } from '../../outbound/gateway.js';
import type { NumberEntry } from '../../plan/schema.js';
import type { VerificationCheck } from '../../wire.js';
import { done, type StepContext, type StepDefinition } from './types.js';

/** The number as it was before anything changed: what verification compares against. */
export interface Snapshot {
  phone: PhoneNumberFields;
  cc: string;
  /** The number without its country code (what `/v1/account` and `phone_numbers` take). */
  national: string;
}

export interface Verification {
  ok: boolean;
  checks: VerificationCheck[];
}

export function outputOf<T>(ctx: StepContext, step: string): T {
  const out = ctx.outputs[step];
  if (out === undefined) throw new Error(`step ${step} has no recorded output`);
  return out as T;
}

export const snapshotOf = (ctx: StepContext): Snapshot => outputOf<Snapshot>(ctx, 'snapshot');

/** Where the number's outbound messages go before the migration. */
export function sourceTarget(entry: NumberEntry): Target {
  switch (entry.kind) {
    case 'onprem_to_cloud':
      return { api: 'onprem', deployment: entry.deployment, side: 'source' };
    case 'cloud_to_onprem':
      return { api: 'cloud', deployment: null, side: 'source' };
    case 'waba_to_waba':
      return { api: entry.source_api, deployment: entry.deployment ?? null, side: 'source' };
  }
}

/** ...and after it. */
export function destinationTarget(entry: NumberEntry): Target {
  switch (entry.kind) {
    case 'onprem_to_cloud':
      return { api: 'cloud', deployment: null, side: 'source' };
    case 'cloud_to_onprem':
      return { api: 'onprem', deployment: entry.deployment, side: 'source' };
    case 'waba_to_waba':
      return { api: 'cloud', deployment: null, side: 'destination' };
  }
}

/**
 * How old pre-flight's read of a number may be to serve as the snapshot: seconds when pre-flight runs
 * batch by batch or just before; a run that waited for its window reads again.
 */
export const SNAPSHOT_MAX_AGE_MS = 60_000;

/** `+1 631-555-5555` with cc `1` → `6315555555`. */
export function nationalNumber(display: string | undefined, cc: string | undefined): { cc: string; national: string } {
  const digits = (display ?? '').replace(/\D/g, '');
  if (!cc || !digits.startsWith(cc)) throw cannot(`cannot split "${display ?? ''}" into country code "${cc ?? ''}" and number`);
  return { cc, national: digits.slice(cc.length) };
}

/** Read-only: records the number's state before the migration. Safe to repeat. */
export function snapshotStep(graphOf: (ctx: StepContext) => GraphClient): StepDefinition {
  return {
    name: 'snapshot',
    async run(ctx) {
      const phone = await readNumber(ctx.conn, ctx.entry, graphOf(ctx), SNAPSHOT_MAX_AGE_MS);
      return done({ phone, ...nationalNumber(phone.display_phone_number, phone.country_dial_code) } satisfies Snapshot);
    },
  };
}

/** From here on, messages the app sends through the control plane are held (durably). */
export const pauseOutboundStep: StepDefinition = {
  name: 'pause_outbound',
  async run(ctx) {
    await ctx.outbound.hold(ctx.entry.phone_number_id, ctx.runId, sourceTarget(ctx.entry));
    return done();
  },
};

/** Held messages leave on the new API in arrival order; then the gate opens there. */
export const resumeOutboundStep: StepDefinition = {
  name: 'resume_outbound',
  async run(ctx) {
    const delivered = await ctx.outbound.release(ctx.entry.phone_number_id, ctx.runId, destinationTarget(ctx.entry));
    return done({ delivered });
  },
};

/**
 * Subscribes the app to the WABA's webhooks (seeds 000 and 004). Harmless to repeat, and the same for
 * every number of the WABA, so the numbers of a run share one call; a failed call is made again by the
 * next number. `verify` reads the WABA's subscriptions again (shared for at most a second).
 */
export function subscribeStep<E extends NumberEntry>(name: string, graphOf: (ctx: StepContext<E>) => GraphClient, wabaOf: (entry: E) => string): StepDefinition<E> {
  return {
    name,
    run: async (ctx) => {
      const graph = graphOf(ctx);
      const wabaId = wabaOf(ctx.entry);
      return done(await ctx.conn.perWaba.get(graph, `subscribe:${wabaId}`, () => graph.subscribeApp(wabaId)));
    },
  };
}

/** How old a WABA read shared between numbers' verifications may be. */
const SHARED_READ_MAX_AGE_MS = 1000;

const THROUGHPUT_RANK: Record<string, number> = { NOT_APPLICABLE: 0, STANDARD: 1, HIGH: 2 };

/** The checks every migration to Cloud API ends with (seed 000 step 4, seed 004's "what is kept"). */
export async function cloudChecks(graph: GraphClient, ctx: StepContext, wabaId: string): Promise<Verification['checks']> {
  const before = snapshotOf(ctx).phone;
  // verify_health read the number after the switch moments ago, in this process: the same answer.
  const recent = ctx.ranHere.has('verify_health') ? outputOf<CloudHealth>(ctx, 'verify_health').phone : undefined;
  const after = recent ?? (await graph.getNumber(ctx.entry.phone_number_id, CLOUD_CHECK_FIELDS));
  // Per WABA, not per number: numbers verifying within the same second share one read.
  const apps = await ctx.conn.perWaba.get(graph, `subscribed_apps:${wabaId}`, () => graph.subscribedApps(wabaId), SHARED_READ_MAX_AGE_MS);
  const rank = (level: string | undefined): number => THROUGHPUT_RANK[level ?? ''] ?? 0;
  return [
    { name: 'platform_type', ok: after.platform_type === 'CLOUD_API', detail: after.platform_type ?? 'unknown' },
    { name: 'can_send_message', ok: after.health_status?.can_send_message !== 'BLOCKED', detail: after.health_status?.can_send_message ?? 'unknown' },
    { name: 'subscribed_apps', ok: apps.length > 0, detail: `${apps.length} app(s) subscribed to ${wabaId}` },
    { name: 'official_business_account', ok: !before.is_official_business_account || after.is_official_business_account === true, detail: `${String(before.is_official_business_account)} → ${String(after.is_official_business_account)}` },
    { name: 'throughput', ok: rank(after.throughput?.level) >= rank(before.throughput?.level), detail: `${before.throughput?.level ?? '?'} → ${after.throughput?.level ?? '?'}` },
  ];
}

/** Turns checks into the step's outcome: any failed check fails the job (the report says which). */
export function verdict(checks: Verification['checks']): ReturnType<typeof done> {
  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0) throw cannot(`verification failed: ${failed.map((c) => `${c.name} (${c.detail})`).join(', ')}`);
  return done({ ok: true, checks } satisfies Verification);
}

/** What `cloudChecks` reads of the number after the switch. */
const CLOUD_CHECK_FIELDS = ['platform_type', 'health_status', 'is_official_business_account', 'throughput'] as const;

/** verify_health's output: the health, and the read it came from (for `verify`). */
export interface CloudHealth {
  health: PhoneNumberFields['health_status'];
  phone?: PhoneNumberFields;
}

/** Polls until Graph says the number can send on Cloud API (health converges after the switch). */
export async function cloudHealthy(graph: GraphClient, id: string): Promise<CloudHealth> {
  const phone = await graph.getNumber(id, CLOUD_CHECK_FIELDS);
  if (phone.platform_type !== 'CLOUD_API') throw notYet(`platform_type is still ${phone.platform_type ?? 'unknown'}`);
  if (phone.health_status?.can_send_message === 'BLOCKED') throw notYet('health_status.can_send_message is BLOCKED');
  return { health: phone.health_status, phone };
}
