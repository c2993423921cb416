import { KINDS } from '../jobs/steps/index.js';
import type { JobStore } from '../jobs/store.js';
import type { MigrationKind } from '../plan/schema.js';
import type { RunListItem, RunTimeline } from './timeline-view.js';

const isKind = (kind: string): kind is MigrationKind => Object.hasOwn(KINDS, kind);

/** `phoneNumberId` narrows it to one number (a run may hold thousands). */
export async function buildTimeline(store: JobStore, runId: string, phoneNumberId?: string): Promise<RunTimeline> {
  const run = await store.runState(runId);
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

/** The newest runs first (the console lists them to reopen one). */
export async function listRuns(store: JobStore, limit: number): Promise<RunListItem[]> {
  return store.db.selectFrom('cp_runs').select(['id', 'name', 'status', 'created_at', 'finished_at']).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}
