import { expect } from 'vitest';
import { ONPREM_API_VERSION } from '../../src/platform/onprem/format.js';
import type { HttpResult, TestPlatform, World } from './platform.js';
import type { WebhookReceiver } from './receiver.js';

/**
 * A tiny On-Premises API client and the assertions the migration e2e tests share. Every helper that
 * relies on a wire shape asserts it, so a test fails at the first unexpected answer.
 */

export const ONPREM_META = { api_status: 'stable', version: ONPREM_API_VERSION } as const;
export const ADMIN_PASSWORD = 'Adm1n-Passw0rd!';

let deploymentSeq = 0;

/** Deployment ids are platform-wide; this one is unique within the process. */
export function uniqueDeploymentId(prefix = 'mig'): string {
  deploymentSeq += 1;
  return `${prefix}-${process.pid % 10000}-${deploymentSeq}`;
}

export const basicAuth = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

export interface NumberRef {
  id: string;
  cc: string;
  phone_number: string;
}

export interface DeploymentView {
  id: string;
  gateway_status: string;
  phone_number_id: string | null;
  shards: number;
  settings: { webhooks: { url: string }; wa_id: string } & Record<string, unknown>;
}

/** One On-Prem deployment ("docker run"), logged in as admin. */
export class OnpremClient {
  token = '';

  private constructor(
    readonly tp: TestPlatform,
    readonly id: string,
  ) {}

  /** Creates the deployment through the control API and logs in; without `password` it keeps admin/secret and does not log in. */
  static async create(tp: TestPlatform, options: { webhookUrl?: string; id?: string; password?: string | null } = {}): Promise<OnpremClient> {
    const id = options.id ?? uniqueDeploymentId();
    const password = options.password === undefined ? ADMIN_PASSWORD : options.password;
    const res = await tp.request('POST', '/_switchboard/onprem/deployments', {
      body: { id, ...(password !== null && { admin_password: password }), ...(options.webhookUrl !== undefined && { webhook_url: options.webhookUrl }) },
    });
    if (res.status !== 201) throw new Error(`create deployment failed: ${res.status} ${JSON.stringify(res.body)}`);
    const client = new OnpremClient(tp, id);
    if (password !== null) expectOnpremOk(await client.login(password));
    return client;
  }

  /** `POST /v1/users/login` with Basic admin:<password>; keeps the token on success. */
  async login(password = ADMIN_PASSWORD, body?: Record<string, unknown>): Promise<HttpResult<{ users?: { token: string; expires_after: string }[] }>> {
    const res = await this.tp.request<{ users?: { token: string; expires_after: string }[] }>('POST', `/onprem/${this.id}/v1/users/login`, {
      headers: { authorization: basicAuth('admin', password) },
      ...(body !== undefined && { body }),
    });
    const token = res.status === 200 ? res.body.users?.[0]?.token : undefined;
    if (token) this.token = token;
    return res;
  }

