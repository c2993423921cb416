import type { GraphClient, PhoneNumberFields } from '../clients/graph-client.js';
import type { GatewayStatus } from '../clients/onprem-client.js';
import { readNumber, type Connections } from '../connections.js';
import { describeError } from '../errors.js';
import { backupPasswordEnvOf, pinEnvOf } from '../plan/secrets.js';
import type { NumberEntry, RetryPolicy } from '../plan/schema.js';
import type { Memo } from '../util/memo.js';
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
    /** The platform's control token, when the plan's rehearsal section names a variable for it. */
    controlToken: 'unset' | 'ok' | 'not_needed';
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

/**
 * `wabaReads` shares reads about a WABA (its subscribed apps, numbers, templates) between the numbers
 * of one pre-flight: a plan of thousands of numbers in one WABA reads them once.
 */
export async function gatherFacts(conn: Connections, entry: NumberEntry, wabaReads: Memo): Promise<NumberFacts> {
  const fetched = <T>(read: () => Promise<T>): Promise<Fetched<T>> => fetchedWith(conn.plan.retry, read);
  // The client is looked up lazily, as inside `fetched`: a missing token is a failed read, not a throw.
  const ofWaba = <T>(clientOf: () => GraphClient, key: string, read: (graph: GraphClient) => Promise<T>): Promise<Fetched<T>> => {
    let graph: GraphClient;
    try {
      graph = clientOf();
    } catch (err) {
      return Promise.resolve({ ok: false, error: describeError(err) });
    }
    return wabaReads.get(graph, key, () => fetched(() => read(graph)));
  };
  const secrets = conn.secrets(entry);
  const deploymentName = 'deployment' in entry ? entry.deployment : undefined;
  const needsDeployment = entry.kind !== 'waba_to_waba' || (entry.source_api === 'onprem' && deploymentName !== undefined);
  const facts: NumberFacts = {
    phone: await fetched(() => readNumber(conn, entry)),
    env: envFacts(conn, entry, secrets, needsDeployment ? deploymentName : undefined),
    rehearsal: conn.rehearsal !== undefined,
  };
  if (needsDeployment && deploymentName !== undefined) {
    facts.deploymentHealth = await fetched(() => conn.deployment(deploymentName).health());
    if (facts.deploymentHealth.ok) facts.deploymentApp = await fetched(() => conn.deployment(deploymentName).application());
  }
  if (entry.kind === 'waba_to_waba') {
    const dest = (): GraphClient => conn.destinationGraph(entry);
    const source = (): GraphClient => conn.sourceGraph(entry);
    const destId = entry.destination_waba_id;
    facts.subscribedApps = await ofWaba(dest, `subscribed_apps:${destId}`, async (g) => (await g.subscribedApps(destId)).length);
    const listed = await ofWaba(dest, `phone_numbers:${destId}`, (g) => g.wabaNumberIds(destId));
    facts.inDestination = listed.ok ? { ok: true, value: listed.value.includes(entry.phone_number_id) } : listed;
    facts.sourceTemplates = await ofWaba(source, `templates:${entry.source_waba_id}`, (g) => g.templateStatuses(entry.source_waba_id));
    facts.destinationTemplates = await ofWaba(dest, `templates:${destId}`, (g) => g.templateStatuses(destId));
  } else {
    facts.subscribedApps = await ofWaba(() => conn.sourceGraph(entry), `subscribed_apps:${entry.waba_id}`, async (g) => (await g.subscribedApps(entry.waba_id)).length);
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
  const tokenEnv = conn.plan.rehearsal?.control_token_env;
  const controlToken = tokenEnv === undefined ? 'not_needed' : conn.env[tokenEnv] ? 'ok' : 'unset';
  return { sourceToken: secrets.sourceToken !== undefined, destinationToken: secrets.destinationToken !== undefined, pin, pinEnv, backupPassword, deploymentPassword, controlToken };
}
