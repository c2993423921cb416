import type { FastifyInstance } from 'fastify';
import { dirname, join } from 'node:path';
import type { DemoData } from './control/seed.js';
import { CONTROL_PREFIX } from './control/routes.js';
import { controlPlaneRoutes } from './controlplane/http/server.js';
import { Runner } from './controlplane/jobs/runner.js';
import { JobStore } from './controlplane/jobs/store.js';
import { isPostgresUrl } from './store/open.js';

/** The embedded control plane's HTTP API: under the control API, so its guard protects and disables it too. */
export const CONTROLPLANE_PREFIX = `${CONTROL_PREFIX}/controlplane`;

/** The backup password the README's rehearsal uses (any string encrypts an On-Prem backup). */
export const DEMO_BACKUP_PASSWORD = 'tacocat';

/**
 * Its job store sits next to the platform's database (in memory when that is). On PostgreSQL it uses the
 * same database — its own `cp_*` tables and migration table, never the platform's — so every platform
 * process sharing that database sees the same runs (a run's lease keeps one process driving it).
 */
export function controlPlaneDatabase(platformDb: string): string {
  if (platformDb === ':memory:' || isPostgresUrl(platformDb)) return platformDb;
  return join(dirname(platformDb), 'controlplane.sqlite');
}

export interface EmbeddedControlPlane {
  close(): Promise<void>;
}

export interface EmbedOptions {
  /** SQLite file, :memory: or postgres:// URL of its job store. */
  database: string;
  /** The platform's public URL, known once it listens: the control plane talks to it over HTTP only. */
  publicUrl: () => string;
  demo: () => Promise<DemoData | undefined>;
  /** The platform's control token, when it was started with one: the demo rehearsal's helpers need it. */
  controlToken?: string | undefined;
}

/**
 * A control plane inside the platform process, for rehearsals from the web console. It has its own
 * job store and reaches the platform only through its public URL, exactly as `switchboard serve` would;
 * secrets come with each request (`env`), since the platform's environment is not the partner's.
 */
export async function mountControlPlane(http: FastifyInstance, options: EmbedOptions): Promise<EmbeddedControlPlane> {
  const store = await JobStore.open(options.database);
  // No base environment: the platform's is not the partner's; each request brings its run's secrets.
  const runner = new Runner(store, { env: {} });
  await http.register(
    async (scope) => {
      await controlPlaneRoutes(runner)(scope);
      scope.get('/demo-plan', async (_req, reply) => {
        const demo = await options.demo();
        if (!demo) return reply.code(404).send({ error: 'this platform holds no demo data (started with --no-seed)' });
        return demoRehearsal(demo, options.publicUrl(), options.controlToken);
      });
    },
    { prefix: CONTROLPLANE_PREFIX },
  );
  return { close: () => store.close() };
}

/**
 * The demo's On-Prem number moved to Cloud API (seed 000), as a plan plus the values of the variables it
 * names — the ones `npm run up` prints. The plan stays free of secrets; the console sends `env` with it.
 */
export function demoRehearsal(demo: DemoData, publicUrl: string, controlToken?: string): { plan: string; env: Record<string, string> } {
  // The rehearsal helpers (reading the code inbox, ...) call the control API, which may want a token.
  const rehearsal = controlToken === undefined ? 'rehearsal: {}' : 'rehearsal:\n  control_token_env: SB_CONTROL_TOKEN';
  const plan = `# Rehearsal on the demo data: the On-Prem number moves to Cloud API with its backup (seed 000).
# Secrets are named here, never written: their values go with each request and stay in memory.
version: 1
name: demo-onprem-to-cloud
graph:
  base_url: ${publicUrl}
  version: v23.0
  token_env: SB_TOKEN
${rehearsal}
defaults:
  pin_env: SB_PIN
  backup_password_env: SB_BACKUP_PASSWORD
deployments:
  ${demo.onpremDeploymentId}:
    url: ${publicUrl}/onprem/${demo.onpremDeploymentId}
    username: admin
    password_env: DELI_PASSWORD
batch: { size: 50, concurrency: 4 }
retry: { max_attempts: 6, base_ms: 500, max_ms: 30000 }
request_timeout_ms: 20000
rollback: auto
numbers:
  - phone_number_id: "${demo.onpremPhoneNumberId}"
    label: Jasper's Deli
    kind: onprem_to_cloud
    waba_id: "${demo.wabaId}"
    deployment: ${demo.onpremDeploymentId}
`;
  const env = { SB_TOKEN: demo.accessToken, SB_PIN: demo.pin, SB_BACKUP_PASSWORD: DEMO_BACKUP_PASSWORD, DELI_PASSWORD: demo.onpremAdminPassword };
  return { plan, env: controlToken === undefined ? env : { ...env, SB_CONTROL_TOKEN: controlToken } };
}
