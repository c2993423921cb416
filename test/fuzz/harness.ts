/**
 * Sends generated requests with bounded concurrency and a per-request timeout, checks every answer
 * (status, JSON, error envelope, no leaks), snapshots the platform's state, and prints summaries and
 * replayable offenders. Shared by the three fuzz suites.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../support/platform.js';
import type { BodyKind } from './generators.js';

export type Surface = 'graph' | 'onprem' | 'control';
export type Envelope = 'graph' | 'onprem' | 'lookaside';

export interface FuzzRequest {
  index: number;
  surface: Surface;
  /** Endpoint template, for grouping ("POST /{phone}/register"). */
  endpoint: string;
  method: string;
  /** Raw request target, sent as is (percent-encoding and all). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  bodyKind: BodyKind;
  /** What was done to the request (mutations applied), for the offender list. */
  tags: string[];
  /** Our model says this request must be refused (a 2xx would be a finding). */
  expectRefused: boolean;
  /** Larger than the body limit: 413 is a correct answer. */
  oversize: boolean;
}

export interface FuzzOutcome {
  req: FuzzRequest;
  status: number;
  ms: number;
  contentType: string;
  text: string;
  /** No answer within the timeout. */
  hang: boolean;
  /** Transport failure without an answer (socket reset...). */
  error?: string;
  problems: string[];
  /** A 5xx the reference documents (On-Prem 1011 Service not ready → HTTP 500). */
  documented5xx: boolean;
}

export const TIMEOUT_MS = Number(process.env['FUZZ_TIMEOUT_MS'] ?? 5000);
export const CONCURRENCY = Number(process.env['FUZZ_CONCURRENCY'] ?? 16);
/** With FUZZ_STRICT_5XX=1 even documented 5xx answers (On-Prem 1011) fail the suite. */
export const STRICT_5XX = process.env['FUZZ_STRICT_5XX'] === '1';

/** One request over a fresh connection (a server that closes after a client error cannot poison the next one). */
export function send(base: string, req: FuzzRequest, timeoutMs = TIMEOUT_MS): Promise<FuzzOutcome> {
  const url = new URL(base);
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    let gotResponse = false;
    const finish = (o: Omit<FuzzOutcome, 'req' | 'ms' | 'problems' | 'documented5xx'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ req, ms: performance.now() - started, problems: [], documented5xx: false, ...o });
    };
    let r: http.ClientRequest;
    // Node frames a body of GET/DELETE/OPTIONS only with an explicit length; without it the bytes
    // would be read as a second, garbage request.
    const hasLength = Object.keys(req.headers).some((h) => h.toLowerCase() === 'content-length');
    const headers = req.body !== undefined && !hasLength ? { ...req.headers, 'content-length': String(req.body.length) } : req.headers;
    try {
      r = http.request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent: false }, (res) => {
        gotResponse = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8'), hang: false }),
        );
        res.on('error', (err) => finish({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8'), hang: false, error: err.message }));
      });
    } catch (err) {
      // The request could not even be written (a header Node refuses): a generator bug, reported as such.
      resolve({ req, ms: 0, status: 0, contentType: '', text: '', hang: false, error: `client refused to send: ${(err as Error).message}`, problems: [], documented5xx: false });
      return;
    }
    const timer = setTimeout(() => {
      finish({ status: 0, contentType: '', text: '', hang: true });
      r.destroy();
    }, timeoutMs);
    r.on('error', (err) => {
      // An oversized body may be cut off by the server after it answered 413: the answer counts.
      if (!gotResponse) finish({ status: 0, contentType: '', text: '', hang: false, error: (err as NodeJS.ErrnoException).code ?? err.message });
    });
    if (req.body !== undefined) r.end(req.body);
    else r.end();
  });
}

