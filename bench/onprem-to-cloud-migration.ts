/**
 * Benchmark: latency of a full On-Prem → Cloud migration of one number (seeds 000, 002): back up the
 * On-Premises deployment, register the number on Cloud API with that backup, then read its
 * `health_status`. The platform runs as its own process (built `dist/main.js`, fresh SQLite file,
 * `--downtime-ms 0` unless told otherwise), so the figures are the platform's own cost, not the downtime.
 *
 *   npm run build && npx tsx bench/onprem-to-cloud-migration.ts [--numbers 200] [--concurrency 1] [--shards 2] [--postgres]
 *
 * `--postgres` runs the platform on a throwaway PostgreSQL cluster instead of a SQLite file.
 *
 * Setup (not timed, parallelised): N numbers provisioned on Cloud API with a two-step PIN, each then
 * moved to its own On-Prem deployment (log in, POST /v1/account with the number's certificate and PIN,
 * read the SMS code from the control API's code inbox, POST /v1/account/verify, set the shards).
 * Timed, per number: POST /v1/settings/backup → POST /{id}/register {backup} → GET /{id}?fields=health_status.
 * Afterwards every number must be on CLOUD_API with health AVAILABLE (and HIGH throughput and its OBA
 * status, carried by the backup), and every deployment disconnected.
 *
 * Prints JSON: p50/p90/p99/max in ms of the whole migration and of each call, count and failures.
 * Set BENCH_CPU_PROF=<dir> to run the platform under `node --cpu-prof`.
 */
import { parseArgs } from 'node:util';
import { benchDatabase, call, startPlatform } from './support.js';

const { values } = parseArgs({
  options: {
    numbers: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '1' },
    'setup-concurrency': { type: 'string', default: '8' },
    shards: { type: 'string', default: '2' },
    'downtime-ms': { type: 'string', default: '0' },
    'graph-version': { type: 'string', default: 'v23.0' },
    postgres: { type: 'boolean', default: false },
  },
});
const numberCount = Number(values.numbers);
const concurrency = Number(values.concurrency);
const setupConcurrency = Number(values['setup-concurrency']);
const shards = Number(values.shards);
const downtimeMs = Number(values['downtime-ms']);
const graph = `/${values['graph-version'] ?? 'v23.0'}`;

const PIN = '123456';
const ADMIN_PASSWORD = 'Bench-admin-1';
const BACKUP_PASSWORD = 'tacocat';

/** Runs `task(i)` for i in [0, n) with at most `limit` at a time. */
async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

interface Subject {
  id: string;
  cc: string;
  phone: string;
  deployment: string;
  onpremToken: string;
}

