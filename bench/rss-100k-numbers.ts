/**
 * Benchmark: resident memory of the platform holding 100,000 phone numbers (issue 8, target < 300 MB).
 *
 *   npm run build && npx tsx bench/rss-100k-numbers.ts [--numbers 100000] [--wabas 5000] [--concurrency 32]
 *     [--reads 10000] [--sends 2000] [--no-restart]
 *
 * The platform runs as its own process (`dist/main.js`, fresh SQLite file, no demo data). Setup through
 * the control API, with `--concurrency` requests in flight (there is no bulk endpoint): one Solution
 * Partner business and its app (callback = a receiver in this process), `--wabas` client businesses
 * with one WABA each (shared with the partner, the app subscribed), and `--numbers` numbers spread
 * evenly over them, registered on Cloud API. Then the exercise, with the partner's token:
 *  - every WABA's `GET /{WABA_ID}/phone_numbers?limit=10`, following `paging.next` to the end;
 *  - `GET /{PHONE_NUMBER_ID}` of `--reads` numbers picked at random;
 *  - `--sends` numbers at random: a consumer writes in (`/_switchboard/inbound`), the business answers
 *    twice (`POST /{PHONE_NUMBER_ID}/messages`); every webhook (message, sent, delivered) goes to the
 *    receiver, and the phase ends when all of them have arrived.
 * Unless `--no-restart`, the platform is then stopped and started again on the same file, and the
 * exercise repeated: the memory of a platform that holds 100,000 numbers without having just created
 * them.
 *
 * The platform's VmRSS (with its RssAnon / RssFile split) and peak VmHWM are read from
 * /proc/<pid>/status every 200 ms. Prints one JSON report: per phase the RSS at its end and its
 * maximum, the overall peak, the database file's size, and the time each phase took.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { mapLimit } from '../src/controlplane/util/pool.js';
import { WebhookReceiver } from './receiver.js';
import { call, startPlatform } from './support.js';

const { values } = parseArgs({
  options: {
    numbers: { type: 'string', default: '100000' },
    wabas: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '32' },
    reads: { type: 'string', default: '10000' },
    sends: { type: 'string', default: '2000' },
    'no-restart': { type: 'boolean', default: false },
  },
});
const numberCount = Number(values.numbers);
const wabaCount = Number(values.wabas);
const concurrency = Number(values.concurrency);
const CONSUMER = '16505550000';
const MB = 1024 * 1024;
const HOOK_PATH = '/hook';

interface Memory {
  rss: number;
  anon: number;
  file: number;
  hwm: number;
}

/** The kernel's view of the process: what the < 300 MB target is about (bytes). */
function readMemory(pid: number): Memory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined; // the process is gone
  }
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), hwm: kb('VmHWM') };
}

interface PhaseFigures {
  seconds: number;
  rss_end_mb: number;
  rss_anon_end_mb: number;
  rss_file_end_mb: number;
  rss_max_mb: number;
  hwm_mb: number;
}

/** Samples one process's memory and cuts the samples into named phases. */
class Sampler {
  private timer: NodeJS.Timeout;
  private max = 0;
  private last: Memory | undefined;
  private phaseStart = performance.now();
  readonly phases: Record<string, PhaseFigures> = {};