/** Sends every request, at most `concurrency` at a time, in index order of start. */
export async function runAll(base: string, requests: readonly FuzzRequest[], concurrency = CONCURRENCY): Promise<FuzzOutcome[]> {
  const out: FuzzOutcome[] = new Array<FuzzOutcome>(requests.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const i = next++;
      out[i] = await send(base, requests[i] as FuzzRequest);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  return out;
}

// ------------------------------------------------------------------------------------------------
// Checks
// ------------------------------------------------------------------------------------------------

/** Stack frames, source/dependency paths, temp paths, raw database errors. */
const LEAKS: readonly RegExp[] = [
  /\bat [^\s"]+ \((?:file:\/\/|\/)[^)]*:\d+:\d+\)/,
  /\bat (?:file:\/\/|\/)[^\s"]*:\d+:\d+/,
  /node_modules/,
  /\/work\/main|\/src\/(?:platform|control|core|store)\//,
  /\.[cm]?[jt]s:\d+:\d+/,
  /switchboard-test-|platform\.sqlite/,
  /SQLITE_[A-Z]+|SqliteError|no such (?:table|column)/,
  /\b(?:TypeError|ReferenceError|RangeError|SyntaxError): .*\n\s+at /,
];

const GRAPH_ERROR_KEYS = new Set(['message', 'type', 'code', 'error_subcode', 'error_user_title', 'error_user_msg', 'error_data', 'fbtrace_id', 'is_transient']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function graphEnvelopeProblem(body: unknown): string | undefined {
  if (!isRecord(body)) return 'error body is not a JSON object';
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'error') return `error body keys ${JSON.stringify(keys)} (want ["error"])`;
  const e = body['error'];
  if (!isRecord(e)) return 'error is not an object';
  if (typeof e['message'] !== 'string' || e['message'] === '') return 'error.message missing';
  if (e['type'] !== 'OAuthException' && e['type'] !== 'GraphMethodException') return `error.type ${JSON.stringify(e['type'])}`;
  if (!Number.isInteger(e['code'])) return 'error.code not an integer';
  if (typeof e['fbtrace_id'] !== 'string' || e['fbtrace_id'] === '') return 'error.fbtrace_id missing';
  for (const k of Object.keys(e)) if (!GRAPH_ERROR_KEYS.has(k)) return `unexpected error.${k}`;
  if (e['error_subcode'] !== undefined && !Number.isInteger(e['error_subcode'])) return 'error_subcode not an integer';
  const data = e['error_data'];
  if (data !== undefined && (!isRecord(data) || data['messaging_product'] !== 'whatsapp' || typeof data['details'] !== 'string')) return 'error_data malformed';
  return undefined;
}

export function onpremEnvelopeProblem(body: unknown, isError: boolean): string | undefined {
  if (!isRecord(body)) return 'body is not a JSON object';
  const meta = body['meta'];
  if (!isRecord(meta) || meta['api_status'] !== 'stable' || typeof meta['version'] !== 'string') return 'meta missing or malformed';
  if (!isError) return body['errors'] === undefined ? undefined : 'a success carries errors';
  const keys = Object.keys(body).sort();
  if (keys.join(',') !== 'errors,meta') return `error body keys ${JSON.stringify(keys)} (want ["errors","meta"])`;
  const list = body['errors'];
  if (!Array.isArray(list) || list.length === 0) return 'errors is not a non-empty array';
  for (const entry of list) {
    if (!isRecord(entry) || !Number.isInteger(entry['code']) || typeof entry['title'] !== 'string' || typeof entry['details'] !== 'string') return 'errors[] entry malformed';
  }
  return undefined;
}

/** The wire a path is served by, judged the way the router sees it (percent-decoded first segment). */
export function envelopeOf(path: string): Envelope {
  const first = safeDecode(path.split('?')[0] ?? '').split('/')[1] ?? '';
  if (first === 'onprem') return 'onprem';
  if (first === 'lookaside') return 'lookaside';
  return 'graph';
}

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Fills `problems` (and `documented5xx`) of one outcome. */
export function check(o: FuzzOutcome): void {
  const p = o.problems;
  if (o.hang) {
    p.push(`hang (no answer in ${TIMEOUT_MS} ms)`);
    return;
  }
  if (o.error) {
    p.push(`transport error: ${o.error}`);
    return;
  }
  const envelope = envelopeOf(o.req.path);
  const isError = o.status >= 400;
  let body: unknown;
  let parsed = false;
  if (o.text !== '') {
    try {
      body = JSON.parse(o.text);
      parsed = true;
    } catch {
      /* not JSON */
    }
  }
  if (o.status >= 500) {
    const documented =
      o.status === 500 && envelope === 'onprem' && isRecord(body) && Array.isArray(body['errors']) && isRecord(body['errors'][0]) && body['errors'][0]['code'] === 1011;
    o.documented5xx = documented;
    if (!documented || STRICT_5XX) p.push(`HTTP ${o.status}`);
  }
  if (o.status === 413 && !o.req.oversize) p.push('413 for a body under the limit');
  if (o.req.oversize && o.status < 400) p.push(`oversized body accepted (${o.status})`);
  if (o.req.expectRefused && o.status >= 200 && o.status < 300) p.push(`accepted a request that must be refused (${o.status})`);
  for (const re of LEAKS) {
    if (re.test(o.text)) {
      p.push(`leak: body matches ${re}`);
      break;
    }
  }
  if (o.req.method === 'HEAD') return;
  // Redirects carry no body to judge (`GET /` sends a browser to the web console).
  if (o.status >= 300 && o.status < 400) return;
  // The only non-JSON answers the platform may give: the lookaside download's dead link, and the
  // webhook sink's hub.challenge echo.
  if (envelope === 'lookaside' && o.status === 404 && o.contentType.startsWith('text/plain')) return;
  if (o.req.surface === 'control' && !isError && o.contentType.startsWith('text/plain') && /[?&]hub\.mode=subscribe/.test(o.req.path)) return;
  if (!o.contentType.toLowerCase().startsWith('application/json')) {
    p.push(`content-type ${JSON.stringify(o.contentType)} (want application/json)`);
    return;
  }
  if (!parsed) {
    p.push('body is not JSON');
    return;
  }
  if (envelope === 'onprem') {
    const problem = onpremEnvelopeProblem(body, isError);
    if (problem) p.push(`On-Prem envelope: ${problem}`);
  } else if (isError) {
    const problem = graphEnvelopeProblem(body);
    if (problem) p.push(`Graph envelope: ${problem}`);
  }
}

// ------------------------------------------------------------------------------------------------
// Reporting
// ------------------------------------------------------------------------------------------------

const pct = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

export function summarize(surface: string, seed: number, outcomes: readonly FuzzOutcome[], wallMs: number): string {
  const byStatus = new Map<string, number>();
  const byEndpoint = new Map<string, Map<string, number>>();
  const byBody = new Map<string, number>();
  const byCode = new Map<string, number>();
  for (const o of outcomes) {
    const code = errorCodeOf(o);
    if (code) byCode.set(code, (byCode.get(code) ?? 0) + 1);
    const s = o.hang ? 'hang' : o.error ? 'transport-error' : String(o.status);
    byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
    const ep = byEndpoint.get(o.req.endpoint) ?? new Map<string, number>();
    ep.set(s, (ep.get(s) ?? 0) + 1);
    byEndpoint.set(o.req.endpoint, ep);
    byBody.set(o.req.bodyKind, (byBody.get(o.req.bodyKind) ?? 0) + 1);
  }
  const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const slowest = outcomes.reduce<FuzzOutcome | undefined>((m, o) => (!m || o.ms > m.ms ? o : m), undefined);
  const fmt = (m: Map<string, number>): string =>
    [...m.entries()]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([k, v]) => `${k}:${v}`)
      .join(' ');
  const failing = outcomes.filter((o) => o.problems.length > 0).length;
  const documented = outcomes.filter((o) => o.documented5xx).length;
  const lines = [
    `=== fuzz ${surface}: ${outcomes.length} requests, seed ${seed} (FUZZ_SEED=${seed}), ${(wallMs / 1000).toFixed(1)} s, concurrency ${CONCURRENCY}, timeout ${TIMEOUT_MS} ms`,
    `  by status: ${fmt(byStatus)}`,
    `  5xx: ${outcomes.filter((o) => o.status >= 500).length} (documented On-Prem 1011 "Service not ready" → 500: ${documented}); hangs: ${outcomes.filter((o) => o.hang).length}; requests with problems: ${failing}`,
    `  latency: p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms, max ${(slowest?.ms ?? 0).toFixed(1)} ms (#${slowest?.req.index ?? '-'} ${slowest?.req.method ?? ''} ${slowest?.req.endpoint ?? ''} [${slowest?.req.bodyKind ?? ''}])`,
    `  by body kind: ${fmt(byBody)}`,
    `  by error code: ${fmt(byCode)}`,
    '  by endpoint:',
    ...[...byEndpoint.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([ep, m]) => `    ${ep.padEnd(52)} ${fmt(m)}`),
  ];
  return lines.join('\n');
}

/** `code[/subcode]` of a Graph error, `onprem:code` of an On-Prem one, `fastify:…` of Fastify's own bodies. */
function errorCodeOf(o: FuzzOutcome): string | undefined {
  if (o.status < 400 || o.text === '') return undefined;
  try {
    const body = JSON.parse(o.text) as Record<string, unknown>;
    const e = body['error'];
    if (isRecord(e)) return `${String(e['code'])}${e['error_subcode'] === undefined ? '' : `/${String(e['error_subcode'])}`}`;
    const list = body['errors'];
    if (Array.isArray(list) && isRecord(list[0])) return `onprem:${String(list[0]['code'])}`;
    if (typeof e === 'string') return `fastify:${String(body['code'] ?? e)}`;
  } catch {
    return 'non-json';
  }
  return 'other';
}

const excerpt = (b: Buffer | undefined, max = 300): string => {
  if (!b || b.length === 0) return '(none)';
  const text = b.subarray(0, max).toString('utf8');
  return `${JSON.stringify(text)}${b.length > max ? ` … (${b.length} bytes)` : ''}`;
};

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Writes every request and answer (FUZZ_DUMP=1) to a JSON file in the temp dir; returns its path. */
export function dumpAll(surface: string, seed: number, outcomes: readonly FuzzOutcome[]): string {
  const file = join(tmpdir(), `switchboard-fuzz-all-${surface.replace(/[^a-z0-9]+/gi, '-')}-${seed}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      outcomes.map((o) => ({ index: o.req.index, endpoint: o.req.endpoint, method: o.req.method, path: o.req.path.slice(0, 2000), bodyKind: o.req.bodyKind, tags: o.req.tags, status: o.status, ms: Math.round(o.ms), response: o.text.slice(0, 500), problems: o.problems })),
      null,
      1,
    ),
  );
  return file;
}

/** A curl command that replays the request (bodies over 4 KiB are written to a file next to the report). */
export function curlOf(base: string, req: FuzzRequest, bodyFile?: string): string {
  const parts = ['curl -sS -i --path-as-is', '-X', req.method];
  for (const [k, v] of Object.entries(req.headers)) parts.push('-H', shellQuote(`${k}: ${v}`));
  if (req.body && req.body.length > 0) parts.push(bodyFile ? `--data-binary @${bodyFile}` : `--data-binary ${shellQuote(req.body.toString('latin1'))}`);
  parts.push(shellQuote(`${base}${req.path}`));
  return parts.join(' ');
}

/**
 * The offenders, minimised: one representative per (endpoint, first problem), the smallest request
 * of each, with everything needed to replay it. Also written in full to a JSON file in the temp dir.
 */
export function offenderReport(base: string, surface: string, seed: number, outcomes: readonly FuzzOutcome[], limit = 25): string {
  const bad = outcomes.filter((o) => o.problems.length > 0);
  if (bad.length === 0) return '';
  const groups = new Map<string, FuzzOutcome>();
  for (const o of bad) {
    const key = `${o.req.endpoint} | ${(o.problems[0] ?? '').replace(/\d{3,}/g, 'N')}`;
    const cur = groups.get(key);
    if (!cur || (o.req.body?.length ?? 0) + o.req.path.length < (cur.req.body?.length ?? 0) + cur.req.path.length) groups.set(key, o);
  }
  const file = join(tmpdir(), `switchboard-fuzz-${surface.replace(/[^a-z0-9]+/gi, '-')}-${seed}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      bad.map((o) => ({
        index: o.req.index,
        problems: o.problems,
        status: o.status,
        response: o.text.slice(0, 2000),
        method: o.req.method,
        path: o.req.path,
        headers: o.req.headers,
        body_base64: o.req.body?.toString('base64') ?? null,
        tags: o.req.tags,
      })),
      null,
      1,
    ),
  );
  const lines = [`--- ${bad.length} offending ${surface} requests in ${groups.size} groups (seed ${seed}); all of them in ${file}; replay one with FUZZ_SEED=${seed} FUZZ_ONLY=<index>`];
  let n = 0;
  for (const [key, o] of groups) {
    if (n++ >= limit) {
      lines.push(`  … ${groups.size - limit} more groups in ${file}`);
      break;
    }
    lines.push(
      `  [#${o.req.index}] ${key}`,
      `    problems: ${o.problems.join('; ')}`,
      `    request:  ${o.req.method} ${o.req.path.length > 300 ? `${o.req.path.slice(0, 300)}… (${o.req.path.length} chars)` : o.req.path}`,
      `    headers:  ${JSON.stringify(o.req.headers)}`,
      `    body:     ${excerpt(o.req.body)}  [${o.req.bodyKind}; ${o.req.tags.join(', ')}]`,
      `    response: ${o.status} ${o.contentType} ${JSON.stringify(o.text.slice(0, 300))}`,
      `    replay:   ${(o.req.body?.length ?? 0) > 4096 ? `(body ${o.req.body?.length} bytes: see ${file})` : curlOf(base, o.req)}`,
    );
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------------
// State snapshots
// ------------------------------------------------------------------------------------------------

export interface StateSnapshot {
  /** What the control API and Graph show (the issue's list). */
  api: Record<string, unknown>;
  /** Every table of the database: row count and a digest of its sorted rows (rows kept for diffs). */
  tables: Record<string, { count: number; digest: string; rows: string[] }>;
}

const rowText = (row: Record<string, unknown>): string =>
  JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) || v instanceof Uint8Array ? `<bytes sha256:${createHash('sha256').update(v).digest('hex').slice(0, 16)}>` : v));

