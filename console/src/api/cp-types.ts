/**
 * Wire types of the embedded control plane (`/_switchboard/controlplane/`), as the console reads them.
 * Statuses, timelines, plan issues and pre-flight and run reports come from the server's own Node-free
 * modules. The others are declared in modules that import Node, which browser code cannot type-check;
 * so they are restated here and
 * `test/console/wire-types.test.ts` proves, under `npm run typecheck`, that the server's types equal
 * (or, for events, fit into) these.
 */
import type { JobStatus, RunStatus } from '../../../src/controlplane/jobs/schema.js';
import type { PlanIssue, PreflightReport } from '../../../src/controlplane/wire.js';

export type { JobStatus, OutboundStatus, RunStatus, StepStatus } from '../../../src/controlplane/jobs/schema.js';
export type { MessageTimeline, NumberTimeline, RunListItem, RunTimeline } from '../../../src/controlplane/report/timeline-view.js';
export type { Finding, NumberPreflight, NumberReport, PlanIssue, PreflightReport, RunReport, Severity } from '../../../src/controlplane/wire.js';

export type Validation = { valid: true; numbers: number } | { valid: false; issues: PlanIssue[] };

export interface RunStarted {
  run_id: string;
  preflight: PreflightReport;
}

export interface RunSummary {
  runId: string;
  status: RunStatus;
  counts: Partial<Record<JobStatus, number>>;
  lease_owner: string | null;
}

/** `POST /numbers/{id}/messages`: stored, and either on its way (`queued`) or held by a migration. */
export interface GatewayAccepted {
  id: number;
  state: 'queued' | 'held';
}

/**
 * Server-sent events. Live events carry every field; `job_finished` and `run_finished` are also
 * replayed from the store to a late subscriber, with only what was recorded (hence the optional ids).
 */
export type RunEvent =
  | { type: 'run_started'; runId: string; total: number; batches: number; skipped: number }
  | { type: 'batch_started'; runId: string; batch: number; size: number }
  | { type: 'window_wait'; runId: string; batch: number; ms: number }
  | { type: 'job_started'; runId: string; jobId: string; phoneNumberId: string; kind: string; steps: number; batch: number }
  | { type: 'step_finished'; runId: string; jobId: string; phoneNumberId: string; step: string; index: number; status: 'succeeded' | 'skipped'; observed: boolean }
  | { type: 'step_retry'; runId: string; jobId: string; phoneNumberId: string; step: string; attempt: number; delayMs: number; error: string }
  | { type: 'job_finished'; runId?: string; jobId?: string; phoneNumberId?: string; batch?: number; status: JobStatus; error: string | null }
  | { type: 'batch_finished'; runId: string; batch: number }
  | { type: 'run_finished'; runId: string; status: RunStatus; counts: Partial<Record<JobStatus, number>> };

export const RUN_EVENT_TYPES: readonly RunEvent['type'][] = ['run_started', 'batch_started', 'window_wait', 'job_started', 'step_finished', 'step_retry', 'job_finished', 'batch_finished', 'run_finished'];

/** `GET /demo-plan`: a rehearsal plan for the demo data and the values of the variables it names. */
export interface DemoRehearsal {
  plan: string;
  env: Record<string, string>;
}
