import { hostname } from 'node:os';
import { Kysely, PostgresDialect, type Selectable } from 'kysely';
import { migrateToLatest } from '../../store/database.js';
import { firstRowOf } from '../../store/prepared.js';
import { postgresCapabilities, sqliteCapabilities, type DialectCapabilities } from '../../store/dialect.js';
import { isPostgresUrl } from '../../store/open.js';
import { openPostgresPool, serializable } from '../../store/postgres.js';
import { openSqliteFile, sqliteDialect, withStatementCache } from '../../store/sqlite.js';
import { CommitQueue, type DirectWrites } from './commit-queue.js';
import { cpPrepared, type BoundQuery } from './prepared.js';
import { controlPlaneMigrations } from './migrations.js';
import type { ControlPlaneDatabase, GatesTable, JobStatus, JobsTable, OutboundTable, RunStatus, RunsTable, StepsTable } from './schema.js';

export type Run = Selectable<RunsTable>;
export type RunState = Omit<Run, 'plan'>;
export type Job = Selectable<JobsTable>;
export type StepRow = Selectable<StepsTable>;
export type Gate = Selectable<GatesTable>;
export type OutboundRow = Selectable<OutboundTable>;
export type CpDb = Kysely<ControlPlaneDatabase>;

export interface NewJob {
  phone_number_id: string;
  kind: string;
  entry: unknown;
  batch: number;
  status: JobStatus;
  /** Pre-flight's findings; null: not checked yet (per-batch pre-flight). */
  preflight: unknown;
  error: string | null;
}

/** Pre-flight's verdict on a job recorded unchecked. */
export interface CheckedJob {
  id: string;
  runId: string;
  status: 'pending' | 'skipped';
  batch: number;
  findings: unknown;
  error: string | null;
}

/** Identifies this process in a run's lease. */
export const PROCESS_OWNER = `${process.pid}@${hostname()}`;

/**
 * The control plane's durable state: runs, jobs, steps, events, outbound gates and held messages.
 * Every write that advances a job commits before the next remote call is made.
 *
 * Writes go through group commit (commit-queue.ts): the writes of concurrent jobs issued in the same
 * turn of the event loop share one COMMIT (a full fsync), and each caller's promise resolves only
 * after it, so "durable before the next remote call" still holds.
 */
export class JobStore {
  private readonly commits: CommitQueue<ControlPlaneDatabase>;

  private constructor(
    readonly db: CpDb,
    readonly caps: DialectCapabilities,
    /** The clock every timestamp comes from (injected so tests can control it). */
    readonly now: () => number,
    direct?: DirectWrites,
  ) {
    // On PostgreSQL another process may write too: batches run serializable, again after a lost race.
    this.commits = new CommitQueue(db, caps.sharedByProcesses ? (work) => serializable(db, work) : undefined, direct);
  }

  /** A SQLite file (or ':memory:') or a `postgres://` URL, brought up to the latest schema. */
  static async open(location: string, now: () => number = Date.now): Promise<JobStore> {
    const onPostgres = isPostgresUrl(location);
    const caps = onPostgres ? postgresCapabilities : sqliteCapabilities;
    // FULL: step results and a message's `sent` mark must survive a power cut, not only a process
    // crash (a lost `sent` mark would send the message again).
    const sqlite = onPostgres ? undefined : withStatementCache(openSqliteFile(location, { synchronous: 'FULL' }), { size: 1024 });
    const db = new Kysely<ControlPlaneDatabase>({ dialect: sqlite ? sqliteDialect(sqlite) : new PostgresDialect({ pool: openPostgresPool(location) }) });
    try {
      await migrateToLatest(db, controlPlaneMigrations(caps), { migrations: 'cp_migrations', lock: 'cp_migrations_lock' });
    } catch (err) {
      await db.destroy();
      throw new Error(`control-plane ${err instanceof Error ? err.message : String(err)}`);
    }
    return new JobStore(db, caps, now, sqlite);
  }

  close(): Promise<void> {
    return this.db.destroy();
  }

  /** One unit of writes, all or nothing, committed (possibly with other units) before it resolves. */
  private write<T>(work: (tx: CpDb) => Promise<T>): Promise<T> {
    return this.commits.run(work);
  }

  /** The same for a unit of compile-once writes: the hot path, run without Kysely on SQLite. */
  private writeAll(queries: readonly BoundQuery[]): Promise<void> {
    return this.commits.statements(queries);
  }

  // ---- runs -------------------------------------------------------------------------------------

