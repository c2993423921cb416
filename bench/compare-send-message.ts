/**
 * Benchmark: the same send-message workload against Switchboard and against another WhatsApp Cloud API
 * emulator started by hand (see docs/benchmarks.md for the one we compared with and how it was built).
 *
 *   npm run build && npx tsx bench/compare-send-message.ts --other-url http://127.0.0.1:4004 --other-phone-id 15550123456
 *     [--other-token T] [--version v24.0] [--duration 10] [--connections 64] [--warmup 2] [--rounds 3] [--receiver-port 4010] [--no-webhooks]
 *
 * Workload, identical for both: autocannon, `--connections` connections for `--duration` seconds, each
 * request `POST /{version}/{PHONE_NUMBER_ID}/messages` with a text message to one consumer and a Bearer
 * token, after `--warmup` seconds of the same load (not counted) so both JITs are warm. Switchboard is its
 * built `dist/main.js` as its own process, fresh SQLite file, one business, WABA, app (subscribed,
 * callback = the receiver) and one number registered on Cloud API whose customer-service window is open.
 * The machine is shared, so the two are measured alternately, `--rounds` times each (other first), and
 * the medians compared; the idle one stays up meanwhile.
 *
 * A webhook receiver listens on 127.0.0.1:`--receiver-port`: start the other emulator with its webhook
 * URL set to `http://127.0.0.1:<port>/other` to have it deliver as it would in use; Switchboard's app
 * posts to `/switchboard`. Webhook events that arrive within 30 s after the load are counted per side.
 * `--no-webhooks` leaves Switchboard's app unsubscribed, to compare with the other started without a
 * webhook URL: request handling alone on both sides.
 *
 * Prints JSON: per side and round requests/s, p50/p99 latency, non-2xx, errors (of which timeouts),
 * webhook events; the medians; and their ratio Switchboard / other for requests/s, p50 and p99.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebhookReceiver } from './receiver.js';
import { call, startPlatform } from './support.js';
// @ts-expect-error autocannon ships no type declarations
import autocannon from 'autocannon';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

const { values } = parseArgs({
  options: {
    'other-url': { type: 'string' },
    'other-phone-id': { type: 'string' },
    'other-token': { type: 'string', default: 'bench-token' },
    version: { type: 'string', default: 'v24.0' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    'receiver-port': { type: 'string', default: '4010' },
    'no-webhooks': { type: 'boolean', default: false },
  },
});
const CONSUMER = '16505550000';
const BODY = JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: CONSUMER, type: 'text', text: { body: 'benchmark message' } });

interface Target {
  name: string;
  url: string;
  phoneId: string;
  token: string;
  hookPath: string;
}

interface SideFigures {
  requests_per_s: number;
  requests_total: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  non_2xx: number;
  /** Socket errors and timeouts; autocannon counts a timeout in both its figures, so only `errors` is used. */
  errors: number;
  timeouts: number;
  webhook_events_within_30s: number;
}

