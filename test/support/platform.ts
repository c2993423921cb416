import { afterAll, beforeAll } from 'vitest';
import { freshDatabaseLocation, removeDatabase } from './postgres.js';
import { buildPlatform, type Platform } from '../../src/app.js';
import type { PlatformConfig } from '../../src/config.js';
import { defaultDispatcherOptions } from '../../src/platform/webhooks/dispatcher.js';
import { WebhookReceiver } from './receiver.js';

export const GRAPH_VERSION = 'v23.0';

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestPlatformOptions {
  /** Reuse a database: a SQLite file or a PostgreSQL URL (restart tests). */
  database?: string;
  webhooks?: Partial<PlatformConfig['webhooks']>;
  seedDemo?: boolean;
  /** Migration downtime; tests default to 0 so registration calls return at once. */
  downtimeMs?: number;
  /** Graph's per-WABA call quotas (on by default, as on Meta). */
  graphRateLimits?: boolean;
  /** Control API access (open by default). */
  control?: PlatformConfig['control'];
}

/**
 * A real platform on a loopback port with its own database — a SQLite file, or a fresh PostgreSQL
 * database when the suite runs on PostgreSQL (support/postgres.ts) — plus helpers named after domain actions.
 */
export class TestPlatform {
  private constructor(
    readonly platform: Platform,
    readonly base: string,
    /** SQLite file path or PostgreSQL URL. */
    readonly database: string,
    private readonly ownsDatabase: boolean,
    /** Sent by `control()` when the platform was started with a control token. */
    readonly controlToken?: string,
  ) {}

  static async start(options: TestPlatformOptions = {}): Promise<TestPlatform> {
    const database = options.database ?? (await freshDatabaseLocation('platform.sqlite'));
    const platform = await buildPlatform({
      host: '127.0.0.1',
      port: 0,
      database,
      publicUrl: undefined,
      defaultGraphVersion: GRAPH_VERSION,
      seedDemo: options.seedDemo ?? false,
      bodyLimitBytes: 5 * 1024 * 1024,
      maxUploadBytes: 100 * 1024 * 1024,
      webhooks: { ...defaultDispatcherOptions, pollMs: 50, retryBaseMs: 50, retryMaxMs: 400, ...options.webhooks },
      downtimeMs: options.downtimeMs ?? 0,
      graphRateLimits: options.graphRateLimits ?? true,
      control: options.control ?? { mode: 'open' },
    });
    const base = await platform.listen();
    return new TestPlatform(platform, base, database, options.database === undefined, options.control?.mode === 'token' ? options.control.token : undefined);
  }

  async stop(options: { keepDatabase?: boolean } = {}): Promise<void> {
    await this.platform.close();
    if (this.ownsDatabase && !options.keepDatabase) await removeDatabase(this.database);
  }

  /** Raw HTTP call; `body` objects are sent as JSON, strings as they are. */
  async request<T = Record<string, unknown>>(method: string, path: string, init: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers['authorization'] = `Bearer ${init.token}`;
    let body: string | undefined;
    if (typeof init.body === 'string') body = init.body;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.base}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      /* keep the text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  graph<T = Record<string, unknown>>(method: string, path: string, token: string, body?: unknown): Promise<HttpResult<T>> {
    return this.request<T>(method, `/${GRAPH_VERSION}/${path.replace(/^\//, '')}`, { token, body });
  }

  async control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const token = this.controlToken;
    const res = await this.request<T>(method, `/_switchboard/${path.replace(/^\//, '')}`, { body: body ?? (method === 'GET' ? undefined : {}), ...(token !== undefined && { token }) });
    if (res.status >= 400) throw new Error(`control ${method} ${path} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Delivers every due webhook now. */
  flushWebhooks(): Promise<void> {
    return this.platform.dispatcher.drain();
  }
}

export { removeDatabase };

export interface World {
  partnerId: string;
  businessId: string;
  wabaId: string;
  appId: string;
  appSecret: string;
  token: string;
  receiver: WebhookReceiver;
}

let phoneSeq = 0;

