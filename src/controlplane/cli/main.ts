import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { Connections } from '../connections.js';
import { LeaseHeldError, Runner, type RunSummary } from '../jobs/runner.js';
import { stepNames } from '../jobs/steps/index.js';
import { JobStore } from '../jobs/store.js';
import { loadPlanFile, PlanError } from '../plan/load.js';
import type { MigrationKind } from '../plan/schema.js';
import type { Env } from '../plan/secrets.js';
import { runPreflight, type PreflightReport } from '../preflight/run.js';
import { buildReport, renderReport, renderTable } from '../report/report.js';
import { EXIT, EXIT_HELP } from './exit-codes.js';
import { addGatewayCommands } from './gateway-command.js';
import { GatewayConfigError } from '../webhook-gateway/config.js';
import { progressReporter } from './progress.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  env: Env;
}

const DEFAULT_DB = './data/control-plane.sqlite';

/** Thrown by a command to end with a given exit code (after its output is written). */
class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Runs the CLI; resolves to the process exit code (never calls process.exit itself). */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const out = (text: string): void => void io.stdout.write(`${text}\n`);
  const json = (value: unknown): void => out(JSON.stringify(value, null, 2));
  const program = buildProgram(io, out, json);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof Exit) return err.code;
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    if (err instanceof PlanError || err instanceof GatewayConfigError) {
      io.stderr.write(`${err.message}\n`);
      return EXIT.invalid;
    }
    if (err instanceof LeaseHeldError) {
      io.stderr.write(`${err.message}\n`);
      return EXIT.busy;
    }
    io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.internal;
  }
}

const dbOption = (): Option => new Option('--db <path|url>', 'control-plane database: SQLite file or postgres:// URL').env('SWITCHBOARD_CP_DB').default(DEFAULT_DB);
const runOption = (): Option => new Option('--run <id>', 'run id (default: the latest run)');

