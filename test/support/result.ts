import type { ApiError } from '../../src/core/errors.js';
import type { Result } from '../../src/core/result.js';

/** Unit tests of pure rules: the error of a Result expected to fail, or the value of one expected to hold. */
export const errorOf = <T>(r: Result<T>): ApiError => {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.value)}`);
  return r.error;
};

export const valueOf = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`expected success, got ${r.error.spec.message}`);
  return r.value;
};
