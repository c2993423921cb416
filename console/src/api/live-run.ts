import type { RunEvent } from './cp-types.js';

/** A retry in progress for a number: the step, which attempt failed, why, and when the next one starts. */
export interface RetryNote {
  step: string;
  attempt: number;
  error: string;
  retryAt: number;
}

export interface LoggedEvent {
  /** When the browser received it (replayed events arrive at once, in their recorded order). */
  at: number;
  event: RunEvent;
}

/** What only the event stream says: retries as they happen, window waits, and a log to read. */
export interface LiveRun {
  log: LoggedEvent[];
  retries: Readonly<Record<string, RetryNote>>;
  windowWait: { batch: number; until: number } | undefined;
  /** Bumped per delivered group of events, so views re-read the report at once. */
  tick: number;
}

export const EMPTY_LIVE_RUN: LiveRun = { log: [], retries: {}, windowWait: undefined, tick: 0 };

const LOG_LIMIT = 200;

export function applyEvents(state: LiveRun, events: readonly LoggedEvent[]): LiveRun {
  let { retries, windowWait } = state;
  for (const { at, event: e } of events) {
    if (e.type === 'step_retry') retries = { ...retries, [e.phoneNumberId]: { step: e.step, attempt: e.attempt, error: e.error, retryAt: at + e.delayMs } };
    if ((e.type === 'step_finished' || e.type === 'job_finished') && e.phoneNumberId !== undefined && retries[e.phoneNumberId]) {
      const { [e.phoneNumberId]: _settled, ...others } = retries;
      retries = others;
    }
    if (e.type === 'window_wait') windowWait = { batch: e.batch, until: at + e.ms };
    if (e.type === 'batch_started' || e.type === 'run_finished') windowWait = undefined;
  }
  return { log: [...state.log, ...events].slice(-LOG_LIMIT), retries, windowWait, tick: state.tick + 1 };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** One line of the live log. */
export function describeEvent(e: RunEvent): string {
  switch (e.type) {
    case 'run_started':
      return `run started: ${e.total} number(s) in ${e.batches} batch(es), ${e.skipped} skipped by pre-flight`;
    case 'batch_started':
      return `batch ${e.batch + 1} started (${e.size} number(s))`;
    case 'window_wait':
      return `batch ${e.batch + 1} waits ${seconds(e.ms)} for the low-traffic window`;
    case 'job_started':
      return `${e.phoneNumberId}: ${e.kind} started (${e.steps} steps)`;
    case 'step_finished':
      return `${e.phoneNumberId}: ${e.step} ${e.status}${e.observed ? ' (already done: observed)' : ''}`;
    case 'step_retry':
      return `${e.phoneNumberId}: ${e.step} attempt ${e.attempt} failed (${e.error}); retry in ${seconds(e.delayMs)}`;
    case 'job_finished':
      return `${e.phoneNumberId ?? 'a number'}: ${e.status}${e.error ? ` — ${e.error}` : ''}`;
    case 'batch_finished':
      return `batch ${e.batch + 1} finished`;
    case 'run_finished':
      return `run ${e.status}: ${Object.entries(e.counts).map(([k, v]) => `${v} ${k}`).join(', ')}`;
  }
}
