import { randomUUID } from 'node:crypto';
import { Connections } from '../connections.js';
import { describeError, isRetryable } from '../errors.js';
import { OutboundGateway } from '../outbound/gateway.js';
import { planSchema, type NumberEntry, type Plan } from '../plan/schema.js';
import type { Env } from '../plan/secrets.js';
import { runPreflight, type PreflightReport } from '../preflight/run.js';
import { mapLimit, sleep } from '../util/pool.js';
import { RunnerEvents } from './events.js';
import type { JobStatus, RunStatus } from './schema.js';
import { afterFailure, cancelStops, nextStepIndex } from './state.js';
import { kindOf } from './steps/index.js';
import { sourceTarget } from './steps/common.js';
import type { Outcome, StepContext, StepDefinition } from './steps/types.js';
import { checkBatch, gateOf, verdictOf } from './batch-check.js';
import type { AfterStep, Job, JobStore, NewJob, Run } from './store.js';
import { msUntilWindow } from './window.js';

export interface RunnerOptions {
  /**
   * Secrets for runs given none of their own (`create`/`execute`/`useEnv`): the process environment,
   * or `{}` where secrets only come with requests.
   */
  env: Env;
  /** How long a run's lease lasts without renewal (renewed every third of it). */
  leaseTtlMs?: number;
  /** How often pause/cancel requests (from another process or the HTTP API) are picked up. */
  controlPollMs?: number;
  /** How often queued messages behind open gates are delivered. */
  outboundPollMs?: number;
  ignoreWindow?: boolean;
  now?: () => number;
  random?: () => number;
}

export interface RunSummary {
  runId: string;
  status: RunStatus;
  counts: Partial<Record<JobStatus, number>>;
}

/** Per-run options of `create` and `execute`. */
export interface RunEnvOption {
  /** The run's secrets, by the variable names the plan uses; in memory only, never stored. */
  env?: Env;
}

/** A run's secrets: one object per run, replaced in place so connections built earlier see new values. */
type RunEnv = Record<string, string | undefined>;

export class LeaseHeldError extends Error {}

/**
 * Executes runs: batches in order, jobs of a batch with bounded concurrency, each job's steps one by
 * one with every result committed before the next step starts. Any process can resume a run whose
 * owner died: steps left `started` observe remote state before acting again.
 */
export class Runner {
  readonly events = new RunnerEvents();
  readonly outbound: OutboundGateway;
  private readonly connections = new Map<string, Connections>();
  private readonly envs = new Map<string, RunEnv>();
  private readonly status = new Map<string, RunStatus>();
  private readonly now: () => number;

  constructor(
    readonly store: JobStore,
    readonly options: RunnerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.outbound = new OutboundGateway(store, (runId) => this.connectionsFor(runId));
  }

  /** The run's plan with the run's secrets (secrets are never stored). */
  async connectionsFor(runId: string): Promise<Connections> {
    let conn = this.connections.get(runId);
    if (!conn) {
      const run = await this.store.run(runId);
      if (!run) throw new Error(`no run ${runId}`);
      conn = new Connections(planSchema.parse(JSON.parse(run.plan)), this.envOf(runId));
      this.connections.set(runId, conn);
    }
    return conn;
  }

  /** Gives `runId` these secrets from now on (e.g. a corrected PIN), also to work already under way. */
  useEnv(runId: string, env: Env): void {
    const current = this.envs.get(runId);
    if (!current) return void this.envs.set(runId, { ...env });
    for (const key of Object.keys(current)) delete current[key];
    Object.assign(current, env);
  }

  /** The run's secrets: those it was given, else (a run of an earlier process) the runner's own. */
  private envOf(runId: string): RunEnv {
    let env = this.envs.get(runId);
    if (!env) {
      env = { ...this.options.env };
      this.envs.set(runId, env);
    }
    return env;
  }

