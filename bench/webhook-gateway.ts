/**
 * Benchmark: the webhook gateway's throughput (events/s accepted in → delivered out to the app) and
 * the latency it adds (from the moment a webhook is POSTed to the gateway until the app has it).
 * The gateway runs as its own process (`bin/switchboard.js gateway serve`, built dist/, fresh SQLite
 * file); the load generator (signed Cloud webhooks and On-Prem webhooks, one event each, unique ids,
 * spread over numbers) and the app's receiver live in this process.
 *
 *   npm run build && npx tsx bench/webhook-gateway.ts [--duration 10] [--connections 32] [--numbers 40]
 *                                                     [--onprem-share 0.5] [--rate 0] [--max-batch 1]
 *
 * `--rate N` paces the load at N events/s in total (0 = as fast as the gateway answers): use a rate
 * below the saturation throughput to read the latency the gateway adds rather than queueing time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http, { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    numbers: { type: 'string', default: '40' },
    'onprem-share': { type: 'string', default: '0.5' },
    rate: { type: 'string', default: '0' },
    'max-batch': { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '32' },
  },
});
const durationMs = Number(values.duration) * 1000;
const connections = Number(values.connections);
const numbers = Number(values.numbers);
const onpremNumbers = Math.round(numbers * Number(values['onprem-share']));
const rate = Number(values.rate);

const SECRETS = { GW_APP_SECRET: 'bench-app-secret', META_APP_SECRET: 'bench-meta-secret', META_VERIFY_TOKEN: 'bench-verify', DEP_SECRET: 'bench-deployment-secret-0123456789' };
const WABA = '102290129340398';
const phoneOf = (i: number): string => String(700000000000000 + i);

interface Receiver {
  url: string;
  arrivals: Map<string, number>;
  duplicates: () => number;
  badSignatures: () => number;
  close: () => Promise<void>;
}

/** The partner's app: records when each event id arrives, checks the gateway's signature. */
async function startReceiver(): Promise<Receiver> {
  const arrivals = new Map<string, number>();
  let duplicates = 0;
  let badSignatures = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = performance.now();
      const raw = Buffer.concat(chunks);
      const expected = `sha256=${createHmac('sha256', SECRETS.GW_APP_SECRET).update(raw).digest('hex')}`;
      if (req.headers['x-hub-signature-256'] !== expected) badSignatures += 1;
      const body = JSON.parse(raw.toString()) as { entry: { changes: { value: { messages?: { id: string }[] } }[] }[] };
      for (const e of body.entry) {
        for (const c of e.changes) {
          for (const m of c.value.messages ?? []) {
            const key = m.id.replace(/^wamid\./, '');
            if (arrivals.has(key)) duplicates += 1;
            else arrivals.set(key, now);
          }
        }
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('EVENT_RECEIVED');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/app`,
    arrivals,
    duplicates: () => duplicates,
    badSignatures: () => badSignatures,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function startGateway(dir: string, appUrl: string): Promise<{ child: ChildProcess; base: string }> {
  const deployments = Object.fromEntries(
    Array.from({ length: onpremNumbers }, (_, i) => [`dep${i}`, { secret_env: 'DEP_SECRET', phone_number_id: phoneOf(i), display_phone_number: `1631555${String(i).padStart(4, '0')}`, waba_id: WABA }]),
  );
  const config = join(dir, 'gateway.yaml');
  writeFileSync(
    config,
    stringify({
      listen: { host: '127.0.0.1', port: 0 },
      database: join(dir, 'gateway.sqlite'),
      app: { url: appUrl, secret_env: 'GW_APP_SECRET' },
      meta: { app_secret_env: 'META_APP_SECRET', verify_token_env: 'META_VERIFY_TOKEN' },
      deployments,
      delivery: { concurrency: Number(values.concurrency), max_batch: Number(values['max-batch']), poll_ms: 50 },
    }),
  );
  // BENCH_CPU_PROF=<dir> profiles the gateway process (as bench/support.ts does for the platform).
  const prof = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CPU_PROF']] : [];
  const child = spawn(process.execPath, [...prof, 'bin/switchboard.js', 'gateway', 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...SECRETS } });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${String(code)} (did you run npm run build?)`)));
  });
  return { child, base };
}