export interface SnapshotTargets {
  phoneNumberIds: readonly string[];
  wabaIds: readonly { id: string; token: string }[];
  /** Headers for control API reads (a control token, when the platform requires one). */
  controlHeaders?: Record<string, string>;
}

async function getJson(tp: TestPlatform, path: string, token?: string, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await tp.request('GET', path, token ? { token } : { headers });
  return { status: res.status, body: res.body };
}

/** Waits for the webhook outbox to be idle, then reads everything a refused request could have changed. */
export async function snapshotState(tp: TestPlatform, targets: SnapshotTargets): Promise<StateSnapshot> {
  await settleWebhooks(tp);
  const h = { headers: targets.controlHeaders ?? {} };
  const control = (path: string): Promise<unknown> => getJson(tp, path, undefined, h.headers);
  const count = async (path: string): Promise<number> => ((await tp.request<{ data?: unknown[] }>('GET', path, h)).body.data ?? []).length;
  const api: Record<string, unknown> = {
    state: await control('/_switchboard/state'),
    settings: await control('/_switchboard/settings'),
    clock_offset: ((await tp.request<{ offset_ms: number }>('GET', '/_switchboard/clock', h)).body as { offset_ms: number }).offset_ms,
    deployments: await control('/_switchboard/onprem/deployments'),
    migrations: await control('/_switchboard/migrations'),
    code_inbox_count: await count('/_switchboard/code-inbox?limit=500'),
    webhook_deliveries_count: await count('/_switchboard/webhook-deliveries?limit=500'),
    inbound_drops_count: await count('/_switchboard/inbound-drops?limit=500'),
    messages_count: await count('/_switchboard/messages?limit=500'),
  };
  for (const id of targets.phoneNumberIds) api[`number ${id}`] = await control(`/_switchboard/phone-numbers/${id}`);
  for (const w of targets.wabaIds) api[`templates of ${w.id}`] = await getJson(tp, `/v23.0/${w.id}/message_templates?limit=100`, w.token);

  const db = tp.platform.store.db;
  const names = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name`.execute(db);
  const tables: StateSnapshot['tables'] = {};
  for (const { name } of names.rows) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows.map(rowText).sort();
    tables[name] = { count: rows.length, digest: createHash('sha256').update(rows.join('\n')).digest('hex'), rows };
  }
  return { api, tables };
}

/** Flushes due webhooks until none is pending (deliveries from the fixture's setup). */
export async function settleWebhooks(tp: TestPlatform): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await tp.flushWebhooks();
    const pending = await tp.platform.store.db.selectFrom('webhook_events').select('id').where('status', '=', 'pending').limit(1).execute();
    if (pending.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Human-readable differences between two snapshots (empty when equal). */
export function diffSnapshots(before: StateSnapshot, after: StateSnapshot): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(before.api), ...Object.keys(after.api)])) {
    const a = JSON.stringify(before.api[key]);
    const b = JSON.stringify(after.api[key]);
    if (a !== b) out.push(`api ${key} changed:\n      before ${a?.slice(0, 600)}\n      after  ${b?.slice(0, 600)}`);
  }
  for (const name of new Set([...Object.keys(before.tables), ...Object.keys(after.tables)])) {
    const a = before.tables[name];
    const b = after.tables[name];
    if (a?.digest === b?.digest) continue;
    const beforeRows = new Set(a?.rows ?? []);
    const afterRows = new Set(b?.rows ?? []);
    const added = [...afterRows].filter((r) => !beforeRows.has(r));
    const removed = [...beforeRows].filter((r) => !afterRows.has(r));
    out.push(
      `table ${name}: ${a?.count ?? 0} → ${b?.count ?? 0} rows; +${added.length} −${removed.length}` +
        added.slice(0, 3).map((r) => `\n      + ${r.slice(0, 400)}`).join('') +
        removed.slice(0, 3).map((r) => `\n      − ${r.slice(0, 400)}`).join(''),
    );
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Suite scaffolding
// ------------------------------------------------------------------------------------------------

export interface SuiteDefinition<F extends { tp: TestPlatform }> {
  surface: Surface;
  seed: number;
  count: number;
  only: Set<number> | undefined;
  setup: () => Promise<F>;
  targets: (fixture: F) => SnapshotTargets;
  /** Prepares the generator once (ids, certificates…), then builds request `index` (undefined: none). */
  prepare: (fixture: F) => Promise<(index: number) => FuzzRequest | undefined>;
  /** Describe-block title; defaults to the surface. */
  title?: string;
  teardown: (fixture: F) => Promise<void>;
}

/**
 * Registers one fuzz suite: set up, snapshot, send everything, check every answer, snapshot again,
 * print the summary and the offenders, then one test per property.
 */
export function defineFuzzSuite<F extends { tp: TestPlatform }>(def: SuiteDefinition<F>): void {
  describe(`${def.title ?? `${def.surface} fuzz`} (${def.only ? `${def.only.size} of ` : ''}${def.count} requests, seed ${def.seed})`, () => {
    let fixture: F | undefined;
    let before: StateSnapshot;
    let after: StateSnapshot;
    let outcomes: FuzzOutcome[] = [];
    let generated = 0;

    beforeAll(async () => {
      fixture = await def.setup();
      const make = await def.prepare(fixture);
      before = await snapshotState(fixture.tp, def.targets(fixture));
      const requests: FuzzRequest[] = [];
      for (let i = 0; i < def.count; i++) {
        if (def.only && !def.only.has(i)) continue;
        const req = make(i);
        if (req) requests.push(req);
      }
      generated = requests.length;
      const started = performance.now();
      outcomes = await runAll(fixture.tp.base, requests);
      const wall = performance.now() - started;
      outcomes.forEach(check);
      after = await snapshotState(fixture.tp, def.targets(fixture));
      console.log(summarize(def.title ?? def.surface, def.seed, outcomes, wall));
      const report = offenderReport(fixture.tp.base, def.title ?? def.surface, def.seed, outcomes);
      if (report) console.log(report);
      if (process.env['FUZZ_DUMP'] === '1') console.log(`  every request and answer: ${dumpAll(def.title ?? def.surface, def.seed, outcomes)}`);
    }, 120_000 + def.count * 60);

    afterAll(async () => {
      if (fixture) await def.teardown(fixture);
    });

    const offenders = (pred: (p: string) => boolean): string[] =>
      outcomes
        .filter((o) => o.problems.some(pred))
        .map((o) => `#${o.req.index} ${o.req.method} ${o.req.path.slice(0, 160)} → ${o.status || (o.hang ? 'hang' : 'no answer')}: ${o.problems.join('; ')}`);
    const isFatal = (p: string): boolean => p.startsWith('HTTP 5') || p.startsWith('hang') || p.startsWith('transport');

    it('sent every request', () => {
      expect(outcomes.length).toBe(generated);
    });

    it('no 5xx, no hang, no dropped connection', () => {
      expect(offenders(isFatal)).toEqual([]);
    });

    it('every answer is JSON in the right envelope (413 only for oversized bodies), without stack traces or paths', () => {
      expect(offenders((p) => !isFatal(p) && !p.startsWith('accepted'))).toEqual([]);
    });

    it('nothing built to be invalid was accepted', () => {
      expect(offenders((p) => p.startsWith('accepted'))).toEqual([]);
    });

    it('state is unchanged (control API views and every database table)', () => {
      const diff = diffSnapshots(before, after);
      if (diff.length > 0) console.log(`--- ${def.surface}: state changed:\n  ${diff.join('\n  ')}`);
      expect(diff).toEqual([]);
    });
  });
}
