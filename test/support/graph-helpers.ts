import { expect } from 'vitest';
import { GRAPH_VERSION, type HttpResult, type TestPlatform, type World } from './platform.js';

/** The `error` object of Graph's envelope, as the tests read it. */
export interface GraphErrorObject {
  message: string;
  type: string;
  code: number;
  error_subcode?: number;
  error_user_title?: string;
  error_user_msg?: string;
  error_data?: { messaging_product: string; details: string };
  fbtrace_id: string;
}

export interface ExpectedGraphError {
  status: number;
  code: number;
  /** `null` asserts that no `error_subcode` is present. */
  subcode?: number | null;
  type?: 'OAuthException' | 'GraphMethodException';
  /** Exact string, or a pattern. */
  message?: string | RegExp;
  /** Pattern or exact text of `error_data.details`. */
  details?: string | RegExp;
}

/**
 * Asserts the HTTP status and Graph's error envelope — `{error:{message,type,code,fbtrace_id,...}}` and
 * nothing else at the top level — then the code, subcode, type, message and details asked for.
 */
export function expectGraphError(res: HttpResult<unknown>, expected: ExpectedGraphError): GraphErrorObject {
  const context = `${res.status} ${JSON.stringify(res.body)}`;
  expect(res.status, context).toBe(expected.status);
  expect(res.headers.get('content-type') ?? '', context).toMatch(/^application\/json/);
  const body = res.body as Record<string, unknown>;
  expect(typeof body, context).toBe('object');
  expect(Object.keys(body), context).toEqual(['error']);
  const err = body['error'] as GraphErrorObject;
  expect(typeof err.message, context).toBe('string');
  expect(err.message.length, context).toBeGreaterThan(0);
  expect(['OAuthException', 'GraphMethodException'], context).toContain(err.type);
  expect(Number.isInteger(err.code), context).toBe(true);
  expect(typeof err.fbtrace_id, context).toBe('string');
  expect(err.fbtrace_id.length, context).toBeGreaterThan(0);
  const allowed = ['message', 'type', 'code', 'error_subcode', 'error_user_title', 'error_user_msg', 'error_data', 'fbtrace_id', 'is_transient'];
  for (const k of Object.keys(err)) expect(allowed, `unexpected key ${k} in ${context}`).toContain(k);
  if (err.error_data !== undefined) {
    expect(err.error_data.messaging_product, context).toBe('whatsapp');
    expect(typeof err.error_data.details, context).toBe('string');
  }

  expect(err.code, context).toBe(expected.code);
  if (expected.subcode === null) expect(err.error_subcode, context).toBeUndefined();
  else if (expected.subcode !== undefined) expect(err.error_subcode, context).toBe(expected.subcode);
  if (expected.type) expect(err.type, context).toBe(expected.type);
  if (typeof expected.message === 'string') expect(err.message, context).toBe(expected.message);
  else if (expected.message) expect(err.message, context).toMatch(expected.message);
  if (typeof expected.details === 'string') expect(err.error_data?.details, context).toBe(expected.details);
  else if (expected.details) expect(err.error_data?.details ?? '', context).toMatch(expected.details);
  return err;
}

/** Graph's unknown-object wording for `id` and an HTTP method. */
export const unsupportedRequestMessage = (method: string, id: string): string =>
  `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`;

/** Asserts the "(#100) subcode 33, GraphMethodException" answer for an unknown or out-of-scope object. */
export function expectUnsupportedRequest(res: HttpResult<unknown>, method: string, id: string): GraphErrorObject {
  return expectGraphError(res, { status: 400, code: 100, subcode: 33, type: 'GraphMethodException', message: unsupportedRequestMessage(method, id) });
}

/** Asserts `{"success": true}` with HTTP 200. */
export function expectSuccess(res: HttpResult<unknown>): void {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body).toEqual({ success: true });
}

/** A system-user token minted through the control API. */
export async function createToken(
  tp: TestPlatform,
  options: { app_id?: string | null; business_ids?: string[]; waba_ids?: string[]; permissions?: string[]; expires_in_seconds?: number },
): Promise<string> {
  const { access_token } = await tp.control<{ access_token: string }>('POST', 'tokens', options);
  return access_token;
}

/** Moves the emulator's clock forward. */
export async function advanceClock(tp: TestPlatform, seconds: number): Promise<void> {
  await tp.control('POST', 'clock/advance', { seconds });
}

export interface InboxCode {
  id: number;
  phone_number_id: string;
  code: string;
  method: string;
  language: string;
  text: string;
  sent_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** Codes "sent" by SMS/voice to one number, newest first. */
export async function codeInbox(tp: TestPlatform, phoneNumberId: string): Promise<InboxCode[]> {
  const { data } = await tp.control<{ data: InboxCode[] }>('GET', `code-inbox?phone_number_id=${phoneNumberId}`);
  return data;
}

/** Emulator view of a number (the database row without its PIN hash). */
export function numberState(tp: TestPlatform, phoneNumberId: string): Promise<Record<string, unknown>> {
  return tp.control('GET', `phone-numbers/${phoneNumberId}`);
}

/** A Graph call with a form-urlencoded body. */
export function graphForm<T = Record<string, unknown>>(tp: TestPlatform, method: string, path: string, form: Record<string, string>, token?: string): Promise<HttpResult<T>> {
  return tp.request<T>(method, `/${GRAPH_VERSION}/${path.replace(/^\//, '')}`, {
    ...(token !== undefined && { token }),
    body: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

/** Stops everything a world started. */
export async function stopWorlds(...worlds: (World | undefined)[]): Promise<void> {
  for (const w of worlds) await w?.receiver.stop();
}
