/**
 * Shapes of the control plane's HTTP answers that the web console reads too: plan issues, pre-flight
 * and run reports. Types only, importing only Node-free modules, so the console type-checks against
 * these very declarations instead of copies.
 */
import type { NumberEntry } from './plan/schema.js';

export interface PlanIssue {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  fix?: string;
}

export interface NumberPreflight {
  phone_number_id: string;
  kind: NumberEntry['kind'];
  label?: string;
  verdict: 'ready' | 'blocked';
  findings: Finding[];
}

export interface PreflightReport {
  plan: string;
  ready: number;
  blocked: number;
  numbers: NumberPreflight[];
  /** What Graph cannot tell read-only, so pre-flight cannot check it. */
  notes: string[];
  /** A run with `batch.preflight: per_batch`: numbers not checked yet (each batch is checked before it runs). */
  unchecked?: number;
}

/** One post-migration check (health, subscriptions, templates, OBA...). */
export interface VerificationCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface NumberReport {
  phone_number_id: string;
  kind: string;
  label?: string;
  batch: number | null;
  status: string;
  /** The step the job stopped at (failed, or where a pause left it). */
  step: string | null;
  error: string | null;
  steps: { name: string; status: string; attempts: number }[];
  verification: VerificationCheck[] | null;
  preflight: Finding[];
  messages: Record<'held' | 'sent' | 'failed' | 'in_doubt', number>;
  duration_ms: number | null;
}

export interface RunReport {
  run: { id: string; name: string; status: string; created_at: string; finished_at: string | null };
  totals: Record<string, number>;
  numbers: NumberReport[];
}
