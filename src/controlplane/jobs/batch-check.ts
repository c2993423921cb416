import type { Connections } from '../connections.js';
import type { NumberEntry } from '../plan/schema.js';
import { runPreflight } from '../preflight/run.js';
import type { Finding, NumberPreflight } from '../wire.js';
import type { RunnerEvents } from './events.js';
import { sourceTarget } from './steps/common.js';
import type { CheckedJob, Gate, Job, JobStore } from './store.js';

/** How a number's pre-flight report (and another run still migrating it) becomes its job's verdict. */
export function verdictOf(report: NumberPreflight | undefined, otherRun: string | undefined): { blocked: boolean; findings: Finding[]; error: string | null } {
  const findings = report?.findings ?? [];
  const blocked = report?.verdict === 'blocked' || otherRun !== undefined;
  if (!blocked) return { blocked, findings, error: null };
  const errors = [...findings.filter((f) => f.severity === 'error').map((f) => f.message), ...(otherRun ? [`still migrating in run ${otherRun} (resume or cancel it first)`] : [])];
  return { blocked, findings, error: `pre-flight: ${errors.join('; ')}` };
}

/** A number's gate at the start of a run: open, on the API it is on now. */
export const gateOf = (runId: string, entry: NumberEntry): Omit<Gate, 'updated_at'> => ({ phone_number_id: entry.phone_number_id, run_id: runId, state: 'open', ...sourceTarget(entry) });

export interface CheckScope {
  store: JobStore;
  events: RunnerEvents;
  runId: string;
  conn: Connections;
}

/**
 * Per-batch pre-flight (`batch.preflight: per_batch`): the batch's jobs that may run. Those recorded
 * unchecked are pre-flighted now; the blocked ones become `skipped` (never touched), the others get
 * their gate — all recorded before any of them runs.
 */
export async function checkBatch({ store, events, runId, conn }: CheckScope, jobs: Job[]): Promise<Job[]> {
  const unchecked = jobs.filter((j) => j.preflight === null);
  if (unchecked.length === 0) return jobs;
  const entries = unchecked.map((j) => JSON.parse(j.entry) as NumberEntry);
  const report = await runPreflight(conn, entries);
  const verdicts = unchecked.map((job, i): CheckedJob => {
    const { blocked, findings, error } = verdictOf(report.numbers[i], undefined);
    return { id: job.id, runId, status: blocked ? 'skipped' : 'pending', batch: blocked ? -1 : job.batch, findings, error };
  });
  await store.recordPreflight(verdicts, entries.filter((_, i) => verdicts[i]?.status === 'pending').map((entry) => gateOf(runId, entry)));
  unchecked.forEach((job, i) => {
    const v = verdicts[i];
    if (v?.status === 'skipped') events.emit({ type: 'job_finished', runId, jobId: job.id, phoneNumberId: job.phone_number_id, batch: -1, status: 'skipped', error: v.error });
  });
  const byId = new Map(verdicts.map((v) => [v.id, v]));
  return jobs.flatMap((job) => {
    const v = byId.get(job.id);
    if (!v) return [job];
    return v.status === 'pending' ? [{ ...job, preflight: JSON.stringify(v.findings) }] : [];
  });
}