  /**
   * Pre-flight, then records the run: numbers that fail pre-flight become `skipped` jobs and are never
   * touched; the others are `pending`, in batches of the plan's size, with an outbound gate open on the
   * API they are on now (numbers a previous run moved keep the gate it left). With `batch.preflight:
   * per_batch` only the first batch is checked here; the others are recorded unchecked, in batches by
   * plan order, and `execute` checks each before it runs (the report covers the first batch).
   */
  async create(plan: Plan, options: RunEnvOption = {}): Promise<{ runId: string; preflight: PreflightReport }> {
    const env: RunEnv = { ...(options.env ?? this.options.env) };
    const conn = new Connections(plan, env);
    const perBatch = plan.batch.preflight === 'per_batch';
    const preflight = await runPreflight(conn, perBatch ? plan.numbers.slice(0, plan.batch.size) : plan.numbers);
    // A number still migrating in an unfinished run must not get a second job.
    const busy = await this.store.activeJobs();
    const runId = `run-${new Date(this.now()).toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomUUID().slice(0, 8)}`;
    let ready = 0;
    const jobs = plan.numbers.map((entry, i): NewJob => {
      const report = preflight.numbers[i];
      const otherRun = busy.get(entry.phone_number_id);
      const base = { phone_number_id: entry.phone_number_id, kind: entry.kind, entry };
      if (report === undefined && otherRun === undefined) return { ...base, batch: Math.floor(i / plan.batch.size), status: 'pending', preflight: null, error: null };
      const { blocked, findings, error } = verdictOf(report, otherRun);
      const batch = blocked ? -1 : Math.floor((perBatch ? i : ready++) / plan.batch.size);
      return { ...base, batch, status: blocked ? 'skipped' : 'pending', preflight: findings, error };
    });
    const gates = plan.numbers.filter((_, i) => jobs[i]?.status === 'pending' && jobs[i]?.preflight !== null).map((entry) => gateOf(runId, entry));
    await this.store.createRun(runId, plan.name, plan, jobs, gates);
    this.envs.set(runId, env);
    this.connections.set(runId, conn);
    if (perBatch) {
      preflight.unchecked = plan.numbers.length - preflight.numbers.length;
      preflight.notes = [...preflight.notes, 'batch.preflight is per_batch: each later batch is checked while the one before it migrates; the run\'s report has every number\'s findings.'];
    }
    return { runId, preflight };
  }

  async pause(runId: string): Promise<void> {
    await this.store.setRunStatus(runId, 'paused');
  }

  async cancel(runId: string): Promise<void> {
    await this.store.setRunStatus(runId, 'cancelling');
  }

  /** Failed jobs go back to pending; their failed step observes before acting again. */
  async retryFailed(runId: string): Promise<number> {
    const failed = (await this.store.jobs(runId)).filter((j) => j.status === 'failed' && j.batch >= 0);
    for (const job of failed) await this.store.requeue(job.id);
    return failed.length;
  }

  /** Runs (or resumes) `runId` until every job is settled, or the run is paused or cancelled. */
  async execute(runId: string, options: RunEnvOption = {}): Promise<RunSummary> {
    if (options.env) this.useEnv(runId, options.env);
    const run = await this.store.run(runId);
    if (!run) throw new Error(`no run ${runId}`);
    const ttl = this.options.leaseTtlMs ?? 15_000;
    const lease = await this.store.claimLease(runId, ttl);
    if (!lease.ok) throw new LeaseHeldError(`run ${runId} is being executed by ${lease.holder}`);
    if (run.status === 'finished' || run.status === 'cancelled') {
      // Nothing left to migrate, but messages may wait behind open gates (sent while no process ran).
      await this.drainOpenGates().finally(() => this.store.releaseLease(runId));
      return this.summary(runId, run.status);
    }
    if (run.status === 'paused') await this.store.setRunStatus(runId, 'running');
    this.status.set(runId, run.status === 'paused' ? 'running' : run.status);
    const timers = this.startTimers(runId, ttl);
    try {
      await this.executeBatches(run);
      // A transient failure here leaves messages queued; the next resume (or a serving process) sends them.
      await this.drainOpenGates().catch(() => undefined);
      const final = this.status.get(runId);
      const status: RunStatus = final === 'paused' ? 'paused' : final === 'cancelling' ? 'cancelled' : 'finished';
      if (status === 'cancelled') await this.cancelPending(runId);
      const summary = await this.summary(runId, status);
      // Recorded before the status changes, so an SSE client that sees the run over has replayed its end.
      await this.store.event(runId, null, 'run_finished', summary);
      if (status !== 'paused') await this.store.setRunStatus(runId, status);
      this.events.emit({ type: 'run_finished', runId, status, counts: summary.counts });
      return summary;
    } finally {
      timers.forEach(clearInterval);
      await this.store.releaseLease(runId);
    }
  }

