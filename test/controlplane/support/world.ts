import { sql } from 'kysely';
import { onPostgres } from '../../support/postgres.js';
import { planSchema, type Plan } from '../../../src/controlplane/plan/schema.js';
import { ADMIN_PASSWORD, OnpremClient, expectOnpremOk, type NumberRef } from '../../support/onprem-helpers.js';
import { addNumber, type TestPlatform, type World } from '../../support/platform.js';

/** Fixtures for control-plane scenarios: real numbers on a real platform, and plans that name them. */

export const PIN = '123456';
export const ENV_BASE = { SB_PIN: PIN, SB_BACKUP: 'tacocat', DEP_PASSWORD: ADMIN_PASSWORD };

export interface Placed {
  number: NumberRef;
  dep: OnpremClient;
}

/** A number registered on its own On-Prem deployment, two-step PIN set there. */
export async function numberOnOnprem(tp: TestPlatform, world: World, options: { oba?: boolean; shards?: number } = {}): Promise<Placed> {
  const number = await addNumber(tp, world, { register_pin: undefined, is_official_business_account: options.oba ?? true });
  const dep = await OnpremClient.create(tp, { webhookUrl: world.receiver.url });
  await dep.register(number);
  expectOnpremOk(await dep.call('POST', 'settings/account/two-step', { pin: PIN }));
  if (options.shards !== undefined) expectOnpremOk(await dep.setShards(number, options.shards, PIN), 201);
  return { number, dep };
}

/** A number registered on Cloud API (PIN set) and a fresh deployment to move it to. */
export async function numberOnCloud(tp: TestPlatform, world: World): Promise<Placed> {
  const number = await addNumber(tp, world, { register_pin: PIN });
  const dep = await OnpremClient.create(tp, { webhookUrl: world.receiver.url });
  return { number, dep };
}

type EntryInput = Record<string, unknown> & { kind: string; placed: Placed };

/** A rehearsal plan against `tp` for the given numbers (ids, WABA and deployments filled in). */
export function planFor(tp: TestPlatform, world: World, entries: EntryInput[], extra: Record<string, unknown> = {}): Plan {
  const deployments: Record<string, unknown> = {};
  const numbers = entries.map(({ placed, ...rest }) => {
    deployments[placed.dep.id] = { url: `${tp.base}/onprem/${placed.dep.id}`, password_env: 'DEP_PASSWORD' };
    return { phone_number_id: placed.number.id, waba_id: world.wabaId, deployment: placed.dep.id, ...rest };
  });
  return planSchema.parse({
    version: 1,
    name: 'rehearsal',
    graph: { base_url: tp.base, token_env: 'SB_TOKEN' },
    rehearsal: {},
    otp: { source: 'rehearsal_inbox' },
    defaults: { pin_env: 'SB_PIN', backup_password_env: 'SB_BACKUP' },
    deployments,
    batch: { size: 2, concurrency: 2 },
    retry: { max_attempts: 6, base_ms: 20, max_ms: 200 },
    request_timeout_ms: 5000,
    numbers,
    ...extra,
  });
}

/**
 * The same plan with Graph and the On-Prem deployments reached through `proxyUrl` (a FaultProxy);
 * the rehearsal helpers too when `rehearsalViaProxy`.
 */
export function viaProxy(tp: TestPlatform, proxyUrl: string, plan: Plan, extra: { request_timeout_ms?: number; rehearsalViaProxy?: boolean } = {}): Plan {
  const deployments = Object.fromEntries(Object.entries(plan.deployments).map(([k, d]) => [k, { ...d, url: d.url.replace(tp.base, proxyUrl) }]));
  const control = `${extra.rehearsalViaProxy ? proxyUrl : tp.base}/_switchboard`;
  return planSchema.parse({ ...plan, graph: { ...plan.graph, base_url: proxyUrl }, deployments, rehearsal: { ...plan.rehearsal, control_url: control }, request_timeout_ms: extra.request_timeout_ms ?? 1500 });
}

/** Register events the platform recorded for a number (test-side inspection of the platform's own store). */
export async function registrations(tp: TestPlatform, phoneNumberId: string): Promise<number> {
  const rows = await tp.platform.store.db.selectFrom('registration_events').select('id').where('phone_number_id', '=', phoneNumberId).where('kind', '=', 'register').execute();
  return rows.length;
}

/** Text bodies of the outbound messages the platform stored for a number, in insertion order. */
export async function sentTexts(tp: TestPlatform, phoneNumberId: string): Promise<string[]> {
  const rows = await tp.platform.store.db
    .selectFrom('messages')
    .select('body')
    .where('phone_number_id', '=', phoneNumberId)
    .where('direction', '=', 'outbound')
    // Insertion order: SQLite's rowid; on PostgreSQL the inserting transaction's id (sends are sequential).
    .orderBy(onPostgres() ? sql`xmin::text::bigint` : sql`rowid`)
    .execute();
  return rows.map((r) => (JSON.parse(r.body) as { text?: { body: string } }).text?.body ?? '');
}