  constructor(private readonly pid: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 200);
  }

  private sample(): void {
    const m = readMemory(this.pid);
    if (!m) return;
    this.last = m;
    this.max = Math.max(this.max, m.rss);
  }

  /** Closes the current phase under `name` and starts the next one. */
  mark(name: string): void {
    this.sample();
    const m = this.last ?? { rss: 0, anon: 0, file: 0, hwm: 0 };
    const mb = (b: number): number => Number((b / MB).toFixed(1));
    this.phases[name] = {
      seconds: Number(((performance.now() - this.phaseStart) / 1000).toFixed(1)),
      rss_end_mb: mb(m.rss),
      rss_anon_end_mb: mb(m.anon),
      rss_file_end_mb: mb(m.file),
      rss_max_mb: mb(this.max),
      hwm_mb: mb(m.hwm),
    };
    process.stderr.write(`${name}: ${JSON.stringify(this.phases[name])}\n`);
    this.max = m.rss;
    this.phaseStart = performance.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

interface Fleet {
  token: string;
  wabaIds: string[];
  numberIds: string[];
}

/** The partner, its app and token, the client WABAs, and the numbers spread evenly over them. */
async function provision(base: string, hook: string): Promise<Fleet> {
  const partner = await call<{ id: string }>(base, 'POST', '/_switchboard/businesses', { name: 'Bench Partner' });
  const app = await call<{ id: string }>(base, 'POST', '/_switchboard/apps', { name: 'Bench App', business_id: partner.id, callback_url: hook, verify_token: 'x' });
  const { access_token: token } = await call<{ access_token: string }>(base, 'POST', '/_switchboard/tokens', { app_id: app.id, business_ids: [partner.id] });
  const wabaIds = await mapLimit(range(wabaCount), concurrency, async (w) => {
    const client = await call<{ id: string }>(base, 'POST', '/_switchboard/businesses', { name: `Client ${w}` });
    const waba = await call<{ id: string }>(base, 'POST', '/_switchboard/wabas', { name: `Client ${w} WABA`, owner_business_id: client.id, partner_business_id: partner.id });
    await call(base, 'POST', `/_switchboard/wabas/${waba.id}/subscribed_apps/${app.id}`);
    return waba.id;
  });
  let done = 0;
  const numberIds = await mapLimit(range(numberCount), concurrency, async (i) => {
    const n = await call<{ id: string }>(base, 'POST', '/_switchboard/phone-numbers', {
      waba_id: wabaIds[i % wabaCount],
      cc: '1',
      phone_number: `5${String(i).padStart(9, '0')}`,
      verified_name: `Shop ${i}`,
      register_pin: '123456',
    });
    if (++done % 10_000 === 0) process.stderr.write(`  ${done} numbers\n`);
    return n.id;
  });
  return { token, wabaIds, numberIds };
}

/** Lists, reads and sends as described at the top; resolves once every webhook has arrived. */
async function exercise(base: string, fleet: Fleet, receiver: WebhookReceiver, sampler: Sampler, tag: string): Promise<{ pages: number; listed: number; webhooks_complete: boolean }> {
  const auth = `Bearer ${fleet.token}`;
  let pages = 0;
  let listed = 0;
  await mapLimit(fleet.wabaIds, concurrency, async (wabaId) => {
    let url: string | undefined = `/v23.0/${wabaId}/phone_numbers?limit=10`;
    while (url) {
      const page: { data: unknown[]; paging?: { next?: string } } = await call(base, 'GET', url, undefined, auth);
      pages += 1;
      listed += page.data.length;
      url = page.paging?.next ? new URL(page.paging.next).pathname + new URL(page.paging.next).search : undefined;
    }
  });
  sampler.mark(`${tag}list_numbers_paged`);

  const reads = pick(fleet.numberIds, Number(values.reads));
  await mapLimit(reads, concurrency, (id) => call(base, 'GET', `/v23.0/${id}`, undefined, auth));
  sampler.mark(`${tag}get_numbers`);

  const senders = pick(fleet.numberIds, Number(values.sends));
  const before = receiver.count(HOOK_PATH);
  await mapLimit(senders, concurrency, async (id) => {
    await call(base, 'POST', '/_switchboard/inbound', { phone_number_id: id, from: CONSUMER, text: { body: 'hi' } });
    for (let k = 0; k < 2; k++) {
      await call(base, 'POST', `/v23.0/${id}/messages`, { messaging_product: 'whatsapp', to: CONSUMER, type: 'text', text: { body: `answer ${k}` } }, auth);
    }
  });
  // One inbound message plus sent and delivered for each of the two answers.
  const complete = await receiver.waitFor(HOOK_PATH, before + senders.length * 5);
  sampler.mark(`${tag}send_messages_and_webhooks`);
  return { pages, listed, webhooks_complete: complete };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const pick = <T>(items: readonly T[], n: number): T[] => Array.from({ length: n }, () => items[Math.floor(Math.random() * items.length)] as T);
const idle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await exited;
}

function fileMb(path: string): number {
  const size = (p: string): number => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return Number(((size(path) + size(`${path}-wal`)) / MB).toFixed(1));
}

async function main(): Promise<void> {
  const receiver = new WebhookReceiver();
  const hook = `${await receiver.listen()}${HOOK_PATH}`;
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-rss-'));
  const dbPath = join(dir, 'bench.sqlite');
  let { child, base } = await startPlatform(dbPath);
  let sampler = new Sampler(child.pid ?? 0);
  try {
    await idle(1000);
    sampler.mark('started_empty');
    const fleet = await provision(base, hook);
    sampler.mark('provisioned');
    const first = await exercise(base, fleet, receiver, sampler, '');
    await idle(5000);
    sampler.mark('idle_5s_after_load');
    const report: Record<string, unknown> = {
      benchmark: 'platform RSS holding N phone numbers',
      numbers: numberCount,
      wabas: wabaCount,
      concurrency,
      exercise: { ...first, reads: Number(values.reads), sends: Number(values.sends) },
      database_mb: fileMb(dbPath),
    };
    const phases = [sampler.phases];
    if (!values['no-restart']) {
      sampler.stop();
      await stop(child);
      ({ child, base } = await startPlatform(dbPath));
      sampler = new Sampler(child.pid ?? 0);
      await idle(1000);
      sampler.mark('restarted_idle');
      report['exercise_after_restart'] = await exercise(base, fleet, receiver, sampler, 'restarted_');
      await idle(5000);
      sampler.mark('restarted_idle_5s_after_load');
      phases.push(sampler.phases);
    }
    const all = Object.assign({}, ...phases) as Record<string, PhaseFigures>;
    report['phases'] = all;
    report['peak_hwm_mb'] = Math.max(...Object.values(all).map((p) => p.hwm_mb));
    report['target_mb'] = 300;
    console.log(JSON.stringify(report, null, 2));
  } finally {
    sampler.stop();
    await stop(child);
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
