/**
 * Benchmark: POST /{PHONE_NUMBER_ID}/messages throughput, with every status webhook delivered to a
 * local receiver. The platform runs as its own process (built `dist/main.js`, fresh SQLite file);
 * load comes from `wrk` (Debian package; one thread) when installed, else autocannon in this process
 * (`--load autocannon` forces it: it takes much more of the two cores than wrk); the receiver lives here.
 *
 *   npm run build && npx tsx bench/messages-throughput.ts [--duration 10] [--connections 64] [--webhook-batch 1] [--no-webhooks]
 *                                                          [--type text|template] [--warmup 0] [--postgres] [--instances 2] [--load wrk|autocannon]
 *
 * `--no-webhooks` leaves the app unsubscribed: the send path alone, for diagnosis.
 * `--type template` sends an approved UTILITY template with one body parameter instead of text: a
 * billable send (a charge in the WABA's ledger per message), as businesses send outside the service window.
 * `--warmup S` first sends load for S seconds, unmeasured, and waits for its webhooks: the figures are
 * then the steady state, without the first seconds' unoptimised JavaScript (which also dominate p99 in
 * short runs). The default 0 keeps the figures comparable with earlier runs.
 * `--postgres` runs the platform on a throwaway PostgreSQL cluster (durable settings, Debian's package);
 * `--instances N` (PostgreSQL only) starts N platform processes on that one database, splits the
 * connections evenly between them, and sums their figures.
 *
 * Prints requests/s, latency p50/p99, non-2xx count, webhook deliveries/s (events delivered divided
 * by the time from the first request until the last event arrived), and the platform's CPU time per
 * accepted message (Linux: from /proc), sends and their webhook deliveries together, the same for its main
 * thread alone (the event loop that answers requests: what caps requests/s), and its instructions
 * per accepted message (`perf stat`, where available): the figure to compare changes by on a shared machine.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { benchDatabase, call, countInstructions, cpuSecondsOf, mainThreadCpuSecondsOf, startPlatform } from './support.js';
import { loadTool, runLoad, type LoadRequest, type LoadResult } from './load.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    'webhook-batch': { type: 'string', default: '1' },
    numbers: { type: 'string', default: '8' },
    'no-webhooks': { type: 'boolean', default: false },
    postgres: { type: 'boolean', default: false },
    instances: { type: 'string', default: '1' },
    load: { type: 'string' },
    type: { type: 'string', default: 'text' },
    warmup: { type: 'string', default: '0' },
  },
});
if (values.type !== 'text' && values.type !== 'template') throw new Error('--type must be text or template');
const tool = loadTool(values.load);
const instances = Number(values.instances);
if (!Number.isInteger(instances) || instances < 1) throw new Error('--instances must be a positive integer');
if (instances > 1 && !values.postgres) throw new Error('--instances > 1 needs --postgres (a SQLite file belongs to one process)');
const duration = Number(values.duration);
const warmup = Number(values.warmup);
if (!(warmup >= 0)) throw new Error('--warmup must be a number of seconds (0 for none)');
const connections = Number(values.connections);
const numberCount = Number(values.numbers);

async function main(): Promise<void> {
  let delivered = 0;
  let posts = 0;
  let lastDeliveryAt = 0;
  let duplicates = 0;
  const seen = new Set<string>();
  const receiver = createServer((req, res) => {
    if (req.method === 'GET') {
      res.end(new URL(req.url ?? '/', 'http://x').searchParams.get('hub.challenge') ?? '');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { entry: { changes: { value: { statuses?: { id: string; status: string }[] } }[] }[] };
      posts += 1;
      for (const change of body.entry.flatMap((e) => e.changes)) {
        delivered += 1;
        for (const s of change.value.statuses ?? []) {
          const key = `${s.id} ${s.status}`;
          if (seen.has(key)) duplicates += 1;
          seen.add(key);
        }
      }
      lastDeliveryAt = performance.now();
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const database = await benchDatabase(Boolean(values.postgres));
  const children: ChildProcess[] = [];
  const bases: string[] = [];
  for (let i = 0; i < instances; i++) {
    const started = await startPlatform(database.location, ['--webhook-batch', values['webhook-batch'] ?? '1']);
    children.push(started.child);
    bases.push(started.base);
  }
  const base = bases[0] ?? '';
  try {
    const partner = await call<{ id: string }>(base, 'POST', '/_switchboard/businesses', { name: 'Bench Partner' });
    const waba = await call<{ id: string }>(base, 'POST', '/_switchboard/wabas', { name: 'Bench WABA', owner_business_id: partner.id });
    const app = await call<{ id: string }>(base, 'POST', '/_switchboard/apps', { name: 'Bench App', business_id: partner.id, callback_url: hook, verify_token: 'x' });
    const withWebhooks = !values['no-webhooks'];
    if (withWebhooks) await call(base, 'POST', `/_switchboard/wabas/${waba.id}/subscribed_apps/${app.id}`);
    const { access_token: token } = await call<{ access_token: string }>(base, 'POST', '/_switchboard/tokens', { app_id: app.id, business_ids: [partner.id] });
    const numbers: string[] = [];
    for (let i = 0; i < numberCount; i++) {
      const n = await call<{ id: string }>(base, 'POST', '/_switchboard/phone-numbers', {
        waba_id: waba.id,
        cc: '1',
        phone_number: `55500${String(i).padStart(5, '0')}`,
        verified_name: 'Bench Shop',
        register_pin: '123456',
        throughput_level: 'HIGH',
      });
      numbers.push(n.id);
      await call(base, 'POST', '/_switchboard/inbound', { phone_number_id: n.id, from: '16505550000', text: { body: 'hi' } });
    }
    // Let the seeding webhooks drain before measuring.
    await new Promise((r) => setTimeout(r, 500));
    delivered = 0;
    posts = 0;

    const body = JSON.stringify(values.type === 'template' ? await templateMessage(base, waba.id, token) : { messaging_product: 'whatsapp', to: '16505550000', type: 'text', text: { body: 'benchmark message' } });
    const request: LoadRequest = {
      method: 'POST',
      paths: numbers.map((id) => `/v23.0/${id}/messages`),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    };
    const perInstance = Math.max(1, Math.round(connections / instances));
    /** Waits until `expected` events arrived (or 120 s passed), then for a second without any. */
    const deliveriesSettled = async (expected: number): Promise<void> => {
      const deadline = performance.now() + 120_000;
      while (delivered < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      // The load generator stops counting at its deadline with requests still in flight: wait for quiet too.
      while (performance.now() - lastDeliveryAt < 1000 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    };
    if (warmup > 0) {
      const warm = await Promise.all(bases.map((b) => runLoad(tool, b, request, perInstance, warmup)));
      await deliveriesSettled(withWebhooks ? warm.reduce((n, r) => n + r.total - r.non2xx, 0) * 2 : 0);
      delivered = 0;
      posts = 0;
    }
    const t0 = performance.now();
    /** CPU seconds of the platform processes (all their threads, or their main threads) since now. */
    const cpuMeter = (read: (pid: number | undefined) => number | undefined): (() => number) => {
      const total = (): number => children.reduce((acc, c) => acc + (read(c.pid) ?? Number.NaN), 0);
      const start = total();
      return () => total() - start;
    };
    const platformCpu = cpuMeter(cpuSecondsOf);
    const mainThreadCpu = cpuMeter(mainThreadCpuSecondsOf);
    const instructions = children.map((c) => countInstructions(c.pid));
    const mainInstructions = children.map((c) => countInstructions(c.pid, { mainThreadOnly: true }));
    const results = await Promise.all(bases.map((b) => runLoad(tool, b, request, perInstance, duration)));
    const sum = (f: (r: LoadResult) => number): number => results.reduce((acc, r) => acc + f(r), 0);
    const result = {
      requests: { average: sum((r) => r.requestsPerSecond), total: sum((r) => r.total) },
      latency: { p50: Math.max(...results.map((r) => r.p50Ms)), p99: Math.max(...results.map((r) => r.p99Ms)) },
      non2xx: sum((r) => r.non2xx),
      errors: sum((r) => r.errors),
    };
    const accepted = result.requests.total - result.non2xx;
    const expectedEvents = withWebhooks ? accepted * 2 : 0; // sent + delivered per message
    await deliveriesSettled(expectedEvents);
    const deliverySeconds = (lastDeliveryAt - t0) / 1000;
    // The platform's own CPU per accepted message, sends and webhook deliveries together: steadier than
    // requests/s on a shared machine, and what a change to the send path moves.
    /** A total spread over the accepted messages, rounded; null when it could not be measured. */
    const perMessage = (total: number | undefined): number | null => (total === undefined || Number.isNaN(total) ? null : Math.round(total / Math.max(1, accepted)));
    const cpuPerMessageUs = perMessage(platformCpu() * 1e6);
    const mainCpuPerMessageUs = perMessage(mainThreadCpu() * 1e6);
    const sumCounts = async (counters: { stop(): Promise<number | undefined> }[]): Promise<number | undefined> => {
      const counted = await Promise.all(counters.map((i) => i.stop()));
      return counted.every((c) => c !== undefined) ? counted.reduce<number>((a, c) => a + (c ?? 0), 0) : undefined;
    };
    const totalInstructions = await sumCounts(instructions);
    const mainThreadInstructions = await sumCounts(mainInstructions);

    const report = {
      benchmark: withWebhooks ? 'POST /messages with webhook delivery' : 'POST /messages, no subscribed app (send path only)',
      load_generator: tool,
      database: values.postgres ? 'postgresql' : 'sqlite',
      instances,
      connections,
      duration_s: duration,
      webhook_batch: Number(values['webhook-batch']),
      message_type: values.type,
      warmup_s: warmup,
      numbers: numberCount,
      requests_per_s: Math.round(result.requests.average),
      requests_total: result.requests.total,
      latency_p50_ms: result.latency.p50, // the worst instance's, with several
      latency_p99_ms: result.latency.p99,
      non_2xx: result.non2xx,
      errors: result.errors, // socket errors and timeouts
      webhook_events_expected_at_least: expectedEvents,
      webhook_events_delivered: delivered,
      webhook_posts: posts,
      webhook_duplicates: duplicates,
      webhook_events_per_s: Math.round(delivered / deliverySeconds),
      all_delivered_after_s: Number(deliverySeconds.toFixed(2)),
      platform_cpu_us_per_message: cpuPerMessageUs,
      platform_main_thread_cpu_us_per_message: mainCpuPerMessageUs,
      platform_instructions_per_message: perMessage(totalInstructions),
      platform_main_thread_instructions_per_message: perMessage(mainThreadInstructions),
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null)))));
    database.cleanup();
    receiver.close();
  }
}

/** Creates the template (approved at once by the emulator) and returns a send of it. */
async function templateMessage(base: string, wabaId: string, token: string): Promise<Record<string, unknown>> {
  const name = 'bench_order_update';
  const components = [{ type: 'BODY', text: 'Hi {{1}}, your order has shipped.', example: { body_text: [['Pat']] } }];
  await call(base, 'POST', `/v23.0/${wabaId}/message_templates`, { name, language: 'en_US', category: 'UTILITY', components }, `Bearer ${token}`);
  return {
    messaging_product: 'whatsapp',
    to: '16505550000',
    type: 'template',
    template: { name, language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Pat' }] }] },
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