/** A Solution Partner, a client business with a WABA, an app subscribed to it with webhooks to `receiver`, and a token. */
export async function createWorld(tp: TestPlatform, options: { subscribe?: boolean; tosAccepted?: boolean } = {}): Promise<World> {
  const receiver = new WebhookReceiver();
  await receiver.start();
  const partner = await tp.control<{ id: string }>('POST', 'businesses', { name: 'Partner', tos_accepted: options.tosAccepted ?? true });
  const business = await tp.control<{ id: string }>('POST', 'businesses', { name: 'Client', tos_accepted: false });
  const waba = await tp.control<{ id: string }>('POST', 'wabas', { name: 'Client WABA', owner_business_id: business.id, partner_business_id: partner.id });
  const app = await tp.control<{ id: string; app_secret: string }>('POST', 'apps', { name: 'Partner App', business_id: partner.id, callback_url: receiver.url, verify_token: receiver.verifyToken });
  receiver.appSecret = app.app_secret;
  const { access_token } = await tp.control<{ access_token: string }>('POST', 'tokens', { app_id: app.id, business_ids: [partner.id] });
  if (options.subscribe !== false) await tp.graph('POST', `${waba.id}/subscribed_apps`, access_token);
  return { partnerId: partner.id, businessId: business.id, wabaId: waba.id, appId: app.id, appSecret: app.app_secret, token: access_token, receiver };
}

/** A fresh, unique US number in the world's WABA; registered on Cloud API with `pin` unless told otherwise. */
export async function addNumber(tp: TestPlatform, world: World, options: Record<string, unknown> = {}): Promise<{ id: string; cc: string; phone_number: string }> {
  phoneSeq += 1;
  const phone = `555${String(process.pid % 1000).padStart(3, '0')}${String(phoneSeq).padStart(4, '0')}`;
  const row = await tp.control<{ id: string; cc: string; number: string }>('POST', 'phone-numbers', {
    waba_id: world.wabaId,
    cc: '1',
    phone_number: phone,
    verified_name: 'Test Shop',
    register_pin: '123456',
    ...options,
  });
  return { id: row.id, cc: row.cc, phone_number: row.number };
}

export const CONSUMER = '16505551234';

/** A consumer messages the business number (opening the 24 h window). */
export function sendInbound(tp: TestPlatform, phoneNumberId: string, body = 'Hello!', from = CONSUMER): Promise<{ delivered: boolean; messageId?: string }> {
  return tp.control('POST', 'inbound', { phone_number_id: phoneNumberId, from, name: 'Kerry Fisher', text: { body } });
}

export function sendText(tp: TestPlatform, world: World, phoneNumberId: string, body = 'hello world!', to = CONSUMER): Promise<HttpResult<{ messages: { id: string }[] }>> {
  return tp.graph('POST', `${phoneNumberId}/messages`, world.token, { messaging_product: 'whatsapp', to, text: { body } });
}

export function registerNumber(tp: TestPlatform, world: World, phoneNumberId: string, pin = '123456'): Promise<HttpResult> {
  return tp.graph('POST', `${phoneNumberId}/register`, world.token, { messaging_product: 'whatsapp', pin });
}

/** Asserts the Graph error envelope and returns its `error` object. */
export function graphError(res: HttpResult): { message: string; type: string; code: number; error_subcode?: number; error_data?: { details: string }; fbtrace_id: string } {
  const err = (res.body as { error?: unknown }).error;
  if (!err || typeof err !== 'object') throw new Error(`expected a Graph error, got ${res.status} ${JSON.stringify(res.body)}`);
  return err as ReturnType<typeof graphError>;
}

/** A platform shared by one test file's tests, and the worlds they create (their receivers stopped at the end). */
export interface SharedPlatform {
  readonly tp: TestPlatform;
  /** A world created before the tests, unless `world: false`. */
  readonly world: World;
  /** Worlds made by tests, stopped with the platform. */
  track(...worlds: World[]): void;
}

/** Registers `beforeAll`/`afterAll` hooks that start one platform (and a world) for the file and stop them. */
export function sharedPlatform(options: TestPlatformOptions & { world?: boolean } = {}): SharedPlatform {
  let tp: TestPlatform | undefined;
  let world: World | undefined;
  const tracked: World[] = [];
  beforeAll(async () => {
    tp = await TestPlatform.start(options);
    if (options.world !== false) world = await createWorld(tp);
  });
  afterAll(async () => {
    for (const w of [...tracked, ...(world ? [world] : [])]) await w.receiver.stop();
    await tp?.stop();
  });
  const started = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is only available inside tests (after beforeAll)`);
    return v;
  };
  return {
    get tp() {
      return started(tp, 'the shared platform');
    },
    get world() {
      return started(world, 'the shared world');
    },
    track: (...worlds) => tracked.push(...worlds),
  };
}
