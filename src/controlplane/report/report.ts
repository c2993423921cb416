import type { Verification } from '../jobs/steps/common.js';
import type { JobStore } from '../jobs/store.js';
import type { Finding, NumberReport, RunReport } from '../wire.js';

export type { NumberReport, RunReport } from '../wire.js';

/** What moved, what did not, and why — from the control plane's own records only. */
export async function buildReport(store: JobStore, runId: string): Promise<RunReport> {
  const run = await store.runState(runId);
  if (!run) throw new Error(`no run ${runId}`);
  const jobs = await store.jobs(runId);
  const steps = await store.steps(jobs.map((j) => j.id));
  const messages = await store.outbound();
  const totals: Record<string, number> = {};
  const numbers = jobs.map((job): NumberReport => {
    totals[job.status] = (totals[job.status] ?? 0) + 1;
    const own = steps.filter((s) => s.job_id === job.id);
    const stopped = own.find((s) => s.status !== 'succeeded' && s.status !== 'skipped' && s.attempts > 0) ?? (job.status === 'succeeded' ? undefined : own.find((s) => s.status === 'pending'));
    const verify = own.find((s) => s.name === 'verify' && s.output !== null);
    const entry = JSON.parse(job.entry) as { label?: string };
    const mine = messages.filter((m) => m.phone_number_id === job.phone_number_id && m.created_at >= run.created_at);
    const count = (status: string): number => mine.filter((m) => m.status === status).length;
    return {
      phone_number_id: job.phone_number_id,
      kind: job.kind,
      ...(entry.label !== undefined && { label: entry.label }),
      batch: job.batch < 0 ? null : job.batch,
      status: job.status,
      step: job.status === 'succeeded' ? null : (stopped?.name ?? null),
      error: job.error,
      steps: own.map((s) => ({ name: s.name, status: s.status, attempts: s.attempts })),
      verification: verify ? (JSON.parse(verify.output ?? '{}') as Verification).checks : null,
      preflight: job.preflight ? (JSON.parse(job.preflight) as Finding[]) : [],
      messages: { held: count('queued') + count('sending'), sent: count('sent'), failed: count('failed'), in_doubt: count('in_doubt') },
      duration_ms: job.started_at !== null && job.finished_at !== null ? job.finished_at - job.started_at : null,
    };
  });
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  return { run: { id: run.id, name: run.name, status: run.status, created_at: iso(run.created_at) ?? '', finished_at: iso(run.finished_at) }, totals, numbers };
}

/** A fixed-width table for terminals. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function renderReport(report: RunReport): string {
  const rows = report.numbers.map((n) => [n.phone_number_id, n.kind, n.status, n.step ?? '', `${n.messages.sent}/${n.messages.held + n.messages.sent + n.messages.failed + n.messages.in_doubt}`, n.error ?? '']);
  const totals = Object.entries(report.totals).map(([k, v]) => `${v} ${k}`).join(', ');
  return [`Run ${report.run.id} (${report.run.name}): ${report.run.status} — ${totals}`, '', renderTable(['NUMBER', 'KIND', 'STATUS', 'STEP', 'MSGS', 'WHY'], rows)].join('\n');
}