function buildProgram(io: CliIo, out: (t: string) => void, json: (v: unknown) => void): Command {
  const program = new Command('switchboard')
    .description('Migration control plane: plan, pre-flight and run WhatsApp Business phone-number migrations.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    // A fixed width keeps --help identical in terminals, pipes and docs/control-plane.md.
    .configureHelp({ helpWidth: 110 })
    .showHelpAfterError()
    .addHelpText('after', `\nSecrets (tokens, PINs, passwords) are read from the environment variables the plan or configuration names.\n\n${EXIT_HELP}\n`);

  const plan = program.command('plan').description('work with plan files');
  plan
    .command('validate')
    .description('check a plan file against the schema; errors name the path and line')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { json?: boolean }) => {
      try {
        const p = await loadPlanFile(file);
        const kinds = p.numbers.reduce<Record<string, number>>((acc, n) => ({ ...acc, [n.kind]: (acc[n.kind] ?? 0) + 1 }), {});
        if (opts.json) json({ valid: true, name: p.name, numbers: p.numbers.length, kinds });
        else out(`${file}: valid plan "${p.name}" — ${p.numbers.length} number(s): ${Object.entries(kinds).map(([k, v]) => `${v} ${k}`).join(', ')}`);
      } catch (err) {
        if (!(err instanceof PlanError) || !opts.json) throw err;
        json({ valid: false, issues: err.issues });
        throw new Exit(EXIT.invalid);
      }
    });

  program
    .command('preflight')
    .description('read-only checks of every number in a plan; nothing is changed')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { json?: boolean }) => {
      const report = await runPreflight(new Connections(await loadPlanFile(file), io.env));
      if (opts.json) json(report);
      else out(renderPreflight(report));
      if (report.blocked > 0) throw new Exit(EXIT.incomplete);
    });

  const migrate = program.command('migrate').description('run and control migrations');
  migrate
    .command('run')
    .description('pre-flight, then migrate every eligible number (numbers failing pre-flight are skipped untouched)')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .addOption(dbOption())
    .option('--json', 'print the final report as JSON')
    .option('--ignore-window', 'start batches outside the plan\'s low-traffic window')
    .option('--no-progress', 'no progress bars')
    .action(async (file: string, opts: RunOpts) => {
      const p = await loadPlanFile(file);
      await withRunner(io, opts, async (runner) => {
        const { runId, preflight } = await runner.create(p);
        const later = preflight.unchecked ? `; ${preflight.unchecked} more checked batch by batch` : '';
        if (!opts.json) out(`run ${runId}: ${preflight.ready} ready, ${preflight.blocked} blocked by pre-flight${later}`);
        return finish(runner, await execute(runner, runId, opts, io), opts, out, json);
      });
    });
  migrate
    .command('resume')
    .description('continue a run after a crash, a pause or a fix (steps observe before repeating)')
    .addOption(dbOption())
    .addOption(runOption())
    .option('--retry-failed', 'put failed numbers back in the queue first')
    .option('--json', 'print the final report as JSON')
    .option('--ignore-window', 'start batches outside the plan\'s low-traffic window')
    .option('--no-progress', 'no progress bars')
    .action(async (opts: RunOpts & { run?: string; retryFailed?: boolean }) =>
      withRunner(io, opts, async (runner) => {
        const runId = await resolveRun(runner.store, opts.run);
        if (opts.retryFailed) await runner.retryFailed(runId);
        return finish(runner, await execute(runner, runId, opts, io), opts, out, json);
      }),
    );
  migrate
    .command('status')
    .description('where every number of a run stands')
    .addOption(dbOption())
    .addOption(runOption())
    .option('--json', 'machine-readable output')
    .action(async (opts: RunRef & { json?: boolean }) =>
      withRun(opts, async (store, runId) => {
        const run = await store.runState(runId);
        const jobs = await store.jobs(runId);
        const steps = await store.steps(jobs.map((j) => j.id));
        const rows = jobs.map((j) => {
          // A job that has not started has no step rows yet: its steps come from its kind.
          const names = steps.some((s) => s.job_id === j.id) ? steps.filter((s) => s.job_id === j.id).map((s) => s.name) : stepNames(j.kind as MigrationKind);
          return { phone_number_id: j.phone_number_id, kind: j.kind, status: j.status, step: names[j.step_index] ?? null, progress: `${j.step_index}/${names.length}` };
        });
        if (opts.json) return json({ run: { id: runId, status: run?.status, lease_owner: run?.lease_owner }, numbers: rows });
        out(`Run ${runId}: ${run?.status ?? '?'}${run?.lease_owner ? ` (executing: ${run.lease_owner})` : ''}`);
        out(renderTable(['NUMBER', 'KIND', 'STATUS', 'NEXT STEP', 'STEPS'], rows.map((r) => [r.phone_number_id, r.kind, r.status, r.step ?? '', r.progress])));
      }),
    );
  for (const [name, description] of [
    ['pause', 'stop starting steps; numbers mid-step finish that step (continue with resume)'],
    ['cancel', 'stop the run: numbers that have not moved yet are released on their original API'],
  ] as const) {
    migrate
      .command(name)
      .description(description)
      .addOption(dbOption())
      .addOption(runOption())
      .action(async (opts: RunRef) =>
        withRun(opts, async (store, runId) => {
          await store.setRunStatus(runId, name === 'pause' ? 'paused' : 'cancelling');
          out(`run ${runId}: ${name} requested`);
        }),
      );
  }

  program
    .command('report')
    .description('what moved, what did not, and why (table, or JSON)')
    .addOption(dbOption())
    .addOption(runOption())
    .option('--json', 'machine-readable output')
    .action(async (opts: RunRef & { json?: boolean }) =>
      withRun(opts, async (store, runId) => {
        const report = await buildReport(store, runId);
        if (opts.json) json(report);
        else out(renderReport(report));
        const bad = Object.keys(report.totals).some((s) => s !== 'succeeded');
        if (bad) throw new Exit(EXIT.incomplete);
      }),
    );

  program
    .command('serve')
    .description('HTTP API for the same operations, with live progress as server-sent events')
    .addOption(dbOption())
    .option('--host <addr>', 'interface to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', '4790')
    .action(async (opts: { db: string; host: string; port: string }) => {
      const { serveControlPlane } = await import('../http/server.js');
      const server = await serveControlPlane({ dbPath: opts.db, host: opts.host, port: Number(opts.port), env: io.env });
      out(`Switchboard control plane listening on ${server.url}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });

  addGatewayCommands(program, io.env, out, json);
  return program;
}

interface RunOpts {
  db: string;
  json?: boolean;
  ignoreWindow?: boolean;
  progress?: boolean;
}

async function withStore<T>(path: string, work: (store: JobStore) => Promise<T>): Promise<T> {
  const store = await JobStore.open(path);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function withRunner(io: CliIo, opts: RunOpts, work: (runner: Runner) => Promise<void>): Promise<void> {
  return withStore(opts.db, (store) => work(new Runner(store, { env: io.env, ignoreWindow: opts.ignoreWindow === true })));
}

interface RunRef {
  db: string;
  run?: string;
}

/** Opens the database and picks the run (`--run`, or the latest). */
function withRun<T>(opts: RunRef, work: (store: JobStore, runId: string) => Promise<T>): Promise<T> {
  return withStore(opts.db, async (store) => work(store, await resolveRun(store, opts.run)));
}

async function resolveRun(store: JobStore, id: string | undefined): Promise<string> {
  const run = id === undefined ? await store.latestRun() : await store.runState(id);
  if (!run) throw new Error(id === undefined ? 'no run in this database yet' : `no run ${id}`);
  return run.id;
}

async function execute(runner: Runner, runId: string, opts: RunOpts, io: CliIo): Promise<RunSummary> {
  const progress = opts.progress !== false && !opts.json ? progressReporter(io.stderr) : undefined;
  const unsubscribe = progress ? runner.events.on(progress.onEvent) : () => undefined;
  try {
    return await runner.execute(runId);
  } finally {
    unsubscribe();
    progress?.stop();
  }
}

async function finish(runner: Runner, summary: RunSummary, opts: RunOpts, out: (t: string) => void, json: (v: unknown) => void): Promise<void> {
  const report = await buildReport(runner.store, summary.runId);
  if (opts.json) json(report);
  else out(renderReport(report));
  if (summary.status === 'paused' || summary.status === 'cancelled') throw new Exit(EXIT.stopped);
  if (Object.keys(summary.counts).some((s) => s !== 'succeeded')) throw new Exit(EXIT.incomplete);
}

function renderPreflight(report: PreflightReport): string {
  const rows = report.numbers.flatMap((n) => {
    const findings = n.findings.length === 0 ? [{ severity: '', message: 'ok', fix: undefined }] : n.findings;
    return findings.map((f, i) => [i === 0 ? n.phone_number_id : '', i === 0 ? n.kind : '', i === 0 ? n.verdict : '', f.severity, f.message + (f.fix ? ` → ${f.fix}` : '')]);
  });
  return [
    `Pre-flight of "${report.plan}": ${report.ready} ready, ${report.blocked} blocked`,
    '',
    renderTable(['NUMBER', 'KIND', 'VERDICT', 'LEVEL', 'FINDING'], rows),
    '',
    ...report.notes.map((n) => `note: ${n}`),
  ].join('\n');
}

// Run when executed directly (`tsx src/controlplane/cli/main.ts`); bin/switchboard.js calls main() itself.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