/** One webhook POST as the API in question sends it: a text from a consumer, unique id. */
function webhookFor(n: number, seq: number): { path: string; body: string; headers: Record<string, string>; key: string } {
  const key = `BENCH${String(seq).padStart(10, '0')}`;
  const from = `4479${String(seq % 1000).padStart(8, '0')}`;
  const message = { from, id: key, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: `message ${seq}` } };
  const contacts = [{ profile: { name: 'Bench Consumer' }, wa_id: from }];
  if (n < onpremNumbers) {
    return { path: `/webhooks/onprem/dep${n}/${SECRETS.DEP_SECRET}`, body: JSON.stringify({ contacts, messages: [message] }), headers: {}, key };
  }
  const value = { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550000000', phone_number_id: phoneOf(n) }, contacts, messages: [{ ...message, id: `wamid.${key}` }] };
  const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: WABA, changes: [{ value, field: 'messages' }] }] });
  return { path: '/webhooks/cloud', body, headers: { 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRETS.META_APP_SECRET).update(body).digest('hex')}` }, key };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: connections });

function post(base: string, w: ReturnType<typeof webhookFor>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${w.path}`, { method: 'POST', agent, headers: { ...w.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(w.body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(w.body);
  });
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux): the gateway's cost per
 * event, which — unlike events/s — does not depend on what else the shared machine is running.
 */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-gw-'));
  const receiver = await startReceiver();
  const { child, base } = await startGateway(dir, receiver.url);
  try {
    const sentAt = new Map<string, number>();
    let seq = 0;
    let accepted = 0;
    let refused = 0;
    const cpuBefore = cpuMs(child.pid);
    const t0 = performance.now();
    const end = t0 + durationMs;
    // With --rate, worker k sends its i-th event at t0 + (i·connections + k) / rate.
    const worker = async (k: number): Promise<void> => {
      for (let i = 0; performance.now() < end; i++) {
        if (rate > 0) {
          const due = t0 + ((i * connections + k) / rate) * 1000;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          if (performance.now() >= end) return;
        }
        const s = (seq += 1);
        const w = webhookFor(s % numbers, s);
        sentAt.set(w.key, performance.now());
        const status = await post(base, w);
        if (status === 200) accepted += 1;
        else {
          refused += 1;
          sentAt.delete(w.key);
        }
      }
    };
    await Promise.all(Array.from({ length: connections }, (_, k) => worker(k)));
    const sendWindow = (performance.now() - t0) / 1000;

    const deadline = performance.now() + 120_000;
    while (receiver.arrivals.size < accepted && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const lastArrival = Math.max(...receiver.arrivals.values());
    const gatewayCpu = cpuMs(child.pid) - cpuBefore;
    const latencies = [...receiver.arrivals].map(([key, at]) => at - (sentAt.get(key) ?? at)).sort((a, b) => a - b);
    const result = {
      events_sent: seq,
      accepted,
      refused,
      in_per_s: Math.round(accepted / sendWindow),
      delivered: receiver.arrivals.size,
      out_per_s: Math.round(receiver.arrivals.size / ((lastArrival - t0) / 1000)),
      all_delivered_after_s: Number(((lastArrival - t0) / 1000).toFixed(1)),
      duplicates: receiver.duplicates(),
      bad_signatures: receiver.badSignatures(),
      gateway_cpu_ms_per_event: Number((gatewayCpu / Math.max(1, receiver.arrivals.size)).toFixed(2)),
      latency_ms: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)), max: Math.round(latencies.at(-1) ?? NaN) },
    };
    console.log(`webhook gateway: ${numbers} numbers (${onpremNumbers} On-Prem), ${connections} connections, rate ${rate || 'max'}, max_batch ${values['max-batch']}, ${durationMs / 1000} s`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    agent.destroy();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
