import { isRetryable } from '../errors.js';
import { afterFailure } from '../jobs/state.js';
import type { RetryPolicy } from '../plan/schema.js';
import { sleep } from './pool.js';

/** Calls `work` until it succeeds, or fails permanently, or the policy's attempts run out. */
export async function withRetry<T>(work: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const verdict = afterFailure(attempt, isRetryable(err), policy);
      if (verdict.action === 'fail') throw err;
      await sleep(verdict.delayMs);
    }
  }
}
