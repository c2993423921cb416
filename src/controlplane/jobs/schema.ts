import type { Generated } from 'kysely';

/**
 * The control plane's own database (never the platform's). Portable conventions, as in src/store:
 * timestamps are epoch ms, JSON is text, booleans are 0/1, no engine-specific SQL.
 */
type EpochMs = number;
type Json = string;

export type RunStatus = 'running' | 'paused' | 'cancelling' | 'cancelled' | 'finished';
export type JobStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'rolled_back';
export type StepStatus = 'pending' | 'started' | 'succeeded' | 'skipped' | 'failed';
export type OutboundStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'in_doubt';

export interface RunsTable {
  id: string;
  name: string;
  plan: Json;
  status: RunStatus;
  /** pid@host of the process executing the run; a dead owner's lease can be taken over. */
  lease_owner: string | null;
  lease_until: EpochMs | null;
  created_at: EpochMs;
  updated_at: EpochMs;
  finished_at: EpochMs | null;
}

export interface JobsTable {
  id: string;
  run_id: string;
  seq: number;
  batch: number;
  phone_number_id: string;
  kind: string;
  /** The plan's entry for this number. */
  entry: Json;
  status: JobStatus;
  step_index: number;
  error: string | null;
  /** The number's pre-flight findings. */
  preflight: Json | null;
  started_at: EpochMs | null;
  finished_at: EpochMs | null;
  updated_at: EpochMs;
}

export interface StepsTable {
  job_id: string;
  name: string;
  idx: number;
  status: StepStatus;
  attempts: number;
  output: Json | null;
  error: string | null;
  started_at: EpochMs | null;
  finished_at: EpochMs | null;
}

export interface EventsTable {
  id: Generated<number>;
  run_id: string;
  job_id: string | null;
  type: string;
  data: Json;
  at: EpochMs;
}

/** Where a number's outbound messages go now, and whether they are held (migration in progress). */
export interface GatesTable {
  phone_number_id: string;
  run_id: string;
  state: 'open' | 'held';
  api: 'cloud' | 'onprem';
  /** On-Prem target: the plan's deployment name. */
  deployment: string | null;
  /** Which token sends on Cloud: the number's source owner or the destination owner. */
  side: 'source' | 'destination';
  updated_at: EpochMs;
}

export interface OutboundTable {
  id: Generated<number>;
  phone_number_id: string;
  /** Cloud-style message body (`to`, `type`, `text`...), as the partner's app sends it. */
  payload: Json;
  status: OutboundStatus;
  api: string | null;
  remote_id: string | null;
  error: string | null;
  attempts: number;
  created_at: EpochMs;
  sending_at: EpochMs | null;
  sent_at: EpochMs | null;
}

export interface ControlPlaneDatabase {
  cp_runs: RunsTable;
  cp_jobs: JobsTable;
  cp_steps: StepsTable;
  cp_events: EventsTable;
  cp_gates: GatesTable;
  cp_outbound: OutboundTable;
}