/** Warm-up, then the measured run; webhook events are those that arrive for this side from its start. */
async function measure(t: Target, receiver: WebhookReceiver): Promise<SideFigures> {
  const load = (duration: number): Promise<AutocannonResult> =>
    autocannon({
      url: `${t.url}/${values.version ?? ''}/${t.phoneId}/messages`,
      method: 'POST',
      connections: Number(values.connections),
      duration,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}` },
      body: BODY,
    }) as Promise<AutocannonResult>;
  await load(Number(values.warmup));
  const before = receiver.count(t.hookPath);
  const r = await load(Number(values.duration));
  // Let delivery catch up: stop once nothing new arrived for 2 s (or after 30 s).
  const deadline = performance.now() + 30_000;
  let last = -1;
  while (receiver.count(t.hookPath) !== last && performance.now() < deadline) {
    last = receiver.count(t.hookPath);
    await new Promise((res) => setTimeout(res, 2000));
  }
  const figures: SideFigures = {
    requests_per_s: Math.round(r.requests.average),
    requests_total: r.requests.total,
    latency_p50_ms: r.latency.p50,
    latency_p99_ms: r.latency.p99,
    non_2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    webhook_events_within_30s: receiver.count(t.hookPath) - before,
  };
  process.stderr.write(`${t.name}: ${JSON.stringify(figures)}\n`);
  return figures;
}

/** Switchboard's side of the setup: a registered number with an open window, its app subscribed. */
async function provisionSwitchboard(base: string, hook: string): Promise<{ phoneId: string; token: string }> {
  const business = await call<{ id: string }>(base, 'POST', '/_switchboard/businesses', { name: 'Bench Business' });
  const waba = await call<{ id: string }>(base, 'POST', '/_switchboard/wabas', { name: 'Bench WABA', owner_business_id: business.id });
  const app = await call<{ id: string }>(base, 'POST', '/_switchboard/apps', { name: 'Bench App', business_id: business.id, callback_url: hook, verify_token: 'x' });
  if (!values['no-webhooks']) await call(base, 'POST', `/_switchboard/wabas/${waba.id}/subscribed_apps/${app.id}`);
  const { access_token: token } = await call<{ access_token: string }>(base, 'POST', '/_switchboard/tokens', { app_id: app.id, business_ids: [business.id] });
  const n = await call<{ id: string }>(base, 'POST', '/_switchboard/phone-numbers', { waba_id: waba.id, cc: '1', phone_number: '5550100001', verified_name: 'Bench Shop', register_pin: '123456' });
  await call(base, 'POST', '/_switchboard/inbound', { phone_number_id: n.id, from: CONSUMER, text: { body: 'hi' } });
  return { phoneId: n.id, token };
}

/** Each figure's median over the rounds (the middle one; rounds are few and odd by default). */
function medians(runs: readonly SideFigures[]): SideFigures {
  const median = (pick: (f: SideFigures) => number): number => {
    const sorted = runs.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  };
  return {
    requests_per_s: median((f) => f.requests_per_s),
    requests_total: median((f) => f.requests_total),
    latency_p50_ms: median((f) => f.latency_p50_ms),
    latency_p99_ms: median((f) => f.latency_p99_ms),
    non_2xx: median((f) => f.non_2xx),
    errors: median((f) => f.errors),
    timeouts: median((f) => f.timeouts),
    webhook_events_within_30s: median((f) => f.webhook_events_within_30s),
  };
}

async function main(): Promise<void> {
  const otherUrl = values['other-url'];
  const otherPhoneId = values['other-phone-id'];
  if (!otherUrl || !otherPhoneId) throw new Error('--other-url and --other-phone-id are required (see the top of this file)');
  const receiver = new WebhookReceiver();
  const receiverBase = await receiver.listen(Number(values['receiver-port']));
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-compare-'));
  const { child, base } = await startPlatform(join(dir, 'bench.sqlite'));
  try {
    const sb = await provisionSwitchboard(base, `${receiverBase}/switchboard`);
    const targets: Target[] = [
      { name: 'other', url: otherUrl.replace(/\/$/, ''), phoneId: otherPhoneId, token: values['other-token'] ?? '', hookPath: '/other' },
      { name: 'switchboard', url: base, phoneId: sb.phoneId, token: sb.token, hookPath: '/switchboard' },
    ];
    const runs: Record<string, SideFigures[]> = { other: [], switchboard: [] };
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const t of targets) runs[t.name]?.push(await measure(t, receiver));
    }
    const other = medians(runs['other'] ?? []);
    const switchboard = medians(runs['switchboard'] ?? []);
    const ratio = (a: number, b: number): number | null => (b === 0 ? null : Number((a / b).toFixed(2)));
    const report = {
      benchmark: 'POST /{PHONE_NUMBER_ID}/messages (text), same load against both',
      connections: Number(values.connections),
      duration_s: Number(values.duration),
      warmup_s: Number(values.warmup),
      version: values.version,
      switchboard_webhooks: !values['no-webhooks'],
      other_url: otherUrl,
      rounds: runs,
      median: { other, switchboard },
      ratio_switchboard_to_other: {
        requests_per_s: ratio(switchboard.requests_per_s, other.requests_per_s),
        latency_p50: ratio(switchboard.latency_p50_ms, other.latency_p50_ms),
        latency_p99: ratio(switchboard.latency_p99_ms, other.latency_p99_ms),
      },
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    child.kill('SIGTERM');
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
