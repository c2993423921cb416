import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseGatewayConfig, type GatewayConfig } from '../../../src/controlplane/webhook-gateway/config.js';
import { serveGateway, type ServedGateway } from '../../../src/controlplane/webhook-gateway/gateway.js';
import { sign } from '../../../src/controlplane/webhook-gateway/signature.js';
import type { HttpResult } from '../../support/platform.js';

/** Secrets of a test gateway, as its environment would hold them. */
export const GW_ENV = {
  GW_APP_SECRET: 'gateway-app-secret-for-the-partner-app',
  META_APP_SECRET: 'meta-app-secret-0123456789',
  META_VERIFY_TOKEN: 'meta-verify-token',
  DEP_SECRET: 'deli-webhook-secret-abcdef0123456789',
} as const;

export interface DeploymentInput {
  phone_number_id: string;
  display_phone_number: string;
  waba_id: string;
  secret_env?: string;
}

export interface TestGatewayOptions {
  appUrl: string;
  deployments?: Record<string, DeploymentInput>;
  delivery?: Record<string, unknown>;
  apiTokenEnv?: string;
  env?: Record<string, string>;
  graph?: Record<string, unknown>;
  /** Reuse a database (restart tests). */
  databasePath?: string;
  /** The gateway's clock. */
  now?: () => number;
}

/** The configuration file a test gateway is started with (also written out for the CLI tests). */
export function gatewayConfigFile(o: TestGatewayOptions, databasePath: string): Record<string, unknown> {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    database: databasePath,
    app: { url: o.appUrl, secret_env: 'GW_APP_SECRET' },
    meta: { app_secret_env: 'META_APP_SECRET', verify_token_env: 'META_VERIFY_TOKEN' },
    deployments: Object.fromEntries(Object.entries(o.deployments ?? {}).map(([name, d]) => [name, { secret_env: 'DEP_SECRET', ...d }])),
    delivery: { concurrency: 8, poll_ms: 20, timeout_ms: 2000, switchover_hold_ms: 300, retry: { base_ms: 20, max_ms: 200, max_attempts: 50 }, ...o.delivery },
    ...(o.apiTokenEnv && { api: { token_env: o.apiTokenEnv } }),
    ...(o.graph && { graph: o.graph }),
  };
}

/** A real gateway on a loopback port with its own SQLite file, and helpers to talk to it. */
export class TestGateway {
  private constructor(
    readonly served: ServedGateway,
    readonly config: GatewayConfig,
    readonly databasePath: string,
    private readonly dir: string | undefined,
  ) {}

  static async start(o: TestGatewayOptions): Promise<TestGateway> {
    const dir = o.databasePath ? undefined : mkdtempSync(join(tmpdir(), 'gw-test-'));
    const databasePath = o.databasePath ?? join(dir ?? '', 'gateway.sqlite');
    const config = parseGatewayConfig(stringify(gatewayConfigFile(o, databasePath)), { ...GW_ENV, ...o.env });
    return new TestGateway(await serveGateway(config, o.now ? { now: o.now } : {}), config, databasePath, dir);
  }

  get base(): string {
    return this.served.url;
  }

  async stop(options: { keepDatabase?: boolean } = {}): Promise<void> {
    await this.served.close();
    if (this.dir && !options.keepDatabase) rmSync(this.dir, { recursive: true, force: true });
  }

  async request<T = Record<string, unknown>>(method: string, path: string, init: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<HttpResult<T>> {
    const res = await fetch(`${this.base}${path}`, { method, headers: init.headers, body: init.body });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      /* plain text (the hub.challenge) */
    }
    return { status: res.status, body: body as T, headers: res.headers };
  }

  /** A Cloud webhook as Meta posts it: signed with the Meta app secret unless told otherwise. */
  postCloud(payload: unknown, signWith: string | null = GW_ENV.META_APP_SECRET): Promise<HttpResult> {
    const body = JSON.stringify(payload);
    return this.request('POST', '/webhooks/cloud', { body, headers: { 'content-type': 'application/json', ...(signWith !== null && { 'x-hub-signature-256': sign(body, signWith) }) } });
  }

  /** An On-Prem webhook as a deployment posts it: bare, unsigned, to its secret URL. */
  postOnprem(deployment: string, payload: unknown, secret: string = GW_ENV.DEP_SECRET): Promise<HttpResult> {
    return this.request('POST', `/webhooks/onprem/${deployment}/${secret}`, { body: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
  }

  onpremUrl(deployment: string, secret: string = GW_ENV.DEP_SECRET): string {
    return `${this.base}/webhooks/onprem/${deployment}/${secret}`;
  }

  get cloudUrl(): string {
    return `${this.base}/webhooks/cloud`;
  }

  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token?: string): Promise<HttpResult<T>> {
    return this.request<T>(method, `/api/${path.replace(/^\//, '')}`, {
      ...(body !== undefined && { body: JSON.stringify(body) }),
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(token && { authorization: `Bearer ${token}` }) },
    });
  }

  async counters(): Promise<Record<string, number>> {
    return (await this.api<{ counters: Record<string, number> }>('GET', 'status')).body.counters;
  }
}

// ---- payload builders (shapes as in golden/) ------------------------------------------------------

export const WABA = '102290129340398';

export function onpremText(id: string, body: string, from = '16505551234', timestamp = String(Math.floor(Date.now() / 1000))): Record<string, unknown> {
  return { contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: from }], messages: [{ from, id, timestamp, type: 'text', text: { body } }] };
}

export function cloudText(phoneNumberId: string, id: string, body: string, from = '16505551234', timestamp = String(Math.floor(Date.now() / 1000))): Record<string, unknown> {
  return cloudMessages(phoneNumberId, { contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: from }], messages: [{ from, id, timestamp, type: 'text', text: { body } }] });
}

export function cloudMessages(phoneNumberId: string, rest: Record<string, unknown>, wabaId = WABA): Record<string, unknown> {
  return { object: 'whatsapp_business_account', entry: [{ id: wabaId, changes: [{ value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, ...rest }, field: 'messages' }] }] };
}
