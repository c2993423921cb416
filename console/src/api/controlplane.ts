import type { DemoRehearsal, GatewayAccepted, PlanIssue, PreflightReport, RunStarted, Validation } from './cp-types.js';
import { ApiCallError, control } from './http.js';

/** The embedded control plane, under the control API (its token, if any, applies). */
export const CP = 'controlplane';

/** A plan as written (YAML or JSON text) and the values of the variables it names, for this request only. */
export interface PlanInput {
  plan: string;
  env: Record<string, string>;
}

/** A plan the control plane refused, with where and why. */
export class PlanRejected extends Error {
  constructor(readonly issues: PlanIssue[]) {
    super(`the plan is invalid (${issues.length} issue${issues.length === 1 ? '' : 's'})`);
  }
}

/** 422 `{valid: false, issues}` becomes a PlanRejected; anything else is rethrown as it is. */
async function withPlan<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    const body = err instanceof ApiCallError && err.status === 422 ? (err.body as { issues?: PlanIssue[] }) : undefined;
    throw body?.issues ? new PlanRejected(body.issues) : err;
  }
}

export const demoRehearsal = (): Promise<DemoRehearsal> => control<DemoRehearsal>('GET', `${CP}/demo-plan`);

export async function validatePlan(input: PlanInput): Promise<Validation> {
  try {
    return await withPlan(control<Validation>('POST', `${CP}/plans/validate`, input));
  } catch (err) {
    if (err instanceof PlanRejected) return { valid: false, issues: err.issues };
    throw err;
  }
}

export const preflight = (input: PlanInput): Promise<PreflightReport> => withPlan(control<PreflightReport>('POST', `${CP}/preflight`, input));

export const startRun = (input: PlanInput): Promise<RunStarted> => withPlan(control<RunStarted>('POST', `${CP}/runs`, input));

export type RunAction = 'pause' | 'cancel';

export const controlRun = (runId: string, action: RunAction): Promise<{ status: string }> => control('POST', `${CP}/runs/${encodeURIComponent(runId)}/${action}`);

/** Resumes with the secrets typed now (a restarted platform has forgotten the run's). */
export const resumeRun = (runId: string, env: Record<string, string>, retryFailed: boolean): Promise<{ status: string }> =>
  control('POST', `${CP}/runs/${encodeURIComponent(runId)}/resume`, { env, retry_failed: retryFailed });

/** What the partner's app does during a migration: send through the control plane, not to Graph. */
export const sendThroughGateway = (phoneNumberId: string, to: string, text: string): Promise<GatewayAccepted> =>
  control('POST', `${CP}/numbers/${encodeURIComponent(phoneNumberId)}/messages`, { messaging_product: 'whatsapp', to, type: 'text', text: { body: text } });
