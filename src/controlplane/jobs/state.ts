import type { RetryPolicy } from '../plan/schema.js';
import type { StepStatus } from './schema.js';

/**
 * The pure rules of the job state machine: which step runs next, whether a step must observe before
 * acting, and what a failed attempt leads to. The runner only performs what these decide.
 */

export interface StepState {
  name: string;
  status: StepStatus;
  attempts: number;
}

/** Index of the first step that has not finished; `steps.length` when all have. */
export function nextStepIndex(steps: readonly StepState[]): number {
  const i = steps.findIndex((s) => s.status !== 'succeeded' && s.status !== 'skipped');
  return i === -1 ? steps.length : i;
}


export type AttemptVerdict = { action: 'retry'; delayMs: number } | { action: 'fail' };

/** After attempt number `attempt` (1-based) failed. */
export function afterFailure(attempt: number, retryable: boolean, policy: RetryPolicy, random: () => number = Math.random): AttemptVerdict {
  if (!retryable || attempt >= policy.max_attempts) return { action: 'fail' };
  return { action: 'retry', delayMs: backoffMs(attempt, policy, random) };
}

/** Capped exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
export function backoffMs(attempt: number, policy: Pick<RetryPolicy, 'base_ms' | 'max_ms'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.max_ms, policy.base_ms * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export type JobVerdict = 'succeeded' | 'failed' | 'paused' | 'cancelled';

/**
 * What a cancel does to a job about to run step `stepIndex`: before its commit step (nothing moved yet)
 * it stops. From the commit step on it runs to completion, since a number left half-way is worse than a
 * finished migration — and a commit step already attempted may have taken effect.
 */
export const cancelStops = (stepIndex: number, commitIndex: number, commitAttempted: boolean): boolean => stepIndex < commitIndex || (stepIndex === commitIndex && !commitAttempted);
