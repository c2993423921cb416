import { callJson, graph } from './http.js';

/** What the operator types; the demo data pre-fills all of it. */
export interface OnpremToCloudInput {
  deploymentId: string;
  phoneNumberId: string;
  adminPassword: string;
  backupPassword: string;
  pin: string;
  graphToken: string;
}

export type StepState = 'waiting' | 'running' | 'done' | 'failed';

export interface Step {
  title: string;
  state: StepState;
  detail?: string;
}

export const ONPREM_TO_CLOUD_STEPS = ['Log in to the On-Prem deployment', 'Back up the deployment', 'Register on Cloud API with the backup'] as const;

/**
 * Seed 000/002's migration with the backup, as a Solution Partner would run it by hand: On-Prem
 * login, `POST /v1/settings/backup`, then Graph `register` carrying the backup (no OTP; OBA,
 * profile and throughput carried over). `onStep` reports each step's progress.
 */
export async function migrateOnpremToCloud(input: OnpremToCloudInput, onStep: (index: number, state: StepState, detail?: string) => void): Promise<void> {
  const base = `/onprem/${encodeURIComponent(input.deploymentId)}/v1`;
  const step = async <T>(index: number, fn: () => Promise<T>, describe: (v: T) => string): Promise<T> => {
    onStep(index, 'running');
    try {
      const value = await fn();
      onStep(index, 'done', describe(value));
      return value;
    } catch (err) {
      onStep(index, 'failed', err instanceof Error ? err.message : String(err));
      throw err;
    }
  };
  const login = await step(
    0,
    () => callJson<{ users?: { token: string }[] }>('POST', `${base}/users/login`, { headers: { authorization: `Basic ${btoa(`admin:${input.adminPassword}`)}` } }),
    () => 'logged in as admin',
  );
  const onpremToken = login.users?.[0]?.token ?? '';
  const backup = await step(
    1,
    () => callJson<{ settings: { data: string } }>('POST', `${base}/settings/backup`, { headers: { authorization: `Bearer ${onpremToken}` }, body: { password: input.backupPassword } }),
    (b) => `backup of ${b.settings.data.length} characters`,
  );
  await step(
    2,
    () => graph<{ success: boolean }>('POST', `${input.phoneNumberId}/register`, input.graphToken, { messaging_product: 'whatsapp', pin: input.pin, backup: { password: input.backupPassword, data: backup.settings.data } }),
    () => 'registered on Cloud API',
  );
}
