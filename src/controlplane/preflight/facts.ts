import type { PhoneNumberFields } from '../clients/graph-client.js';
import type { GatewayStatus } from '../clients/onprem-client.js';
import type { Connections } from '../connections.js';
import { describeError } from '../errors.js';
import { backupPasswordEnvOf, pinEnvOf } from '../plan/secrets.js';
import type { NumberEntry, RetryPolicy } from '../plan/schema.js';
import { withRetry } from '../util/retry.js';

/** A read that may have failed; rules judge both outcomes. */
export type Fetched<T> = { ok: true; value: T } | { ok: false; error: string };

/** Everything pre-flight knows about one number, read with GETs only. */
export interface NumberFacts {
  phone: Fetched<PhoneNumberFields>;
  /** Apps subscribed to the WABA the number will be served from (destination for waba_to_waba). */
  subscribedApps?: Fetched<number>;
  deploymentHealth?: Fetched<GatewayStatus>;
  /** The deployment's `wa_id` (the number it serves) and webhook URL. */
  deploymentApp?: Fetched<{ waId: string | undefined; webhookUrl: string | undefined }>;
  /** waba_to_waba: whether the destination WABA already lists the number. */
  inDestination?: Fetched<boolean>;
  /** waba_to_waba: template statuses of source and destination (template capacity). */
  sourceTemplates?: Fetched<string[]>;
  destinationTemplates?: Fetched<string[]>;
  env: {
    sourceToken: boolean;
    destinationToken: boolean;
    /** undefined: no env var named; '' : named but unset; otherwise the value's shape. */
    pin: 'unnamed' | 'unset' | 'invalid' | 'ok';
    pinEnv: string | undefined;
    backupPassword: 'unnamed' | 'unset' | 'ok' | 'not_needed';
    deploymentPassword: 'unset' | 'ok' | 'not_needed';
  };
  rehearsal: boolean;
}

/** A read retried like any step (a 503 during pre-flight must not block a number). */
async function fetchedWith<T>(policy: RetryPolicy, read: () => Promise<T>): Promise<Fetched<T>> {
  try {
    return { ok: true, value: await withRetry(read, policy) };
  } catch (err) {
    return { ok: false, error: describeError(err) };
  }
}

export async function gatherFacts(conn: Connections, entry: NumberEntry): Promise<NumberFacts> {
  const fetched = <T>(read: () => Promise<T>): Promise<Fetched<T>> => fetchedWith(conn.plan.retry, read);
  const secrets = conn.secrets(entry);
  const deploymentName = 'deployment' in entry ? entry.deployment : undefined;
  const needsDeployment = entry.kind !== 'waba_to_waba' || (entry.source_api === 'onprem' && deploymentName !== undefined);
  const facts: NumberFacts = {
    phone: await fetched(() => conn.sourceGraph(entry).getNumber(entry.phone_number_id)),
    env: envFacts(conn, entry, secrets, needsDeployment ? deploymentName : undefined),
    rehearsal: conn.rehearsal !== undefined,
  };
  if (needsDeployment && deploymentName !== undefined) {
    facts.deploymentHealth = await fetched(() => conn.deployment(deploymentName).health());
    if (facts.deploymentHealth.ok) facts.deploymentApp = await fetched(() => conn.deployment(deploymentName).application());
  }
  if (entry.kind === 'waba_to_waba') {
    const dest = (): ReturnType<Connections['destinationGraph']> => conn.destinationGraph(entry);
    facts.subscribedApps = await fetched(async () => (await dest().subscribedApps(entry.destination_waba_id)).length);
    facts.inDestination = await fetched(async () => (await dest().wabaNumberIds(entry.destination_waba_id)).includes(entry.phone_number_id));
    facts.sourceTemplates = await fetched(() => conn.sourceGraph(entry).templateStatuses(entry.source_waba_id));
    facts.destinationTemplates = await fetched(() => dest().templateStatuses(entry.destination_waba_id));
  } else {
    facts.subscribedApps = await fetched(async () => (await conn.sourceGraph(entry).subscribedApps(entry.waba_id)).length);
  }
  return facts;
}

function envFacts(conn: Connections, entry: NumberEntry, secrets: ReturnType<Connections['secrets']>, deployment: string | undefined): NumberFacts['env'] {
  const pinEnv = pinEnvOf(conn.plan, entry);
  const pin = pinEnv === undefined ? 'unnamed' : secrets.pin === undefined ? 'unset' : /^\d{6}$/.test(secrets.pin) ? 'ok' : 'invalid';
  const backupEnv = backupPasswordEnvOf(conn.plan, entry);
  const backupPassword = entry.kind !== 'onprem_to_cloud' ? 'not_needed' : backupEnv === undefined ? 'unnamed' : secrets.backupPassword === undefined ? 'unset' : 'ok';
  const depRef = deployment === undefined ? undefined : conn.plan.deployments[deployment];
  const deploymentPassword = depRef === undefined ? 'not_needed' : conn.env[depRef.password_env] ? 'ok' : 'unset';
  return { sourceToken: secrets.sourceToken !== undefined, destinationToken: secrets.destinationToken !== undefined, pin, pinEnv, backupPassword, deploymentPassword };
}