  /** The run, its jobs and the outbound gates of its numbers, in one transaction. */
  async createRun(id: string, name: string, plan: unknown, jobs: readonly NewJob[], gates: readonly Omit<Gate, 'updated_at'>[] = []): Promise<void> {
    const now = this.now();
    await this.write(async (tx) => {
      await tx.insertInto('cp_runs').values({ id, name, plan: JSON.stringify(plan), status: 'running', lease_owner: null, lease_until: null, created_at: now, updated_at: now, finished_at: null }).execute();
      const rows = jobs.map((j, seq) => ({
        id: jobId(id, j.phone_number_id),
        run_id: id,
        seq,
        batch: j.batch,
        phone_number_id: j.phone_number_id,
        kind: j.kind,
        entry: JSON.stringify(j.entry),
        status: j.status,
        step_index: 0,
        error: j.error,
        preflight: j.preflight === null ? null : JSON.stringify(j.preflight),
        started_at: null,
        finished_at: j.status === 'skipped' ? now : null,
        updated_at: now,
      }));
      for (const chunk of chunks(rows)) await tx.insertInto('cp_jobs').values(chunk).execute();
      await insertGates(tx, gates, now);
    });
  }

  /**
   * Pre-flight's verdicts on jobs recorded unchecked, the gates of the ready ones and the end of the
   * skipped ones (with their `job_finished` event), in one transaction.
   */
  async recordPreflight(checked: readonly CheckedJob[], gates: readonly Omit<Gate, 'updated_at'>[]): Promise<void> {
    const now = this.now();
    await this.write(async (tx) => {
      for (const job of checked) {
        const skipped = job.status === 'skipped';
        await tx
          .updateTable('cp_jobs')
          .set({ status: job.status, batch: job.batch, error: job.error, preflight: JSON.stringify(job.findings), finished_at: skipped ? now : null, updated_at: now })
          .where('id', '=', job.id)
          .execute();
        if (skipped) await insertEvent(tx, { runId: job.runId, jobId: job.id, type: 'job_finished', data: { status: job.status, error: job.error } }, now);
      }
      await insertGates(tx, gates, now);
    });
  }

