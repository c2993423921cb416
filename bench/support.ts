/** Shared by the benchmark scripts: start the built platform as its own process, and call it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../test/support/postgres-cluster.js';

/**
 * Spawns `dist/main.js` on a free port with a fresh database and no demo data, and resolves with its
 * base URL once it prints it. `BENCH_CPU_PROF=<dir>` runs it under `--cpu-prof`; `BENCH_NODE_ARGS` adds
 * node options (space-separated, e.g. `--perf-basic-prof` so `perf` can name JIT frames).
 */
export async function startPlatform(dbPath: string, extraArgs: readonly string[] = []): Promise<{ child: ChildProcess; base: string }> {
  const nodeArgs = [...(process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CPU_PROF']] : []), ...(process.env['BENCH_NODE_ARGS']?.split(' ').filter(Boolean) ?? [])];
  const child = spawn(process.execPath, [...nodeArgs, 'dist/main.js', '--port', '0', '--db', dbPath, '--no-seed', ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Control API \(emulator only\):\s+(http:\/\/[^\s]+)\/_switchboard\//.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`platform exited with ${String(code)}`)));
  });
  return { child, base };
}

/** One JSON call; `auth` is a full Authorization header value. Throws unless the status is `expect` (or any 2xx). */
export async function call<T>(base: string, method: string, path: string, body?: unknown, auth?: string, expect?: number): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(auth && { authorization: auth }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (expect !== undefined ? res.status !== expect : !res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * A fresh database for one benchmark run: a SQLite file in a temporary directory, or (`postgres`) a
 * throwaway PostgreSQL cluster with durable settings (Debian's package; see test/support/postgres-cluster.ts).
 */
export async function benchDatabase(postgres: boolean): Promise<{ location: string; cleanup(): void }> {
  if (postgres) {
    const cluster = await startCluster({ durable: true });
    return { location: cluster.url, cleanup: () => cluster.stop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  return { location: join(dir, 'bench.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  return ticksToSeconds(`/proc/${String(pid)}/stat`);
}

/**
 * CPU seconds of a process's main thread alone (its JavaScript event loop): the one that answers
 * requests, so the figure that caps requests/s when other threads (delivery, checkpoints) run beside it.
 */
export function mainThreadCpuSecondsOf(pid: number | undefined): number | undefined {
  return ticksToSeconds(`/proc/${String(pid)}/task/${String(pid)}/stat`);
}

function ticksToSeconds(statFile: string): number | undefined {
  try {
    const fields = readFileSync(statFile, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of the file (11 and 12 after the command name), in ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Counts the instructions a process executes until `stop()` (Linux `perf stat`), a figure that, unlike
 * wall or CPU time, does not move when other work shares the machine's cores. `mainThreadOnly` counts
 * its main thread alone (the event loop). Resolves undefined where perf or its counters are missing.
 */
export function countInstructions(pid: number | undefined, { mainThreadOnly = false } = {}): { stop(): Promise<number | undefined> } {
  if (pid === undefined) return { stop: () => Promise.resolve(undefined) };
  const perf = spawn('perf', ['stat', '-x', ',', '-e', 'instructions', mainThreadOnly ? '-t' : '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  perf.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    perf.once('exit', () => resolve());
    perf.once('error', () => resolve());
  });
  return {
    async stop() {
      perf.kill('SIGINT');
      await exited;
      const count = Number(/^(\d+),/m.exec(out)?.[1]);
      return Number.isFinite(count) && count > 0 ? count : undefined;
    },
  };
}
