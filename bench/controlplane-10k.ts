/**
 * Benchmark: the control plane migrating N numbers On-Prem → Cloud (default 10,000) against the
 * platform running as its own process (`dist/main.js --downtime-ms 0 --no-rate-limits`).
 *
 *   npm run build && npx tsx bench/controlplane-10k.ts [--numbers 10000] [--concurrency 32] [--batch 1000]
 *       [--backup-kdf-cost 12] [--held-every 10] [--preflight per_batch|upfront]
 *
 * Setup (not timed): N numbers, each registered on its own On-Prem deployment with a two-step PIN,
 * made by the control API's bulk endpoint (`POST /_switchboard/onprem/bulk`, 1,000 per call).
 * `--backup-kdf-cost` sets the platform's emulator-only scrypt cost of backups (N = 2^cost; the
 * platform's default is 12, rehearsals may lower it).
 *
 * Timed: `Runner.create` and `Runner.execute` (8 steps per number, every result committed to the
 * control plane's SQLite file before the next remote call) in this process. Pre-flight checks every
 * number: with `--preflight per_batch` (the plan's `batch.preflight`, default here) `create` checks the
 * first batch and each later batch is checked while the one before it migrates; with `upfront`,
 * `create` checks all of them first.
 * Every `--held-every`-th number gets two messages sent through the control plane's gateway right
 * after its `pause_outbound` step: they must be held, then leave on Cloud API at `resume_outbound`.
 *
 * Checked afterwards: every job succeeded, every number is on Cloud API, and every held message is in
 * the platform's message log exactly once (none lost, none duplicated).
 *
 * Prints JSON: seconds for create and execute, numbers/s, CPU seconds (and ms per number) of the
 * control plane and of the platform during the timed part, the load average, held-message counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Runner } from '../src/controlplane/jobs/runner.js';
import { JobStore } from '../src/controlplane/jobs/store.js';
import { trackingTag } from '../src/controlplane/outbound/payload.js';
import { planSchema } from '../src/controlplane/plan/schema.js';
import { mapLimit } from '../src/controlplane/util/pool.js';
import { call, cpuSecondsOf, startPlatform } from './support.js';

const { values } = parseArgs({
  options: {
    numbers: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
    batch: { type: 'string', default: '1000' },
    'backup-kdf-cost': { type: 'string', default: '12' },
    'held-every': { type: 'string', default: '10' },
    preflight: { type: 'string', default: 'per_batch' },
  },
});
const numberCount = Number(values.numbers);
const heldEvery = Number(values['held-every']);
const PIN = '123456';
const ADMIN_PASSWORD = 'Bench-admin-1';
const BULK = 1000;
const CONSUMER = '16505551234';

interface Subject {
  id: string;
  deployment: string;
}

/** N numbers on their own deployments, through the bulk endpoint. */
async function provision(base: string, wabaId: string): Promise<Subject[]> {
  const subjects: Subject[] = [];
  for (let first = 0; first < numberCount; first += BULK) {
    const count = Math.min(BULK, numberCount - first);
    const res = await call<{ data: { phone_number_id: string; deployment_id: string }[] }>(
      base,
      'POST',
      '/_switchboard/onprem/bulk',
      { waba_id: wabaId, count, cc: '1', first_phone_number: String(5_552_000_000 + first), deployment_prefix: `cp-bench-${first / BULK}-`, admin_password: ADMIN_PASSWORD, pin: PIN, verified_name: 'Bench Shop', is_official_business_account: true },
      undefined,
      201,
    );
    subjects.push(...res.data.map((d) => ({ id: d.phone_number_id, deployment: d.deployment_id })));
  }
  return subjects;
}

interface HeldCheck {
  sent: number;
  held: number;
  lost: number;
  duplicated: number;
  not_sent: number;
}

