import { RemoteError } from './clients/remote-error.js';

/**
 * A step's own verdict: "not yet" (transient: a code not delivered yet, health still converging) or
 * "cannot" (permanent: the number is in a state this migration must not touch).
 */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    /** What the operator can do about it. */
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

export const notYet = (message: string): StepFailure => new StepFailure(message, true);
export const cannot = (message: string, fix?: string): StepFailure => new StepFailure(message, false, fix);

/** The single retry decision: remote transient errors and "not yet" are retried; anything else is not. */
export function isRetryable(err: unknown): boolean {
  return (err instanceof RemoteError || err instanceof StepFailure) && err.transient;
}

export function describeError(err: unknown): string {
  if (err instanceof RemoteError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}