  async summary(runId: string, status?: RunStatus): Promise<RunSummary> {
    const counts: Partial<Record<JobStatus, number>> = {};
    for (const job of await this.store.jobs(runId)) counts[job.status] = (counts[job.status] ?? 0) + 1;
    return { runId, status: status ?? (await this.store.runState(runId))?.status ?? 'running', counts };
  }

  private startTimers(runId: string, ttl: number): NodeJS.Timeout[] {
    const every = (ms: number, work: () => Promise<unknown>): NodeJS.Timeout => {
      let running = false;
      const t = setInterval(() => {
        if (running) return;
        running = true;
        void work()
          .catch(() => undefined)
          .finally(() => {
            running = false;
          });
      }, ms);
      t.unref();
      return t;
    };
    return [
      every(Math.max(50, ttl / 3), () => this.store.renewLease(runId, ttl)),
      every(this.options.controlPollMs ?? 250, async () => {
        const run = await this.store.runState(runId);
        if (run) this.status.set(runId, run.status);
      }),
      every(this.options.outboundPollMs ?? 200, () => this.drainOpenGates()),
    ];
  }

  /** Delivers messages queued behind open gates (each number in order; numbers one after another). */
  private async drainOpenGates(): Promise<void> {
    for (const id of await this.store.openGatesWithQueue()) await this.outbound.flush(id);
  }

  private async executeBatches(run: Run): Promise<void> {
    const conn = await this.connectionsFor(run.id);
    const all = await this.store.jobs(run.id);
    const open = all.filter((j) => j.status === 'pending' || j.status === 'running');
    const batches = [...new Set(open.map((j) => j.batch))].sort((a, b) => a - b);
    this.events.emit({ type: 'run_started', runId: run.id, total: all.length, batches: batches.length, skipped: all.filter((j) => j.status === 'skipped').length });
    // Per-batch pre-flight: the next batch is checked while this one migrates.
    const checks = new Map<number, Promise<Job[]>>();
    const checked = (batch: number): Promise<Job[]> => {
      let check = checks.get(batch);
      if (!check) {
        check = checkBatch({ store: this.store, events: this.events, runId: run.id, conn }, open.filter((j) => j.batch === batch));
        checks.set(batch, check);
      }
      return check;
    };
    try {
      for (const [i, batch] of batches.entries()) {
        if (!(await this.waitForWindow(run.id, batch, conn.plan))) return;
        const current = checked(batch);
        const next = batches[i + 1];
        if (next !== undefined) void checked(next).catch(() => undefined);
        const jobs = await current;
        this.events.emit({ type: 'batch_started', runId: run.id, batch, size: jobs.length });
        await mapLimit(jobs, conn.plan.batch.concurrency, (job) => this.runJob(run.id, job, conn));
        this.events.emit({ type: 'batch_finished', runId: run.id, batch });
        if (this.status.get(run.id) !== 'running') return;
      }
    } finally {
      // A check under way when the run stops still records what it found (the store outlives it).
      await Promise.allSettled(checks.values());
    }
  }

