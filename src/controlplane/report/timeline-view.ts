import type { JobStatus, OutboundStatus, RunStatus, StepStatus } from '../jobs/schema.js';

/**
 * When things happened in a run, from the control plane's own records (epoch ms of its clock): every
 * step's start and end, and every message the partner's app sent through the gateway. The report says
 * what happened; this says when, for a timeline chart. Its own module (types only, no Node) so the web
 * console imports it as it is.
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


export interface RunListItem {
  id: string;
  name: string;
  status: RunStatus;
  created_at: number;
  finished_at: number | null;
}