  /** A bearer call to `/onprem/{id}/v1/{path}`. */
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
    return this.tp.request<T>(method, `/onprem/${this.id}/v1/${path.replace(/^\//, '')}`, { token: this.token, ...(body !== undefined && { body }) });
  }

  /** `POST /v1/media` with the raw file as the body. */
  async upload(mime: string, data: Uint8Array): Promise<HttpResult<{ media?: { id: string }[] }>> {
    const res = await fetch(`${this.tp.base}/onprem/${this.id}/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${this.token}`, 'content-type': mime }, body: data });
    return { status: res.status, body: (await res.json()) as { media?: { id: string }[] }, headers: res.headers };
  }

  /** `GET /v1/health`'s single-instance `gateway_status`. */
  async health(): Promise<string> {
    const body = expectOnpremOk<{ health: { gateway_status: string } }>(await this.call('GET', 'health'));
    expect(Object.keys(body.health)).toEqual(['gateway_status']);
    return body.health.gateway_status;
  }

  /** The emulator's view of the deployment. */
  view(): Promise<DeploymentView> {
    return this.tp.control<DeploymentView>('GET', `onprem/deployments/${this.id}`);
  }

  /** `POST /v1/settings/backup` → the encoded metadata (asserting the documented shape). */
  async backup(password: string): Promise<string> {
    const body = expectOnpremOk<{ settings: { data: string } }>(await this.call('POST', 'settings/backup', { password }));
    expect(Object.keys(body)).toEqual(['settings']);
    expect(Object.keys(body.settings)).toEqual(['data']);
    // Meta's example value starts "V0FCS...": base64 of the blob's magic.
    expect(body.settings.data).toMatch(/^V0FC[A-Za-z0-9+/]+=*$/);
    return body.settings.data;
  }

  /** Sends a text through `/v1/messages`. */
  sendText(to: string, body = 'hello from on-prem'): Promise<HttpResult<{ messages?: { id: string }[] }>> {
    return this.call('POST', 'messages', { to, type: 'text', recipient_type: 'individual', text: { body } });
  }

  /** `POST /v1/account` for `number` with its current certificate. */
  async requestAccount(number: NumberRef, options: { method?: 'sms' | 'voice'; pin?: string; cert?: string } = {}): Promise<HttpResult> {
    const cert = options.cert ?? (await certificateOf(this.tp, number.id));
    return this.call('POST', 'account', { cc: number.cc, phone_number: number.phone_number, method: options.method ?? 'sms', cert, ...(options.pin !== undefined && { pin: options.pin }) });
  }

  /** `POST /v1/account` (202) and `/v1/account/verify` (201): the deployment takes the number. */
  async register(number: NumberRef, pin?: string): Promise<void> {
    const requested = await this.requestAccount(number, pin === undefined ? {} : { pin });
    expectOnpremOk(requested, 202);
    const { code } = await latestCode(this.tp, number.id);
    expectOnpremOk(await this.call('POST', 'account/verify', { code }), 201);
  }

  /** `POST /v1/account/shards`. */
  async setShards(number: NumberRef, shards: number, pin?: string): Promise<HttpResult> {
    const cert = await certificateOf(this.tp, number.id);
    return this.call('POST', 'account/shards', { cc: number.cc, phone_number: number.phone_number, shards, cert, ...(pin !== undefined && { pin }) });
  }
}

export interface OnpremErrorEntry {
  code: number;
  title: string;
  details: string;
}

/** Asserts the On-Prem error envelope exactly (`{errors:[{code,title,details}],meta}`) and returns the entry. */
export function expectOnpremError(res: HttpResult<unknown>, status: number, code: number, title: string, details?: string | RegExp): OnpremErrorEntry {
  const context = `${res.status} ${JSON.stringify(res.body)}`;
  expect(res.status, context).toBe(status);
  const body = res.body as Record<string, unknown>;
  expect(Object.keys(body).sort(), context).toEqual(['errors', 'meta']);
  expect(body['meta'], context).toEqual(ONPREM_META);
  const list = body['errors'] as OnpremErrorEntry[];
  expect(list, context).toHaveLength(1);
  const entry = list[0] as OnpremErrorEntry;
  expect(Object.keys(entry).sort(), context).toEqual(['code', 'details', 'title']);
  expect({ code: entry.code, title: entry.title }, context).toEqual({ code, title });
  expect(typeof entry.details, context).toBe('string');
  if (typeof details === 'string') expect(entry.details, context).toBe(details);
  else if (details) expect(entry.details, context).toMatch(details);
  else expect(entry.details.length, context).toBeGreaterThan(0);
  return entry;
}

/** Asserts a success status and `meta`; returns the rest of the body. */
export function expectOnpremOk<T = Record<string, unknown>>(res: HttpResult<unknown>, status = 200): T {
  const context = `${res.status} ${JSON.stringify(res.body)}`;
  expect(res.status, context).toBe(status);
  const body = res.body as Record<string, unknown>;
  expect(body['meta'], context).toEqual(ONPREM_META);
  expect(body, context).not.toHaveProperty('errors');
  const { meta: _meta, ...rest } = body;
  return rest as T;
}