  /** Waits for the low-traffic window; false when the run was paused or cancelled meanwhile. */
  private async waitForWindow(runId: string, batch: number, plan: Plan): Promise<boolean> {
    for (let announced = false; ; announced = true) {
      if (this.status.get(runId) !== 'running') return false;
      const wait = this.options.ignoreWindow ? 0 : msUntilWindow(this.now(), plan.window);
      if (wait === 0) return true;
      // Announced once per batch; checked every second so a pause or cancel is seen while waiting.
      if (!announced) this.events.emit({ type: 'window_wait', runId, batch, ms: wait });
      await sleep(Math.min(wait, 1000));
    }
  }

  private async runJob(runId: string, job: Job, conn: Connections): Promise<void> {
    const entry = JSON.parse(job.entry) as NumberEntry;
    const kind = kindOf(entry);
    const names = kind.steps.map((s) => s.name);
    const commitIndex = names.indexOf(kind.commitStep);
    // A step is marked started together with the write before it when its remote call follows at
    // once: not one that observes first (its mark must follow the observation), nor the commit step
    // (cancel looks at its attempts), nor while the run is pausing or cancelling.
    const startsAtOnce = (i: number): boolean => {
      const step = kind.steps[i];
      return step !== undefined && !step.observe && i !== commitIndex && this.status.get(runId) === 'running';
    };
    const firstStep = job.started_at === null && startsAtOnce(0) ? names[0] : undefined;
    const rows = await this.store.startJob(job, names, this.now(), firstStep);
    const base = { runId, jobId: job.id, phoneNumberId: job.phone_number_id };
    this.events.emit({ ...base, type: 'job_started', kind: job.kind, steps: names.length, batch: job.batch });
    const outputs: Record<string, unknown> = {};
    for (const row of rows) if (row.output !== null) outputs[row.name] = JSON.parse(row.output) as unknown;
    const ranHere = new Set<string>();
    const attempted = new Set(rows.filter((r) => r.attempts > 0).map((r) => r.name));
    const ctx: StepContext = { runId, entry, conn, outbound: this.outbound, outputs, ranHere, attempted: (name) => attempted.has(name) };

    let started = firstStep !== undefined;
    for (let i = nextStepIndex(rows); i < kind.steps.length; i++) {
      const runStatus = this.status.get(runId);
      if (runStatus === 'paused') return this.settle(job, 'pending', null, false);
      if (runStatus === 'cancelling' && cancelStops(i, commitIndex, (rows[commitIndex]?.attempts ?? 0) > 0)) {
        await this.outbound.release(entry.phone_number_id, runId, sourceTarget(entry));
        return this.settle(job, 'cancelled', 'cancelled before the number moved; held messages sent on the original API');
      }
      const step = kind.steps[i] as StepDefinition;
      const next = kind.steps[i + 1];
      // Decided when the step's result is written, so a pause or cancel seen by then is respected.
      const after = (): AfterStep => {
        if (next === undefined) return { settle: { status: 'succeeded', finishedAt: this.now(), event: { runId, jobId: job.id, type: 'job_finished', data: { status: 'succeeded', error: null } } } };
        return startsAtOnce(i + 1) ? { start: next.name } : {};
      };
      try {
        const { outcome, recorded, observed } = await this.runStep(ctx, job, step, i, conn, started, after, attempted);
        outputs[step.name] = outcome.output;
        if (!observed && outcome.status === 'succeeded') ranHere.add(step.name);
        started = recorded.start !== undefined;
      } catch (err) {
        return this.fail(ctx, job, i, commitIndex, err);
      }
    }
    this.events.emit({ type: 'job_finished', runId, jobId: job.id, phoneNumberId: job.phone_number_id, batch: job.batch, status: 'succeeded', error: null });
  }

