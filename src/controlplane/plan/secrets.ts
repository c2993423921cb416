import type { NumberEntry, Plan } from './schema.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Every secret one number needs, resolved from the environment at run time (never stored). */
export interface NumberSecrets {
  pin: string | undefined;
  backupPassword: string | undefined;
  /** Token that reads and acts on the number where it is now. */
  sourceToken: string | undefined;
  /** Token of the side the number moves to (the same partner except for waba_to_waba). */
  destinationToken: string | undefined;
}

export function pinEnvOf(plan: Plan, entry: NumberEntry): string | undefined {
  return entry.pin_env ?? plan.defaults.pin_env;
}

export function backupPasswordEnvOf(plan: Plan, entry: NumberEntry): string | undefined {
  return entry.kind === 'onprem_to_cloud' ? (entry.backup_password_env ?? plan.defaults.backup_password_env) : undefined;
}

export function numberSecrets(plan: Plan, entry: NumberEntry, env: Env): NumberSecrets {
  const read = (name: string | undefined): string | undefined => (name === undefined ? undefined : env[name] || undefined);
  const graphToken = read(plan.graph.token_env);
  const w2w = entry.kind === 'waba_to_waba' ? entry : undefined;
  return {
    pin: read(pinEnvOf(plan, entry)),
    backupPassword: read(backupPasswordEnvOf(plan, entry)),
    sourceToken: w2w?.source_token_env ? read(w2w.source_token_env) : graphToken,
    destinationToken: w2w?.destination_token_env ? read(w2w.destination_token_env) : graphToken,
  };
}