interface Sample {
  total: number;
  backup: number;
  register: number;
  health: number;
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const round = (ms: number): number => Number(ms.toFixed(1));
function summary(samples: number[]): { p50: number; p90: number; p99: number; max: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { p50: round(percentile(s, 50)), p90: round(percentile(s, 90)), p99: round(percentile(s, 99)), max: round(s[s.length - 1] ?? NaN), mean: round(mean) };
}

/** Moves a number that is registered on Cloud API onto its own, new On-Prem deployment. */
async function setUpOnprem(base: string, n: { id: string; cc: string; phone: string }, i: number): Promise<Subject> {
  const deployment = `bench-${i}`;
  await call(base, 'POST', '/_switchboard/onprem/deployments', { id: deployment, admin_password: ADMIN_PASSWORD }, undefined, 201);
  const basic = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
  const login = await call<{ users: { token: string }[] }>(base, 'POST', `/onprem/${deployment}/v1/users/login`, {}, basic);
  const token = login.users[0]?.token;
  if (!token) throw new Error(`no token from ${deployment} login`);
  const bearer = `Bearer ${token}`;
  const { certificate } = await call<{ certificate: string }>(base, 'GET', `/_switchboard/phone-numbers/${n.id}/certificate`);
  await call(base, 'POST', `/onprem/${deployment}/v1/account`, { cc: n.cc, phone_number: n.phone, method: 'sms', cert: certificate, pin: PIN }, bearer, 202);
  const inbox = await call<{ data: { code: string; consumed_at: number | null }[] }>(base, 'GET', `/_switchboard/code-inbox?phone_number_id=${n.id}`);
  const code = inbox.data.find((c) => c.consumed_at === null)?.code;
  if (!code) throw new Error(`no code in the inbox for ${n.id}`);
  await call(base, 'POST', `/onprem/${deployment}/v1/account/verify`, { code }, bearer, 201);
  if (shards > 1) await call(base, 'POST', `/onprem/${deployment}/v1/account/shards`, { cc: n.cc, phone_number: n.phone, shards, cert: certificate, pin: PIN }, bearer, 201);
  const state = await call<{ api: string; onprem_deployment_id: string | null }>(base, 'GET', `/_switchboard/phone-numbers/${n.id}`);
  if (state.api !== 'onprem' || state.onprem_deployment_id !== deployment) throw new Error(`setup: ${n.id} is on ${state.api}/${String(state.onprem_deployment_id)}`);
  return { ...n, deployment, onpremToken: token };
}

async function main(): Promise<void> {
  const database = await benchDatabase(Boolean(values.postgres));
  const { child, base } = await startPlatform(database.location, ['--downtime-ms', String(downtimeMs)]);
  try {
    // --- Setup (not timed) ---
    const setupStart = performance.now();
    const partner = await call<{ id: string }>(base, 'POST', '/_switchboard/businesses', { name: 'Bench Partner' });
    const waba = await call<{ id: string }>(base, 'POST', '/_switchboard/wabas', { name: 'Bench WABA', owner_business_id: partner.id });
    const app = await call<{ id: string }>(base, 'POST', '/_switchboard/apps', { name: 'Bench App', business_id: partner.id });
    const { access_token: accessToken } = await call<{ access_token: string }>(base, 'POST', '/_switchboard/tokens', { app_id: app.id, business_ids: [partner.id] });
    const graphAuth = `Bearer ${accessToken}`;

    const subjects: Subject[] = new Array<Subject>(numberCount);
    await pool(numberCount, setupConcurrency, async (i) => {
      const phone = `55510${String(i).padStart(5, '0')}`;
      const n = await call<{ id: string }>(base, 'POST', '/_switchboard/phone-numbers', {
        waba_id: waba.id,
        cc: '1',
        phone_number: phone,
        verified_name: 'Bench Shop',
        register_pin: PIN,
        is_official_business_account: true,
      });
      subjects[i] = await setUpOnprem(base, { id: n.id, cc: '1', phone }, i);
    });
    const setupSeconds = (performance.now() - setupStart) / 1000;

    // --- Timed: backup → register with backup → health check, per number ---
    const samples: Sample[] = [];
    const failures: { id: string; step: string; error: string }[] = [];
    const runStart = performance.now();
    await pool(numberCount, concurrency, async (i) => {
      const s = subjects[i]!;
      let step = 'backup';
      try {
        const t0 = performance.now();
        const b = await call<{ settings: { data: string } }>(base, 'POST', `/onprem/${s.deployment}/v1/settings/backup`, { password: BACKUP_PASSWORD }, `Bearer ${s.onpremToken}`, 200);
        const t1 = performance.now();
        step = 'register';
        const r = await call<{ success: boolean }>(base, 'POST', `${graph}/${s.id}/register`, { messaging_product: 'whatsapp', pin: PIN, backup: { password: BACKUP_PASSWORD, data: b.settings.data } }, graphAuth, 200);
        if (r.success !== true) throw new Error(`register answered ${JSON.stringify(r)}`);
        const t2 = performance.now();
        step = 'health';
        const h = await call<{ health_status: { can_send_message: string } }>(base, 'GET', `${graph}/${s.id}?fields=health_status`, undefined, graphAuth, 200);
        const t3 = performance.now();
        if (h.health_status.can_send_message !== 'AVAILABLE') throw new Error(`health_status ${JSON.stringify(h.health_status)}`);
        samples.push({ total: t3 - t0, backup: t1 - t0, register: t2 - t1, health: t3 - t2 });
      } catch (err) {
        failures.push({ id: s.id, step, error: err instanceof Error ? err.message : String(err) });
      }
    });
    const runSeconds = (performance.now() - runStart) / 1000;

    // --- Final check (not timed): every number on Cloud API and sendable; every deployment let go ---
    const wrong: { id: string; state: unknown }[] = [];
    await pool(numberCount, setupConcurrency, async (i) => {
      const s = subjects[i]!;
      const v = await call<{ platform_type: string; health_status: { can_send_message: string }; throughput: { level: string }; is_official_business_account: boolean }>(
        base,
        'GET',
        `${graph}/${s.id}?fields=platform_type,health_status,throughput,is_official_business_account`,
        undefined,
        graphAuth,
      );
      const d = await call<{ health: { gateway_status: string } }>(base, 'GET', `/onprem/${s.deployment}/v1/health`, undefined, `Bearer ${s.onpremToken}`);
      const ok =
        v.platform_type === 'CLOUD_API' &&
        v.health_status.can_send_message === 'AVAILABLE' &&
        v.throughput.level === (shards >= 2 ? 'HIGH' : 'STANDARD') &&
        v.is_official_business_account &&
        d.health.gateway_status === 'disconnected';
      if (!ok) wrong.push({ id: s.id, state: { platform_type: v.platform_type, can_send_message: v.health_status.can_send_message, throughput: v.throughput.level, oba: v.is_official_business_account, gateway_status: d.health.gateway_status } });
    });

    const p99 = summary(samples.map((x) => x.total)).p99;
    const report = {
      benchmark: 'On-Prem → Cloud migration (backup + register with backup + health_status)',
      database: values.postgres ? 'postgresql' : 'sqlite',
      numbers: numberCount,
      concurrency,
      shards,
      downtime_ms: downtimeMs,
      migrations_completed: samples.length,
      failures: failures.length,
      ...(failures.length > 0 && { failure_examples: failures.slice(0, 5) }),
      latency_ms: {
        migration: summary(samples.map((x) => x.total)),
        backup: summary(samples.map((x) => x.backup)),
        register: summary(samples.map((x) => x.register)),
        health_status: summary(samples.map((x) => x.health)),
      },
      migrations_per_s: Number((samples.length / runSeconds).toFixed(1)),
      all_on_cloud_api_and_available: wrong.length === 0 && failures.length === 0,
      ...(wrong.length > 0 && { not_migrated: wrong.length, not_migrated_examples: wrong.slice(0, 5) }),
      target: 'p99 < 100 ms with downtime 0',
      target_met: downtimeMs === 0 && failures.length === 0 && wrong.length === 0 && p99 < 100,
      setup_s: Number(setupSeconds.toFixed(1)),
    };
    console.log(JSON.stringify(report, null, 2));
    if (failures.length > 0 || wrong.length > 0) process.exitCode = 1;
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    database.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
