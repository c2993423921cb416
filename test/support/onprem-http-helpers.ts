import { expect } from 'vitest';
import { ONPREM_API_VERSION } from '../../src/platform/onprem/format.js';
import type { HttpResult, TestPlatform } from './platform.js';

/**
 * HTTP helpers for the On-Premises API under `/onprem/{deployment}/v1/...` (api-facts D). Each
 * asserts the wire shape it relies on so a test fails at the first unexpected answer.
 */

export const ONPREM_META = { api_status: 'stable', version: ONPREM_API_VERSION } as const;
export const STRONG_PASSWORD = 'Sup3r-Secret!';

export const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

export interface OnpremCall {
  token?: string;
  body?: unknown;
  /** Raw body bytes (media upload); sent with `headers['content-type']`. */
  raw?: Uint8Array;
  headers?: Record<string, string>;
}

/** One call to `/onprem/{deployment}/v1/{path}` (path without the /v1 prefix, e.g. "health"). */
export async function onprem<T = Record<string, unknown>>(tp: TestPlatform, deployment: string, method: string, path: string, call: OnpremCall = {}): Promise<HttpResult<T>> {
  const url = `/onprem/${deployment}/v1/${path.replace(/^\//, '')}`;
  if (call.raw === undefined) return tp.request<T>(method, url, { ...(call.token !== undefined && { token: call.token }), body: call.body, ...(call.headers && { headers: call.headers }) });
  const headers: Record<string, string> = { ...call.headers };
  if (call.token !== undefined) headers['authorization'] = `Bearer ${call.token}`;
  const res = await fetch(`${tp.base}${url}`, { method, headers, body: call.raw });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    /* keep the text */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export interface OnpremErrorEntry {
  code: number;
  title: string;
  details: string;
}

/**
 * Asserts the On-Prem error envelope exactly: HTTP status, `{errors:[{code,title,details}], meta}`
 * and nothing else (in particular no Graph `error` object). Returns the single error entry.
 */
export function expectOnpremError(res: HttpResult<unknown>, status: number, code: number, title?: string): OnpremErrorEntry {
  const body = res.body as Record<string, unknown>;
  expect({ status: res.status, body: typeof body === 'object' && body !== null ? Object.keys(body).sort() : body }, JSON.stringify(res.body)).toEqual({ status, body: ['errors', 'meta'] });
  expect(body['meta']).toEqual(ONPREM_META);
  const list = body['errors'] as OnpremErrorEntry[];
  expect(list).toHaveLength(1);
  const [entry] = list;
  if (!entry) throw new Error('no error entry');
  expect(Object.keys(entry).sort()).toEqual(['code', 'details', 'title']);
  expect(entry.code, JSON.stringify(entry)).toBe(code);
  expect(typeof entry.title).toBe('string');
  expect(typeof entry.details).toBe('string');
  expect(entry.details.length).toBeGreaterThan(0);
  if (title !== undefined) expect(entry.title).toBe(title);
  return entry;
}

/** Asserts a success status and the `meta` object; returns the body without `meta`. */
export function expectOnpremOk<T extends Record<string, unknown> = Record<string, unknown>>(res: HttpResult<unknown>, status = 200): T {
  const body = res.body as Record<string, unknown>;
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(body['meta']).toEqual(ONPREM_META);
  expect(body).not.toHaveProperty('errors');
  const { meta: _meta, ...rest } = body;
  return rest as T;
}

let deploymentSeq = 0;

/** A deployment id unique within the process. */
export function deploymentId(prefix = 'dep'): string {
  deploymentSeq += 1;
  return `${prefix}-${process.pid % 10000}-${deploymentSeq}`;
}

export interface DeploymentView {
  id: string;
  base_url: string;
  gateway_status: string;
  phone_number_id: string | null;
  shards: number;
  password_change_required: boolean;
  settings: Record<string, unknown>;
}

/** `POST /_switchboard/onprem/deployments`; without `admin_password` the deployment has admin/secret. */
export async function newDeployment(tp: TestPlatform, options: { id?: string; admin_password?: string; webhook_url?: string } = {}): Promise<DeploymentView> {
  const res = await tp.request<DeploymentView>('POST', '/_switchboard/onprem/deployments', { body: { id: options.id ?? deploymentId(), ...options } });
  if (res.status !== 201) throw new Error(`create deployment failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** `POST /v1/users/login` with Basic admin credentials; returns the token (asserting 200). */
export async function login(tp: TestPlatform, deployment: string, password = STRONG_PASSWORD): Promise<string> {
  const res = await onprem<{ users: { token: string }[] }>(tp, deployment, 'POST', 'users/login', { headers: { authorization: basic('admin', password) } });
  const body = expectOnpremOk<{ users: { token: string; expires_after: string }[] }>(res);
  const token = body.users[0]?.token;
  if (!token) throw new Error('no token');
  return token;
}

/** A deployment created with a known admin password, and a fresh token for it. */
export async function deploymentWithToken(tp: TestPlatform, options: { webhook_url?: string } = {}): Promise<{ id: string; token: string }> {
  const dep = await newDeployment(tp, { admin_password: STRONG_PASSWORD, ...options });
  return { id: dep.id, token: await login(tp, dep.id) };
}

/** The number's display-name certificate, as WhatsApp Manager would show it. */
export async function certificateOf(tp: TestPlatform, phoneNumberId: string): Promise<string> {
  const { certificate } = await tp.control<{ certificate: string }>('GET', `phone-numbers/${phoneNumberId}/certificate`);
  return certificate;
}

/** The newest code sent to a number. */
export async function latestCode(tp: TestPlatform, phoneNumberId: string): Promise<{ code: string; method: string; consumed_at: number | null }> {
  const { data } = await tp.control<{ data: { code: string; method: string; consumed_at: number | null }[] }>('GET', `code-inbox?phone_number_id=${phoneNumberId}`);
  const [latest] = data;
  if (!latest) throw new Error(`no code sent to ${phoneNumberId}`);
  return latest;
}

export interface NumberRef {
  id: string;
  cc: string;
  phone_number: string;
}

/** `POST /v1/account` + `/v1/account/verify`: the deployment takes the number (asserting 202 then 201). */
export async function registerOnDeployment(tp: TestPlatform, deployment: string, token: string, number: NumberRef, pin?: string): Promise<void> {
  const cert = await certificateOf(tp, number.id);
  const requested = await onprem(tp, deployment, 'POST', 'account', { token, body: { cc: number.cc, phone_number: number.phone_number, method: 'sms', cert, ...(pin !== undefined && { pin }) } });
  expectOnpremOk(requested, 202);
  const { code } = await latestCode(tp, number.id);
  expectOnpremOk(await onprem(tp, deployment, 'POST', 'account/verify', { token, body: { code } }), 201);
}

/** `GET /v1/health`'s gateway_status. */
export async function gatewayStatus(tp: TestPlatform, deployment: string, token: string): Promise<string> {
  const body = expectOnpremOk<{ health: { gateway_status: string } }>(await onprem(tp, deployment, 'GET', 'health', { token }));
  return body.health.gateway_status;
}