  run(id: string): Promise<Run | undefined> {
    return this.db.selectFrom('cp_runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * The run without its plan: what polling (status, lease) needs. A plan of thousands of numbers is
   * megabytes of JSON, too much to read four times a second.
   */
  async runState(id: string): Promise<RunState | undefined> {
    return runStateQuery(this.db, { id });
  }

  latestRun(): Promise<RunState | undefined> {
    return this.db.selectFrom('cp_runs').select(RUN_STATE_COLUMNS).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  async setRunStatus(id: string, status: RunStatus): Promise<void> {
    const now = this.now();
    await this.write((tx) => tx.updateTable('cp_runs').set({ status, updated_at: now, ...(status === 'finished' || status === 'cancelled' ? { finished_at: now } : {}) }).where('id', '=', id).execute());
  }

  /** Takes the run's lease if it is free, expired, or held by a process on this host that has died. */
  async claimLease(id: string, ttlMs: number, owner = PROCESS_OWNER): Promise<{ ok: true } | { ok: false; holder: string }> {
    const run = await this.runState(id);
    if (!run) throw new Error(`no run ${id}`);
    const now = this.now();
    const free = run.lease_owner === null || run.lease_owner === owner || (run.lease_until ?? 0) < now || ownerIsDead(run.lease_owner);
    if (!free) return { ok: false, holder: run.lease_owner ?? '' };
    // Compare-and-set on the previous owner so two processes cannot both win.
    const res = await this.write((tx) =>
      tx
        .updateTable('cp_runs')
        .set({ lease_owner: owner, lease_until: now + ttlMs })
        .where('id', '=', id)
        .where((eb) => (run.lease_owner === null ? eb('lease_owner', 'is', null) : eb('lease_owner', '=', run.lease_owner)))
        .executeTakeFirst(),
    );
    return res.numUpdatedRows === 1n ? { ok: true } : { ok: false, holder: 'another process' };
  }

  async renewLease(id: string, ttlMs: number, owner = PROCESS_OWNER): Promise<void> {
    await this.write((tx) => tx.updateTable('cp_runs').set({ lease_until: this.now() + ttlMs }).where('id', '=', id).where('lease_owner', '=', owner).execute());
  }

  async releaseLease(id: string, owner = PROCESS_OWNER): Promise<void> {
    await this.write((tx) => tx.updateTable('cp_runs').set({ lease_owner: null, lease_until: null }).where('id', '=', id).where('lease_owner', '=', owner).execute());
  }

  // ---- jobs and steps ---------------------------------------------------------------------------

  jobs(runId: string): Promise<Job[]> {
    return this.db.selectFrom('cp_jobs').selectAll().where('run_id', '=', runId).orderBy('seq').execute();
  }

  job(id: string): Promise<Job | undefined> {
    return this.db.selectFrom('cp_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A job's status changes; `event` (job_finished) is recorded in the same transaction. */
  async setJob(id: string, patch: Partial<Pick<Job, 'status' | 'error' | 'started_at' | 'finished_at'>>, event?: NewEvent): Promise<void> {
    await this.write(async (tx) => {
      await tx.updateTable('cp_jobs').set({ ...patch, updated_at: this.now() }).where('id', '=', id).execute();
      if (event) await insertEvent(tx, event, this.now());
    });
  }

  /** Numbers with an unsettled job (pending or running) in a run that is not over, by run id. */
  async activeJobs(): Promise<Map<string, string>> {
    const rows = await this.db
      .selectFrom('cp_jobs')
      .innerJoin('cp_runs', 'cp_runs.id', 'cp_jobs.run_id')
      .select(['cp_jobs.phone_number_id', 'cp_jobs.run_id'])
      .where('cp_jobs.status', 'in', ['pending', 'running'])
      .where('cp_runs.status', 'not in', ['finished', 'cancelled'])
      .execute();
    return new Map(rows.map((r) => [r.phone_number_id, r.run_id]));
  }

  /** A failed job back to pending; its failed step becomes `started`, so it observes before acting. */
  async requeue(jobId: string): Promise<void> {
    await this.write(async (tx) => {
      await tx.updateTable('cp_steps').set({ status: 'started' }).where('job_id', '=', jobId).where('status', '=', 'failed').execute();
      await tx.updateTable('cp_jobs').set({ status: 'pending', error: null, finished_at: null, updated_at: this.now() }).where('id', '=', jobId).execute();
    });
  }

  steps(jobIds: readonly string[]): Promise<StepRow[]> {
    if (jobIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('cp_steps').selectAll().where('job_id', 'in', jobIds).orderBy('job_id').orderBy('idx').execute();
  }

  /**
   * A job starts (or resumes): its step rows are created once (a resumed job keeps its history) and a
   * pending job becomes `running`, in one transaction; `firstStep`, when given, is marked started in
   * it too (its remote call follows at once). Returns the step rows.
   */
  async startJob(job: Pick<Job, 'id' | 'status' | 'started_at'>, names: readonly string[], startedAt: number, firstStep?: string): Promise<StepRow[]> {
    const now = this.now();
    if (job.started_at === null) {
      // Never started: no step has run (rows are created with `started_at`), so nothing to read. An
      // older version wrote the rows first: if it stopped right there, they are these same rows.
      const rows: StepRow[] = names.map((name, idx) => ({ job_id: job.id, name, idx, status: 'pending', attempts: 0, output: null, error: null, started_at: null, finished_at: null }));
      // One compiled row at a time: cheaper than compiling a multi-row INSERT for every job.
      await this.writeAll([
        ...rows.map((row) => insertStepQuery.with({ jobId: job.id, name: row.name, idx: row.idx })),
        jobRunningQuery.with({ jobId: job.id, startedAt, now }),
        ...(firstStep === undefined ? [] : [markStartedQuery.with({ jobId: job.id, name: firstStep, now })]),
      ]);
      return rows.map((r) => (r.name === firstStep ? { ...r, status: 'started', attempts: 1, started_at: now } : r));
    }
    const existing = await this.steps([job.id]);
    const missing = names.map((name, idx) => ({ name, idx })).filter((s) => !existing.some((e) => e.name === s.name));
    if (missing.length === 0 && job.status !== 'pending') return existing;
    await this.write(async (tx) => {
      if (missing.length > 0) {
        await tx
          .insertInto('cp_steps')
          .values(missing.map((s) => ({ job_id: job.id, name: s.name, idx: s.idx, status: 'pending' as const, attempts: 0, output: null, error: null, started_at: null, finished_at: null })))
          .execute();
      }
      if (job.status === 'pending') await tx.updateTable('cp_jobs').set({ status: 'running', updated_at: now }).where('id', '=', job.id).execute();
    });
    return missing.length > 0 ? this.steps([job.id]) : existing;
  }

  /** Recorded before the step's remote call: a crash after this point means "maybe done — observe first". */
  async stepStarted(jobId: string, name: string): Promise<void> {
    await this.writeAll([markStartedQuery.with({ jobId, name, now: this.now() })]);
  }

  /**
   * A step's result. `after` folds the job's next write into the same transaction: the next step's
   * `started` mark (when its remote call follows with nothing to observe first) or, after the last
   * step, the job's end and its event — one commit instead of two, same order, same durability.
   */
  async stepFinished(jobId: string, name: string, idx: number, status: 'succeeded' | 'skipped', output: unknown, after: AfterStep = {}): Promise<void> {
    const now = this.now();
    const end = after.settle;
    await this.writeAll([
      finishStepQuery.with({ jobId, name, status, output: output === undefined ? null : JSON.stringify(output), now }),
      ...(end
        ? [jobEndQuery.with({ jobId, stepIndex: idx + 1, now, status: end.status, finishedAt: end.finishedAt }), eventQuery(end.event, now)]
        : [jobProgressQuery.with({ jobId, stepIndex: idx + 1, now })]),
      ...(after.start === undefined ? [] : [markStartedQuery.with({ jobId, name: after.start, now })]),
    ]);
  }

  /** A failed attempt; the step stays `started` when it will be retried (its effect is unknown). */
  async stepError(jobId: string, name: string, error: string, final: boolean): Promise<void> {
    await this.write((tx) =>
      tx
        .updateTable('cp_steps')
        .set({ error, ...(final && { status: 'failed' as const, finished_at: this.now() }) })
        .where('job_id', '=', jobId)
        .where('name', '=', name)
        .execute(),
    );
  }

  // ---- events -----------------------------------------------------------------------------------

  async event(runId: string, jobId: string | null, type: string, data: unknown): Promise<void> {
    await this.write((tx) => insertEvent(tx, { runId, jobId, type, data }, this.now()));
  }

  events(runId: string, afterId = 0): Promise<Selectable<ControlPlaneDatabase['cp_events']>[]> {
    return this.db.selectFrom('cp_events').selectAll().where('run_id', '=', runId).where('id', '>', afterId).orderBy('id').execute();
  }

  // ---- gates and held messages ------------------------------------------------------------------

  async gate(phoneNumberId: string): Promise<Gate | undefined> {
    return gateQuery(this.db, { phoneNumberId });
  }

  async setGate(gate: Omit<Gate, 'updated_at'>): Promise<void> {
    await this.writeAll([setGateQuery.with({ ...gate, updated_at: this.now() })]);
  }

  async enqueue(phoneNumberId: string, payload: unknown): Promise<number> {
    const row = await this.write((tx) =>
      tx
        .insertInto('cp_outbound')
        .values({ phone_number_id: phoneNumberId, payload: JSON.stringify(payload), status: 'queued', api: null, remote_id: null, error: null, attempts: 0, created_at: this.now(), sending_at: null, sent_at: null })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    return row.id;
  }

  /** The oldest message not yet settled: order is per number, by arrival. */
  async nextOutbound(phoneNumberId: string): Promise<OutboundRow | undefined> {
    return nextOutboundQuery(this.db, { phoneNumberId });
  }

  outbound(phoneNumberId?: string): Promise<OutboundRow[]> {
    let q = this.db.selectFrom('cp_outbound').selectAll().orderBy('id');
    if (phoneNumberId !== undefined) q = q.where('phone_number_id', '=', phoneNumberId);
    return q.execute();
  }

  /** Numbers with messages waiting behind an open gate. */
  async openGatesWithQueue(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('cp_outbound')
      .innerJoin('cp_gates', 'cp_gates.phone_number_id', 'cp_outbound.phone_number_id')
      .select('cp_outbound.phone_number_id')
      .distinct()
      .where('cp_gates.state', '=', 'open')
      .where('cp_outbound.status', 'in', ['queued', 'sending'])
      .execute();
    return rows.map((r) => r.phone_number_id);
  }

  async markOutbound(id: number, patch: Partial<Pick<OutboundRow, 'status' | 'api' | 'remote_id' | 'error' | 'sending_at' | 'sent_at'>>, countAttempt = false): Promise<void> {
    await this.write((tx) =>
      tx
        .updateTable('cp_outbound')
        .set((eb) => ({ ...patch, ...(countAttempt && { attempts: eb('attempts', '+', 1) }) }))
        .where('id', '=', id)
        .execute(),
    );
  }
}

const RUN_STATE_COLUMNS = ['id', 'name', 'status', 'lease_owner', 'lease_until', 'created_at', 'updated_at', 'finished_at'] as const;
const runStateQuery = firstRowOf(cpPrepared((db, p: { id: string }) => db.selectFrom('cp_runs').select(RUN_STATE_COLUMNS).where('id', '=', p.id)));

// Columns spelled out: the compile-once helper builds with stand-in values, not a real row to enumerate.
const setGateQuery = cpPrepared((db, g: Gate) =>
  db
    .insertInto('cp_gates')
    .values({ phone_number_id: g.phone_number_id, run_id: g.run_id, state: g.state, api: g.api, deployment: g.deployment, side: g.side, updated_at: g.updated_at })
    .onConflict((oc) => oc.column('phone_number_id').doUpdateSet({ run_id: g.run_id, state: g.state, api: g.api, deployment: g.deployment, side: g.side, updated_at: g.updated_at })),
);
const gateQuery = firstRowOf(cpPrepared((db, p: { phoneNumberId: string }) => db.selectFrom('cp_gates').selectAll().where('phone_number_id', '=', p.phoneNumberId)));
const nextOutboundQuery = firstRowOf(
  cpPrepared((db, p: { phoneNumberId: string }) =>
    db.selectFrom('cp_outbound').selectAll().where('phone_number_id', '=', p.phoneNumberId).where('status', 'in', ['queued', 'sending']).orderBy('id').limit(1),
  ),
);

/** What `stepFinished` records in the same transaction. */
export interface AfterStep {
  start?: string;
  settle?: { status: JobStatus; finishedAt: number; event: NewEvent };
}

const markStartedQuery = cpPrepared((db, p: { jobId: string; name: string; now: number }) =>
  db
    .updateTable('cp_steps')
    .set((eb) => ({ status: 'started', attempts: eb('attempts', '+', 1), started_at: p.now }))
    .where('job_id', '=', p.jobId)
    .where('name', '=', p.name),
);

const finishStepQuery = cpPrepared((db, p: { jobId: string; name: string; status: string; output: string | null; now: number }) =>
  db
    .updateTable('cp_steps')
    .set({ status: p.status as StepRow['status'], output: p.output, error: null, finished_at: p.now })
    .where('job_id', '=', p.jobId)
    .where('name', '=', p.name),
);
const insertStepQuery = cpPrepared((db, p: { jobId: string; name: string; idx: number }) =>
  db
    .insertInto('cp_steps')
    .values({ job_id: p.jobId, name: p.name, idx: p.idx, status: 'pending', attempts: 0, output: null, error: null, started_at: null, finished_at: null })
    .onConflict((oc) => oc.columns(['job_id', 'name']).doNothing()),
);
const jobRunningQuery = cpPrepared((db, p: { jobId: string; startedAt: number; now: number }) => db.updateTable('cp_jobs').set({ status: 'running', started_at: p.startedAt, updated_at: p.now }).where('id', '=', p.jobId));
const jobEndQuery = cpPrepared((db, p: { jobId: string; stepIndex: number; now: number; status: JobStatus; finishedAt: number }) =>
  db.updateTable('cp_jobs').set({ step_index: p.stepIndex, updated_at: p.now, status: p.status, error: null, finished_at: p.finishedAt }).where('id', '=', p.jobId),
);
const jobProgressQuery = cpPrepared((db, p: { jobId: string; stepIndex: number; now: number }) => db.updateTable('cp_jobs').set({ step_index: p.stepIndex, updated_at: p.now }).where('id', '=', p.jobId));

export interface NewEvent {
  runId: string;
  jobId: string | null;
  type: string;
  data: unknown;
}

const insertEventQuery = cpPrepared((db, p: { runId: string; jobId: string | null; type: string; data: string; at: number }) =>
  db.insertInto('cp_events').values({ run_id: p.runId, job_id: p.jobId, type: p.type, data: p.data, at: p.at }),
);
const eventQuery = (e: NewEvent, at: number): BoundQuery => insertEventQuery.with({ runId: e.runId, jobId: e.jobId, type: e.type, data: JSON.stringify(e.data), at });
const insertEvent = (tx: CpDb, e: NewEvent, at: number): Promise<unknown> => eventQuery(e, at).run(tx);

/** A number seen for the first time gets a gate; an existing gate already routes where the number is. */
async function insertGates(tx: CpDb, gates: readonly Omit<Gate, 'updated_at'>[], now: number): Promise<void> {
  for (const chunk of chunks(gates.map((g) => ({ ...g, updated_at: now })))) {
    await tx.insertInto('cp_gates').values(chunk).onConflict((oc) => oc.column('phone_number_id').doNothing()).execute();
  }
}

/** Multi-row INSERTs in slices that stay under SQLite's bound-parameter limit. */
function chunks<T>(rows: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

export const jobId = (runId: string, phoneNumberId: string): string => `${runId}:${phoneNumberId}`;

function ownerIsDead(owner: string): boolean {
  const [pid, host] = owner.split('@');
  if (host !== hostname() || pid === undefined) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