  /**
   * One step to completion: observe when an earlier attempt may have acted, retry transient failures.
   * `started`: the previous step's result already marked this one started (first attempt only).
   */
  private async runStep(
    ctx: StepContext,
    job: Job,
    step: StepDefinition,
    index: number,
    conn: Connections,
    started: boolean,
    after: () => AfterStep,
    attempted: Set<string>,
  ): Promise<{ outcome: Outcome; recorded: AfterStep; observed: boolean }> {
    for (let failures = 0; ; ) {
      try {
        // Observation first, on every attempt: see StepDefinition.observe.
        const seen = step.observe ? await step.observe(ctx) : undefined;
        if (seen === undefined) attempted.add(step.name);
        const outcome = seen ?? (await this.attempt(ctx, job, step, started && failures === 0));
        const recorded = after();
        await this.store.stepFinished(job.id, step.name, index, outcome.status, outcome.output, recorded);
        this.events.emit({ type: 'step_finished', runId: ctx.runId, jobId: job.id, phoneNumberId: job.phone_number_id, step: step.name, index, status: outcome.status, observed: seen !== undefined });
        return { outcome, recorded, observed: seen !== undefined };
      } catch (err) {
        failures += 1;
        const verdict = afterFailure(failures, isRetryable(err), conn.plan.retry, this.options.random);
        await this.store.stepError(job.id, step.name, describeError(err), verdict.action === 'fail');
        if (verdict.action === 'fail') throw err;
        this.events.emit({ type: 'step_retry', runId: ctx.runId, jobId: job.id, phoneNumberId: job.phone_number_id, step: step.name, attempt: failures, delayMs: verdict.delayMs, error: describeError(err) });
        await sleep(verdict.delayMs);
      }
    }
  }

  private async attempt(ctx: StepContext, job: Job, step: StepDefinition, alreadyStarted: boolean): Promise<Outcome> {
    // Committed before the call: if we die during it, the next process knows to observe first.
    if (!alreadyStarted) await this.store.stepStarted(job.id, step.name);
    return step.run(ctx);
  }

  /**
   * Before the commit step nothing has moved: held messages go out on the original API. From the
   * commit step on, the kind's rollback decides (plan `rollback: never` leaves everything as is).
   */
  private async fail(ctx: StepContext, job: Job, index: number, commitIndex: number, err: unknown): Promise<void> {
    const reason = `${kindOf(ctx.entry).steps[index]?.name ?? 'step'}: ${describeError(err)}`;
    if (ctx.conn.plan.rollback === 'never') return this.settle(job, 'failed', `${reason} (rollback disabled; held messages stay held)`);
    try {
      if (index < commitIndex) {
        await this.outbound.release(ctx.entry.phone_number_id, ctx.runId, sourceTarget(ctx.entry));
        return await this.settle(job, 'failed', `${reason} — nothing moved; held messages sent on the original API`);
      }
      const result = await kindOf(ctx.entry).rollback(ctx);
      return await this.settle(job, result.status, `${reason} — ${result.note}`);
    } catch (rollbackErr) {
      return this.settle(job, 'failed', `${reason} — rollback failed: ${describeError(rollbackErr)}`);
    }
  }

  private async settle(job: Job, status: JobStatus, error: string | null, final = true): Promise<void> {
    const event = final ? { runId: job.run_id, jobId: job.id, type: 'job_finished', data: { status, error } } : undefined;
    await this.store.setJob(job.id, { status, error, ...(final && { finished_at: this.now() }) }, event);
    if (!final) return;
    this.events.emit({ type: 'job_finished', runId: job.run_id, jobId: job.id, phoneNumberId: job.phone_number_id, batch: job.batch, status, error });
  }

  private async cancelPending(runId: string): Promise<void> {
    for (const job of (await this.store.jobs(runId)).filter((j) => j.status === 'pending')) {
      const entry = JSON.parse(job.entry) as NumberEntry;
      await this.outbound.release(entry.phone_number_id, runId, sourceTarget(entry)).catch(() => 0);
      await this.settle(job, 'cancelled', 'cancelled before it started');
    }
  }
}