/** The number's display-name certificate (as WhatsApp Manager shows it). */
export async function certificateOf(tp: TestPlatform, phoneNumberId: string): Promise<string> {
  const { certificate } = await tp.control<{ certificate: string }>('GET', `phone-numbers/${phoneNumberId}/certificate`);
  return certificate;
}

export interface InboxCode {
  code: string;
  method: string;
  language: string;
  text: string;
  sent_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** Codes sent to a number by SMS or voice, newest first. */
export async function codeInbox(tp: TestPlatform, phoneNumberId: string): Promise<InboxCode[]> {
  return (await tp.control<{ data: InboxCode[] }>('GET', `code-inbox?phone_number_id=${phoneNumberId}`)).data;
}

export async function latestCode(tp: TestPlatform, phoneNumberId: string): Promise<InboxCode> {
  const [latest] = await codeInbox(tp, phoneNumberId);
  if (!latest) throw new Error(`no code was sent to ${phoneNumberId}`);
  return latest;
}

export interface DropRow {
  phone_number_id: string;
  from_wa_id: string;
  reason: string;
  message: { type: string; content: Record<string, unknown> };
  at: number;
}

/** `GET /_switchboard/inbound-drops` for one number, newest first. */
/** Every drop of a number (the list's largest page: a default page of 100 cut a busy downtime window short). */
export async function dropsOf(tp: TestPlatform, phoneNumberId: string): Promise<DropRow[]> {
  return (await tp.control<{ data: DropRow[] }>('GET', `inbound-drops?phone_number_id=${phoneNumberId}&limit=500`)).data;
}

/** The emulator's row of a number (no PIN hash). */
export function numberRow(tp: TestPlatform, phoneNumberId: string): Promise<Record<string, unknown>> {
  return tp.control('GET', `phone-numbers/${phoneNumberId}`);
}

/** `GET /{PHONE_NUMBER_ID}?fields=...` (asserting 200). */
export async function phoneFields(tp: TestPlatform, world: World, phoneNumberId: string, fields: string): Promise<Record<string, unknown>> {
  const res = await tp.graph('GET', `${phoneNumberId}?fields=${fields}`, world.token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** `POST /{PHONE_NUMBER_ID}/register`, optionally with an On-Prem backup. */
export function cloudRegister(tp: TestPlatform, world: World, phoneNumberId: string, pin: string, backup?: { password: string; data: string }): Promise<HttpResult> {
  return tp.graph('POST', `${phoneNumberId}/register`, world.token, { messaging_product: 'whatsapp', pin, ...(backup && { backup }) });
}

/** A consumer message of any type through the control API. */
export function inbound(tp: TestPlatform, phoneNumberId: string, from: string, content: Record<string, unknown> = { type: 'text', text: { body: 'Hello!' } }): Promise<Record<string, unknown>> {
  return tp.control('POST', 'inbound', { phone_number_id: phoneNumberId, from, name: 'Kerry Fisher', ...content });
}

/** Every bare On-Prem payload a receiver got. */
export function onpremBodies(receiver: WebhookReceiver): Record<string, unknown>[] {
  return receiver.received.map((r) => r.body as Record<string, unknown>);
}

export function onpremMessages(receiver: WebhookReceiver): Record<string, unknown>[] {
  return onpremBodies(receiver).flatMap((b) => (b['messages'] as Record<string, unknown>[] | undefined) ?? []);
}

export function onpremStatuses(receiver: WebhookReceiver): Record<string, unknown>[] {
  return onpremBodies(receiver).flatMap((b) => (b['statuses'] as Record<string, unknown>[] | undefined) ?? []);
}

/** Polls `check` until it holds (for state reached by a request still in flight). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A small valid JPEG-typed payload (the emulator checks type and size, not content). */
export const jpegBytes = (n = 512): Uint8Array => {
  const out = new Uint8Array(n);
  out.set([0xff, 0xd8, 0xff, 0xe0]);
  for (let i = 4; i < n; i++) out[i] = (i * 31) & 0xff;
  return out;
};
