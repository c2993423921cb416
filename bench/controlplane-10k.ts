/**
 * Benchmark: the control plane migrating N numbers On-Prem → Cloud (default 10,000) against the
 * platform running as its own process (`dist/main.js`, `--downtime-ms 0`).
 *
 *   npm run build && npx tsx bench/controlplane-10k.ts [--numbers 10000] [--concurrency 32] [--batch 1000] [--setup-concurrency 16]
 *
 * Setup (not timed): N numbers registered on Cloud API, each moved to its own On-Prem deployment
 * through the platform's public APIs (deployment, login, /v1/account with the certificate, code from
 * the code inbox, /v1/account/verify, two-step PIN). The platform has no bulk provisioning endpoint,
 * so this costs about 8 HTTP calls per number.
 *
 * Timed: `Runner.create` (pre-flight of every number: 4 reads each) and `Runner.execute` (8 steps per
 * number, every result committed to the control plane's SQLite file) in this process. Afterwards
 * every number must be on Cloud API and every job succeeded.
 *
 * Prints JSON: seconds for pre-flight and run, numbers/s, the control plane's own CPU seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Runner } from '../src/controlplane/jobs/runner.js';
import { JobStore } from '../src/controlplane/jobs/store.js';
import { planSchema } from '../src/controlplane/plan/schema.js';
import { mapLimit } from '../src/controlplane/util/pool.js';
import { call, startPlatform } from './support.js';

const { values } = parseArgs({
  options: {
    numbers: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
    batch: { type: 'string', default: '1000' },
    'setup-concurrency': { type: 'string', default: '16' },
  },
});
const numberCount = Number(values.numbers);
const PIN = '123456';
const ADMIN_PASSWORD = 'Bench-admin-1';

interface Subject {
  id: string;
  deployment: string;
}

/** A number registered on Cloud API, moved onto its own new deployment (seed 001), two-step PIN set there. */
async function provision(base: string, wabaId: string, i: number): Promise<Subject> {
  const phone = `55520${String(i).padStart(5, '0')}`;
  const n = await call<{ id: string }>(base, 'POST', '/_switchboard/phone-numbers', { waba_id: wabaId, cc: '1', phone_number: phone, verified_name: 'Bench Shop', register_pin: PIN, is_official_business_account: true });
  const deployment = `cp-bench-${i}`;
  await call(base, 'POST', '/_switchboard/onprem/deployments', { id: deployment, admin_password: ADMIN_PASSWORD }, undefined, 201);
  const login = await call<{ users: { token: string }[] }>(base, 'POST', `/onprem/${deployment}/v1/users/login`, {}, `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`);
  const bearer = `Bearer ${login.users[0]?.token ?? ''}`;
  const { certificate } = await call<{ certificate: string }>(base, 'GET', `/_switchboard/phone-numbers/${n.id}/certificate`);
  await call(base, 'POST', `/onprem/${deployment}/v1/account`, { cc: '1', phone_number: phone, method: 'sms', cert: certificate, pin: PIN }, bearer, 202);
  const inbox = await call<{ data: { code: string; consumed_at: number | null }[] }>(base, 'GET', `/_switchboard/code-inbox?phone_number_id=${n.id}`);
  await call(base, 'POST', `/onprem/${deployment}/v1/account/verify`, { code: inbox.data.find((c) => c.consumed_at === null)?.code }, bearer, 201);
  return { id: n.id, deployment };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-cp-bench-'));
  const { child, base } = await startPlatform(join(dir, 'platform.sqlite'), ['--downtime-ms', '0', '--no-rate-limits']);
  try {
    const setupStart = performance.now();
    const partner = await call<{ id: string }>(base, 'POST', '/_switchboard/businesses', { name: 'Bench Partner' });
    const waba = await call<{ id: string }>(base, 'POST', '/_switchboard/wabas', { name: 'Bench WABA', owner_business_id: partner.id });
    const app = await call<{ id: string }>(base, 'POST', '/_switchboard/apps', { name: 'Bench App', business_id: partner.id });
    const { access_token: token } = await call<{ access_token: string }>(base, 'POST', '/_switchboard/tokens', { app_id: app.id, business_ids: [partner.id] });
    const indexes = Array.from({ length: numberCount }, (_, i) => i);
    const subjects = await mapLimit(indexes, Number(values['setup-concurrency']), (i) => provision(base, waba.id, i));
    const setupSeconds = (performance.now() - setupStart) / 1000;

    const plan = planSchema.parse({
      version: 1,
      name: `bench-${numberCount}`,
      graph: { base_url: base, token_env: 'BENCH_TOKEN' },
      defaults: { pin_env: 'BENCH_PIN', backup_password_env: 'BENCH_BACKUP' },
      deployments: Object.fromEntries(subjects.map((s) => [s.deployment, { url: `${base}/onprem/${s.deployment}`, password_env: 'BENCH_ADMIN' }])),
      batch: { size: Number(values.batch), concurrency: Number(values.concurrency) },
      numbers: subjects.map((s) => ({ phone_number_id: s.id, kind: 'onprem_to_cloud', waba_id: waba.id, deployment: s.deployment })),
    });
    const store = await JobStore.open(join(dir, 'control-plane.sqlite'));
    const runner = new Runner(store, { env: { BENCH_TOKEN: token, BENCH_PIN: PIN, BENCH_BACKUP: 'tacocat', BENCH_ADMIN: ADMIN_PASSWORD } });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { runId, preflight } = await runner.create(plan);
    const t1 = performance.now();
    const summary = await runner.execute(runId);
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    await store.close();

    const onCloud = await mapLimit(subjects, 16, async (s) => (await call<{ platform_type: string }>(base, 'GET', `/v23.0/${s.id}?fields=platform_type`, undefined, `Bearer ${token}`)).platform_type === 'CLOUD_API');
    const total = (t2 - t0) / 1000;
    console.log(
      JSON.stringify(
        {
          benchmark: 'control plane: On-Prem → Cloud plan (pre-flight + run), platform downtime 0',
          numbers: numberCount,
          concurrency: plan.batch.concurrency,
          batch_size: plan.batch.size,
          preflight_blocked: preflight.blocked,
          jobs: summary.counts,
          all_on_cloud_api: onCloud.every(Boolean),
          preflight_s: Number(((t1 - t0) / 1000).toFixed(1)),
          run_s: Number(((t2 - t1) / 1000).toFixed(1)),
          total_s: Number(total.toFixed(1)),
          numbers_per_s: Number((numberCount / total).toFixed(1)),
          control_plane_cpu_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
          target: '10,000 numbers under 60 s on 2 cores',
          target_met: numberCount >= 10_000 && total < 60 && summary.counts.succeeded === numberCount,
          setup_s: Number(setupSeconds.toFixed(1)),
        },
        null,
        2,
      ),
    );
    if (summary.counts.succeeded !== numberCount) process.exitCode = 1;
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
