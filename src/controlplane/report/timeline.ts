import type { JobStatus, OutboundStatus, RunStatus, StepStatus } from '../jobs/schema.js';
import { KINDS } from '../jobs/steps/index.js';
import type { JobStore } from '../jobs/store.js';
import type { MigrationKind } from '../plan/schema.js';

/**
 * When things happened in a run, from the control plane's own records (epoch ms of its clock): every
 * step's start and end, and every message the partner's app sent through the gateway. The report says
 * what happened; this says when, for a timeline chart.
 */
export interface RunTimeline {
  run: { id: string; status: RunStatus; created_at: number; finished_at: number | null };
  numbers: NumberTimeline[];
  messages: MessageTimeline[];
}

export interface NumberTimeline {
  phone_number_id: string;
  kind: string;
  batch: number | null;
  status: JobStatus;
  /** The step that moves the number (its start opens the platform's downtime window). */
  commit_step: string | null;
  started_at: number | null;
  finished_at: number | null;
  /** `started_at` is null for a step settled by observation alone (no remote call was made). */
  steps: { name: string; status: StepStatus; attempts: number; started_at: number | null; finished_at: number | null; error: string | null }[];
}

export interface MessageTimeline {
  id: number;
  phone_number_id: string;
  status: OutboundStatus;
  api: string | null;
  created_at: number;
  sent_at: number | null;
}

const isKind = (kind: string): kind is MigrationKind => Object.hasOwn(KINDS, kind);

/** `phoneNumberId` narrows it to one number (a run may hold thousands). */
export async function buildTimeline(store: JobStore, runId: string, phoneNumberId?: string): Promise<RunTimeline> {
  const run = await store.run(runId);
  if (!run) throw new Error(`no run ${runId}`);
  const jobs = (await store.jobs(runId)).filter((j) => phoneNumberId === undefined || j.phone_number_id === phoneNumberId);
  const steps = await store.steps(jobs.map((j) => j.id));
  const ids = new Set(jobs.map((j) => j.phone_number_id));
  // As in the report: the messages of this run's numbers since the run began.
  const messages = (await store.outbound(phoneNumberId)).filter((m) => ids.has(m.phone_number_id) && m.created_at >= run.created_at);
  return {
    run: { id: run.id, status: run.status, created_at: run.created_at, finished_at: run.finished_at },
    numbers: jobs.map((job) => ({
      phone_number_id: job.phone_number_id,
      kind: job.kind,
      batch: job.batch < 0 ? null : job.batch,
      status: job.status,
      commit_step: isKind(job.kind) ? KINDS[job.kind].commitStep : null,
      started_at: job.started_at,
      finished_at: job.finished_at,
      steps: steps
        .filter((s) => s.job_id === job.id)
        .map((s) => ({ name: s.name, status: s.status, attempts: s.attempts, started_at: s.started_at, finished_at: s.finished_at, error: s.error })),
    })),
    messages: messages.map((m) => ({ id: m.id, phone_number_id: m.phone_number_id, status: m.status, api: m.api, created_at: m.created_at, sent_at: m.sent_at })),
  };
}

export interface RunListItem {
  id: string;
  name: string;
  status: RunStatus;
  created_at: number;
  finished_at: number | null;
}

/** The newest runs first (the console lists them to reopen one). */
export async function listRuns(store: JobStore, limit: number): Promise<RunListItem[]> {
  return store.db.selectFrom('cp_runs').select(['id', 'name', 'status', 'created_at', 'finished_at']).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}
