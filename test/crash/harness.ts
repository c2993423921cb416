import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Crash-test harness (issue 8): the platform runs as its own process on a SQLite file, is killed with
 * SIGKILL while calls are in flight, and is started again on the same file.
 */

export const GRAPH = '/v23.0';

export interface Res<T = any> {
  status: number;
  body: T;
}

/** One running platform process. */
export class Proc {
  output = '';
  private exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly base: string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  static async start(db: string): Promise<Proc> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--port', '0', '--no-seed', '--db', db, '--downtime-ms', '0', '--no-rate-limits'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`platform did not start: ${out}`)), 30_000);
      const check = (): void => {
        const m = /Control API \(emulator only\):\s+(http:\/\/\S+)\/_switchboard\//.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout?.on('data', check);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`platform exited (${String(code)}/${String(signal)}) before starting: ${out}`));
      });
    });
    const p = new Proc(child, base);
    child.stdout?.on('data', (c: Buffer) => (p.output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (p.output += c.toString()));
    p.output = out;
    return p;
  }

  /** kill -9, and wait until the process is gone. */
  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }

  /** A JSON call; `auth` is a bearer token or a full header value (`Basic …`). Never throws on HTTP errors. */
  async call<T = any>(method: string, path: string, body?: unknown, auth?: string): Promise<Res<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth) headers['authorization'] = /^(Basic|Bearer) /.test(auth) ? auth : `Bearer ${auth}`;
    const res = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      /* keep text */
    }
    return { status: res.status, body: parsed as T };
  }

  /** A call that must succeed (2xx, or `expect`). */
  async ok<T = any>(method: string, path: string, body?: unknown, auth?: string, expect?: number): Promise<T> {
    const r = await this.call<T>(method, path, body, auth);
    if (expect !== undefined ? r.status !== expect : r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  control<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    return this.ok<T>(method, `/_switchboard/${path}`, body ?? (method === 'GET' ? undefined : {}));
  }
}

/** A temporary directory with one database file. */
export function tempDb(label: string): { db: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `switchboard-crash-${label}-`));
  return { db: join(dir, 'platform.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The crash tests' seeded randomness (see support/prng.ts). */
export { mulberry32 as rng } from '../support/prng.js';

export const between = (r: () => number, lo: number, hi: number): number => Math.floor(lo + r() * (hi - lo + 1));

/** Runs task(i) for i in [0, n) with at most `limit` at a time. */
export async function pool<T>(n: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Fires every operation at once, SIGKILLs the platform `delayMs` later, and resolves with what each
 * operation's client saw (a value, or the error — a reset connection means "unknown outcome").
 */
export async function fireAndKill<T>(proc: Proc, ops: (() => Promise<T>)[], delayMs: number): Promise<{ outcomes: Outcome<T>[]; killedAtMs: number }> {
  const t0 = performance.now();
  const settled = ops.map((op) =>
    op().then(
      (value): Outcome<T> => ({ ok: true, value }),
      (err: unknown): Outcome<T> => ({ ok: false, error: err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err) }),
    ),
  );
  await new Promise((r) => setTimeout(r, delayMs));
  const killedAtMs = performance.now() - t0;
  await proc.kill9();
  return { outcomes: await Promise.all(settled), killedAtMs };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Invariant bookkeeping: counts checks, collects violations (the test fails at the end with all of them). */
export class Checks {
  passed = 0;
  readonly violations: string[] = [];
  check(cond: boolean, what: () => string): void {
    if (cond) this.passed += 1;
    else this.violations.push(what());
  }
}

export const SEEDS = (process.env['CRASH_SEEDS'] ?? '11,22,33')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isFinite(n));
