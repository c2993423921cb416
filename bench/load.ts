/**
 * Load for the HTTP benchmarks: `wrk` (Debian package `wrk`, C + LuaJIT) when installed, else
 * autocannon in the bench's own process. On two cores a Node load generator takes a large share of
 * the CPU the server under test needs; wrk costs a fraction of it per request.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error autocannon ships no type declarations
import autocannon from 'autocannon';

export interface LoadRequest {
  method: 'POST';
  /** Request paths, used round robin. */
  paths: string[];
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  requestsPerSecond: number;
  total: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export type LoadTool = 'wrk' | 'autocannon';

function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

/** The `--load` option: wrk unless asked otherwise or missing. */
export function loadTool(option: string | undefined): LoadTool {
  const tool = option ?? (wrkAvailable() ? 'wrk' : 'autocannon');
  if (tool !== 'wrk' && tool !== 'autocannon') throw new Error('--load must be wrk or autocannon');
  if (tool === 'wrk' && !wrkAvailable()) throw new Error('wrk is not installed (apt-get install -y wrk)');
  return tool;
}

/** `connections` connections for `durationS` seconds against `base`, from `tool`. */
export function runLoad(tool: LoadTool, base: string, request: LoadRequest, connections: number, durationS: number): Promise<LoadResult> {
  return tool === 'wrk' ? wrkLoad(base, request, connections, durationS) : autocannonLoad(base, request, connections, durationS);
}

/** One wrk run, on one thread. */
async function wrkLoad(base: string, request: LoadRequest, connections: number, durationS: number): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-wrk-'));
  try {
    const script = join(dir, 'load.lua');
    writeFileSync(script, luaScript(request));
    const out = await run('wrk', ['-t1', `-c${connections}`, `-d${durationS}s`, '--latency', '-s', script, base]);
    return parseWrk(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function luaScript(r: LoadRequest): string {
  const q = (s: string): string => JSON.stringify(s); // a JSON string literal is a valid Lua string literal here (ASCII)
  return [
    `wrk.method = ${q(r.method)}`,
    `wrk.body = ${q(r.body)}`,
    ...Object.entries(r.headers).map(([k, v]) => `wrk.headers[${q(k)}] = ${q(v)}`),
    `local paths = { ${r.paths.map(q).join(', ')} }`,
    'local n = 0',
    'request = function()',
    '  n = n + 1',
    '  return wrk.format(nil, paths[(n % #paths) + 1])',
    'end',
    // wrk counts non-2xx/3xx itself; the summary below prints what the bench parses.
    'done = function(summary, latency, requests)',
    '  io.write(string.format("SB total=%d p50=%d p99=%d connect=%d read=%d write=%d timeout=%d status=%d\\n", summary.requests, latency:percentile(50), latency:percentile(99), summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status))',
    'end',
  ].join('\n');
}

function parseWrk(out: string): LoadResult {
  const line = /SB total=(\d+) p50=(\d+) p99=(\d+) connect=(\d+) read=(\d+) write=(\d+) timeout=(\d+) status=(\d+)/.exec(out);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!line || !rate) throw new Error(`unexpected wrk output:\n${out}`);
  const [, total, p50, p99, connect, read, write, timeout, status] = line.map(Number);
  return {
    requestsPerSecond: Number(rate[1]),
    total: total ?? 0,
    p50Ms: (p50 ?? 0) / 1000,
    p99Ms: (p99 ?? 0) / 1000,
    non2xx: status ?? 0,
    errors: (connect ?? 0) + (read ?? 0) + (write ?? 0) + (timeout ?? 0),
  };
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

async function autocannonLoad(base: string, r: LoadRequest, connections: number, durationS: number): Promise<LoadResult> {
  let next = 0;
  const res = (await autocannon({
    url: base,
    connections,
    duration: durationS,
    requests: [{ method: r.method, setupRequest: (req: Record<string, unknown>) => ({ ...req, path: r.paths[next++ % r.paths.length] ?? '' }), headers: r.headers, body: r.body }],
  })) as AutocannonResult;
  // autocannon counts each timeout among its errors already.
  return { requestsPerSecond: res.requests.average, total: res.requests.total, p50Ms: res.latency.p50, p99Ms: res.latency.p99, non2xx: res.non2xx, errors: res.errors };
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${String(code)}:\n${out}`))));
  });
}
