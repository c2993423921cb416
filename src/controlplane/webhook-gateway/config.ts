import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatPath } from '../plan/load.js';
import type { Env } from '../plan/secrets.js';
import type { RetryPolicy } from './domain.js';

/**
 * The gateway's configuration file (YAML or JSON). As in migration plans, secrets never appear in
 * it: each is named by an environment variable (`*_env`) and read at start-up.
 */

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name (letters, digits, _)' });
const digits = z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^\d+$/, { message: 'must be digits only' }));
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
/** Deployment names are URL path segments. */
const SEGMENT = /^[A-Za-z0-9._-]{1,64}$/;

const deploymentSchema = z.strictObject({
  /** The secret path segment of this deployment's webhook URL (On-Prem cannot sign or add headers). */
  secret_env: envName,
  /** The number the deployment holds: On-Prem payloads do not name it. */
  phone_number_id: digits,
  /** As Cloud's `metadata.display_phone_number` writes it: digits with country code. */
  display_phone_number: digits,
  waba_id: digits,
});

export const gatewayConfigSchema = z.strictObject({
  listen: z.strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(4791) }).prefault({}),
  database: z.string().min(1).default('./data/webhook-gateway.sqlite'),
  /** The partner's app: one URL, one contract (Cloud format), signed with the gateway's own secret. */
  app: z.strictObject({ url: httpUrl, secret_env: envName }),
  /** The Meta app whose callback URL points at the gateway (Cloud side). */
  meta: z.strictObject({ app_secret_env: envName, verify_token_env: envName }),
  deployments: z
    .record(z.string(), deploymentSchema)
    .superRefine((deps, ctx) => {
      for (const name of Object.keys(deps)) if (!SEGMENT.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'a deployment name must be 1-64 letters, digits, ".", "_" or "-" (it is a URL path segment)' });
    })
    .default({}),
  /** Bearer token for the gateway's own API (status, dead letters, replay); open when absent. */
  api: z.strictObject({ token_env: envName.optional() }).prefault({}),
  delivery: z
    .strictObject({
      /** Numbers (lanes) delivered in parallel; one number's events never overlap. */
      concurrency: z.number().int().min(1).max(1024).default(32),
      /** Most events of one number per POST (Meta batches up to 1000; many SDKs read only the first). */
      max_batch: z.number().int().min(1).max(1000).default(1),
      timeout_ms: z.number().int().min(100).default(10_000),
      poll_ms: z.number().int().min(5).default(500),
      /** After a number switches API, its new API's events wait this long for the old API's stragglers. */
      switchover_hold_ms: z.number().int().min(0).max(600_000).default(5000),
      retry: z
        .strictObject({
          base_ms: z.number().int().min(1).default(1000),
          max_ms: z.number().int().min(1).default(300_000),
          max_attempts: z.number().int().min(1).max(1000).default(15),
          max_age_ms: z.number().int().min(1).default(24 * 3600_000),
        })
        .prefault({}),
    })
    .prefault({}),
  /** How long de-duplication keys (and delivered events) are kept: Meta retries for up to 7 days. */
  retention_ms: z.number().int().min(60_000).default(7 * 24 * 3600_000),
  /** Optional: confirm a number's API with Graph's `platform_type` (`GET /api/numbers/{id}?confirm=1`). */
  graph: z.strictObject({ base_url: httpUrl.default('https://graph.facebook.com'), version: z.string().regex(/^v\d+\.\d+$/).default('v23.0'), token_env: envName }).optional(),
});

export type GatewayConfigFile = z.infer<typeof gatewayConfigSchema>;

export interface DeploymentConfig {
  name: string;
  secret: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
}

/** The configuration with its secrets read from the environment. */
export interface GatewayConfig {
  host: string;
  port: number;
  database: string;
  appUrl: string;
  appSecret: string;
  metaAppSecret: string;
  verifyToken: string;
  apiToken: string | undefined;
  deployments: ReadonlyMap<string, DeploymentConfig>;
  delivery: { concurrency: number; maxBatch: number; timeoutMs: number; pollMs: number; switchoverHoldMs: number; retry: RetryPolicy };
  retentionMs: number;
  graph: { baseUrl: string; version: string; token: string } | undefined;
}

export class GatewayConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`${source}: invalid gateway configuration\n${issues.map((i) => `  ${i}`).join('\n')}`);
  }
}

export async function loadGatewayConfig(path: string, env: Env): Promise<GatewayConfig> {
  return parseGatewayConfig(await readFile(path, 'utf8'), env, path);
}

/** Validates the file and resolves its secrets; every problem is listed, by path. */
export function parseGatewayConfig(text: string, env: Env, source = 'config'): GatewayConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new GatewayConfigError(source, [err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err)]);
  }
  const parsed = gatewayConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new GatewayConfigError(source, parsed.error.issues.map((i) => `${formatPath(i.path) || '(file)'}: ${i.message}`));
  return resolve(parsed.data, env, source);
}

function resolve(c: GatewayConfigFile, env: Env, source: string): GatewayConfig {
  const missing: string[] = [];
  const secret = (path: string, name: string): string => {
    const v = env[name];
    if (!v) missing.push(`${path}: environment variable ${name} is not set`);
    return v ?? '';
  };
  const deployments = new Map<string, DeploymentConfig>();
  for (const [name, d] of Object.entries(c.deployments)) {
    deployments.set(name, { name, secret: secret(`deployments.${name}.secret_env`, d.secret_env), phoneNumberId: d.phone_number_id, displayPhoneNumber: d.display_phone_number, wabaId: d.waba_id });
  }
  const out: GatewayConfig = {
    host: c.listen.host,
    port: c.listen.port,
    database: c.database,
    appUrl: c.app.url,
    appSecret: secret('app.secret_env', c.app.secret_env),
    metaAppSecret: secret('meta.app_secret_env', c.meta.app_secret_env),
    verifyToken: secret('meta.verify_token_env', c.meta.verify_token_env),
    apiToken: c.api.token_env === undefined ? undefined : secret('api.token_env', c.api.token_env),
    deployments,
    delivery: { concurrency: c.delivery.concurrency, maxBatch: c.delivery.max_batch, timeoutMs: c.delivery.timeout_ms, pollMs: c.delivery.poll_ms, switchoverHoldMs: c.delivery.switchover_hold_ms, retry: { baseMs: c.delivery.retry.base_ms, maxMs: c.delivery.retry.max_ms, maxAttempts: c.delivery.retry.max_attempts, maxAgeMs: c.delivery.retry.max_age_ms } },
    retentionMs: c.retention_ms,
    graph: c.graph && { baseUrl: c.graph.base_url, version: c.graph.version, token: secret('graph.token_env', c.graph.token_env) },
  };
  const short = [...deployments.values()].filter((d) => d.secret !== '' && d.secret.length < 16).map((d) => `deployments.${d.name}.secret_env: the secret must be at least 16 characters (it is the only thing authenticating On-Prem webhooks)`);
  if (missing.length + short.length > 0) throw new GatewayConfigError(source, [...missing, ...short]);
  return out;
}