/** Every held message must be in the platform's log exactly once, on Cloud API. */
async function checkHeld(base: string, store: JobStore, ids: readonly string[]): Promise<Omit<HeldCheck, 'sent' | 'held'>> {
  let lost = 0;
  let duplicated = 0;
  let notSent = 0;
  await mapLimit(ids, 16, async (id) => {
    const rows = await store.outbound(id);
    notSent += rows.filter((r) => r.status !== 'sent' || r.api !== 'cloud').length;
    const log = await call<{ data: { direction: string; biz_opaque_callback_data: string | null }[] }>(base, 'GET', `/_switchboard/messages?phone_number_id=${id}&limit=500`);
    const tags = log.data.filter((m) => m.direction === 'outbound').map((m) => m.biz_opaque_callback_data);
    for (const row of rows) {
      const copies = tags.filter((t) => t === trackingTag(row.id)).length;
      if (copies === 0) lost += 1;
      if (copies > 1) duplicated += copies - 1;
    }
  });
  return { lost, duplicated, not_sent: notSent };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-cp-bench-'));
  const { child, base } = await startPlatform(join(dir, 'platform.sqlite'), ['--downtime-ms', '0', '--no-rate-limits']);
  try {
    const setupStart = performance.now();
    await call(base, 'PATCH', '/_switchboard/settings', { backup_kdf_cost: Number(values['backup-kdf-cost']) });
    const partner = await call<{ id: string }>(base, 'POST', '/_switchboard/businesses', { name: 'Bench Partner' });
    const waba = await call<{ id: string }>(base, 'POST', '/_switchboard/wabas', { name: 'Bench WABA', owner_business_id: partner.id });
    const app = await call<{ id: string }>(base, 'POST', '/_switchboard/apps', { name: 'Bench App', business_id: partner.id });
    const { access_token: token } = await call<{ access_token: string }>(base, 'POST', '/_switchboard/tokens', { app_id: app.id, business_ids: [partner.id] });
    const subjects = await provision(base, waba.id);
    const setupSeconds = (performance.now() - setupStart) / 1000;

    const plan = planSchema.parse({
      version: 1,
      name: `bench-${numberCount}`,
      graph: { base_url: base, token_env: 'BENCH_TOKEN' },
      rehearsal: {},
      defaults: { pin_env: 'BENCH_PIN', backup_password_env: 'BENCH_BACKUP' },
      deployments: Object.fromEntries(subjects.map((s) => [s.deployment, { url: `${base}/onprem/${s.deployment}`, password_env: 'BENCH_ADMIN' }])),
      batch: { size: Number(values.batch), concurrency: Number(values.concurrency), preflight: values.preflight },
      numbers: subjects.map((s) => ({ phone_number_id: s.id, kind: 'onprem_to_cloud', waba_id: waba.id, deployment: s.deployment })),
    });
    const store = await JobStore.open(join(dir, 'control-plane.sqlite'));
    const runner = new Runner(store, { env: { BENCH_TOKEN: token, BENCH_PIN: PIN, BENCH_BACKUP: 'tacocat', BENCH_ADMIN: ADMIN_PASSWORD } });

    // The partner's app sends while numbers are mid-migration: these messages must be held.
    const withMessages = new Set(subjects.filter((_, i) => heldEvery > 0 && i % heldEvery === 0).map((s) => s.id));
    const sends: Promise<'queued' | 'held'>[] = [];
    // Transient failures retried (a step's, or a held message's send): each costs a backoff delay.
    const retries = new Map<string, number>();
    // Seconds per batch: a stall (a retry's backoff, an in-doubt send waiting out its timeout) shows here.
    const batchStarts = new Map<number, number>();
    const batchSeconds: number[] = [];
    runner.events.on((e) => {
      if (e.type === 'batch_started') batchStarts.set(e.batch, performance.now());
      if (e.type === 'batch_finished') batchSeconds.push(round((performance.now() - (batchStarts.get(e.batch) ?? 0)) / 1000));
      if (e.type === 'step_retry') retries.set(`${e.step}: ${e.error.slice(0, 80)}`, (retries.get(`${e.step}: ${e.error.slice(0, 80)}`) ?? 0) + 1);
    });
    runner.events.on((e) => {
      if (e.type !== 'step_finished' || e.step !== 'pause_outbound' || !withMessages.has(e.phoneNumberId)) return;
      for (const n of [1, 2]) sends.push(runner.outbound.send(e.phoneNumberId, { to: CONSUMER, type: 'text', text: { body: `held ${n}` } }).then((r) => r.state));
    });

    const cpu0 = process.cpuUsage();
    const platformCpu0 = cpuSecondsOf(child.pid);
    const t0 = performance.now();
    const { runId, preflight } = await runner.create(plan);
    const t1 = performance.now();
    const cpuCreate = process.cpuUsage(cpu0);
    const platformCpuCreate = cpuSecondsOf(child.pid);
    const summary = await runner.execute(runId);
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const platformCpu1 = cpuSecondsOf(child.pid);
    const states = await Promise.all(sends);

    const held: HeldCheck = { sent: states.length, held: states.filter((s) => s === 'held').length, ...(await checkHeld(base, store, [...withMessages])) };
    await store.close();
    const onCloud = await mapLimit(subjects, 16, async (s) => (await call<{ platform_type: string }>(base, 'GET', `/v23.0/${s.id}?fields=platform_type`, undefined, `Bearer ${token}`)).platform_type === 'CLOUD_API');
    const total = (t2 - t0) / 1000;
    const heldOk = held.held === held.sent && held.lost === 0 && held.duplicated === 0 && held.not_sent === 0;
    const allOk = summary.counts.succeeded === numberCount && onCloud.every(Boolean) && heldOk;
    console.log(
      JSON.stringify(
        {
          benchmark: 'control plane: On-Prem → Cloud plan (pre-flight + run), platform downtime 0',
          numbers: numberCount,
          concurrency: plan.batch.concurrency,
          batch_size: plan.batch.size,
          preflight_mode: plan.batch.preflight,
          backup_kdf_cost: Number(values['backup-kdf-cost']),
          preflight_blocked: preflight.blocked,
          jobs: summary.counts,
          all_on_cloud_api: onCloud.every(Boolean),
          held_messages: held,
          step_retries: Object.fromEntries(retries),
          batch_s: batchSeconds,
          // Runner.create: pre-flight of every number (upfront) or of the first batch (per_batch).
          create_s: round((t1 - t0) / 1000),
          execute_s: round((t2 - t1) / 1000),
          total_s: round(total),
          numbers_per_s: round(numberCount / total),
          control_plane_cpu_s: round((cpu.user + cpu.system) / 1e6),
          platform_cpu_s: platformCpu0 === undefined || platformCpu1 === undefined ? null : round(platformCpu1 - platformCpu0),
          control_plane_cpu_ms_per_number: round((cpu.user + cpu.system) / 1e3 / numberCount, 2),
          control_plane_cpu_system_s: round(cpu.system / 1e6),
          platform_cpu_ms_per_number: platformCpu0 === undefined || platformCpu1 === undefined ? null : round(((platformCpu1 - platformCpu0) * 1000) / numberCount, 2),
          // What `Runner.create` (pre-flight) used of it.
          create_cpu_s: { control_plane: round((cpuCreate.user + cpuCreate.system) / 1e6), platform: platformCpu0 === undefined || platformCpuCreate === undefined ? null : round(platformCpuCreate - platformCpu0) },
          load_average: loadavg().map((l) => round(l)),
          target: '10,000 numbers under 60 s on 2 cores, 0 lost and 0 duplicated held messages',
          target_met: numberCount >= 10_000 && total < 60 && allOk,
          setup_s: round(setupSeconds),
        },
        null,
        2,
      ),
    );
    if (!allOk) process.exitCode = 1;
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

await main();
