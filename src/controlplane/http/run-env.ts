import { z } from 'zod';
import type { Env } from '../plan/secrets.js';

/** Values may be given with a request instead of the process environment (names as plans name them). */
export const requestEnvSchema = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'env names are environment variable names (letters, digits, _)' }), z.string().max(8192))
  .refine((env) => Object.keys(env).length <= 200, { message: 'env holds at most 200 variables' });

export type RequestEnv = z.infer<typeof requestEnvSchema>;

/**
 * What a request's pre-flight or run sees: the server's own environment overlaid with the values the
 * request carried. Kept in memory only (the runner holds it per run): never stored, logged or answered.
 */
export function requestEnv(base: Env, values: RequestEnv | undefined): Env {
  return values === undefined ? base : { ...base, ...values };
}
