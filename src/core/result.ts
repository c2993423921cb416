import type { ApiError } from './errors.js';

/** Domain functions return a Result instead of throwing, so rules stay pure and testable. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(error: ApiError): Result<T> => ({ ok: false, error });

/** Services unwrap: throwing aborts the surrounding transaction, so nothing half-written survives. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}
