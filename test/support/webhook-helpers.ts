import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { verifySignature } from '../../src/platform/webhooks/signature.js';
import type { HttpResult, TestPlatform } from './platform.js';

/**
 * Helpers for the webhook and control API tests. `HookReceiver` is a webhook endpoint that, unlike
 * test/support/receiver.ts, records every request (handshakes and failed POSTs too), can hold its
 * answers (so events pile up and get batched) and can be stopped and restarted on the same port.
 */

export interface Hit {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  raw: string;
  /** Parsed JSON body of a POST; undefined for GETs. */
  body: unknown;
  /** Status this receiver answered with. */
  answered: number;
  validSignature: boolean;
  at: number;
}

export interface Envelope {
  object: string;
  entry: { id: string; time?: number; changes: { field: string; value: Record<string, unknown> }[] }[];
}

export class HookReceiver {
  readonly hits: Hit[] = [];
  /** Status POSTs are answered with. */
  status = 200;
  /** Extra latency before answering each POST, in ms (may be random). */
  delay: () => number = () => 0;
  appSecret = '';
  private server: Server | undefined;
  private listeningPort = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  private waiters: (() => void)[] = [];

  constructor(readonly verifyToken = 'hook-verify-token') {}

  /** Listens on `port` (0 = any free port; pass the old port to come back at the same URL). */
  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.answer(req.method ?? 'GET', url, req.headers, Buffer.concat(chunks).toString('utf8'), (status, text) => {
          res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.listeningPort = (server.address() as AddressInfo).port;
    return this;
  }

  private async answer(method: string, url: URL, headers: IncomingHttpHeaders, raw: string, send: (status: number, text: string) => void): Promise<void> {
    if (method === 'GET') {
      const ok = url.searchParams.get('hub.mode') === 'subscribe' && url.searchParams.get('hub.verify_token') === this.verifyToken;
      this.record({ method, url, headers, raw, body: undefined, answered: ok ? 200 : 403, validSignature: false, at: Date.now() });
      send(ok ? 200 : 403, ok ? (url.searchParams.get('hub.challenge') ?? '') : 'forbidden');
      return;
    }
    const hit: Hit = { method, url, headers, raw, body: safeJson(raw), answered: 0, validSignature: verifySignature(raw, headers['x-hub-signature-256'] as string | undefined, this.appSecret), at: Date.now() };
    // A POST is "seen" as soon as it arrives (waitFor can observe a held request), answered later.
    this.record(hit);
    if (this.gate) await this.gate;
    const ms = this.delay();
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    hit.answered = this.status;
    send(this.status, this.status >= 200 && this.status < 300 ? 'EVENT_RECEIVED' : 'nope');
    this.notify();
  }

  private record(hit: Hit): void {
    this.hits.push(hit);
    this.notify();
  }

  private notify(): void {
    this.waiters.splice(0).forEach((w) => w());
  }

  /** From now on POSTs wait for `release()` before they are answered. */
  hold(): void {
    if (this.gate) return;
    this.gate = new Promise<void>((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
    this.openGate = undefined;
  }

  get port(): number {
    return this.listeningPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.listeningPort}/hook`;
  }

  posts(): Hit[] {
    return this.hits.filter((h) => h.method === 'POST');
  }

  /** POSTs answered with 2xx: what the app actually accepted. */
  accepted(): Hit[] {
    return this.posts().filter((h) => h.answered >= 200 && h.answered < 300);
  }

  handshakes(): Hit[] {
    return this.hits.filter((h) => h.method === 'GET');
  }

  /** Change values of one field in accepted POSTs, in arrival order. */
  changes(field = 'messages'): Record<string, unknown>[] {
    return this.accepted().flatMap((h) => (h.body as Envelope).entry.flatMap((e) => e.changes.filter((c) => c.field === field).map((c) => c.value)));
  }

  /** Inbound message objects in accepted POSTs, in arrival order. */
  inboundMessages(): Record<string, unknown>[] {
    return this.changes('messages').flatMap((v) => (v['messages'] as Record<string, unknown>[] | undefined) ?? []);
  }

  /** Text bodies of accepted inbound messages, in arrival order. */
  inboundTexts(): string[] {
    return this.inboundMessages().map((m) => (m['text'] as { body: string } | undefined)?.body ?? `<${String(m['type'])}>`);
  }

  async waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`hook receiver: ${what} not met within ${timeoutMs} ms (${this.hits.length} requests seen)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    this.release();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** Polls `check` until it returns a value that is not undefined/false. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A row of GET /_switchboard/webhook-deliveries. */
export interface DeliveryEvent {
  id: number;
  app_id: string;
  waba_id: string;
  phone_number_id: string | null;
  format: string;
  field: string;
  value: Record<string, unknown>;
  target_url: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface DeliveryAttempt {
  id: number;
  app_id: string;
  event_ids: string;
  url: string;
  payload: string;
  signature: string;
  started_at: number;
  duration_ms: number;
  http_status: number | null;
  error: string | null;
  response_snippet: string | null;
}

export async function deliveries(tp: TestPlatform, query = ''): Promise<DeliveryEvent[]> {
  return (await tp.control<{ data: DeliveryEvent[] }>('GET', `webhook-deliveries${query ? `?${query}` : ''}`)).data;
}

/**
 * GET /_switchboard/webhook-deliveries/{id}: the event with its attempt log. The log is named
 * `attempts` and replaces the event's retry counter of the list view.
 */
export type DeliveryDetail = Omit<DeliveryEvent, 'attempts'> & { attempts: DeliveryAttempt[] };

export function delivery(tp: TestPlatform, id: number): Promise<DeliveryDetail> {
  return tp.control('GET', `webhook-deliveries/${id}`);
}

/** The outbox event of an inbound message, found by its wamid. */
export async function eventOfMessage(tp: TestPlatform, messageId: string): Promise<DeliveryEvent> {
  return eventually(async () => (await deliveries(tp, 'field=messages&limit=500')).find((e) => JSON.stringify(e.value).includes(messageId)), 5000, `outbox event of ${messageId}`);
}

/** Raw control call that does not throw on errors. */
export function controlRaw<T = Record<string, unknown>>(tp: TestPlatform, method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
  return tp.request<T>(method, `/_switchboard/${path.replace(/^\//, '')}`, { body: body ?? (method === 'GET' ? undefined : {}) });
}

export interface GraphErrorShape {
  message: string;
  type: string;
  code: number;
  error_subcode?: number;
  error_data?: { messaging_product: string; details: string };
  fbtrace_id: string;
}

/**
 * Asserts Graph's error envelope: the HTTP status, `{error:{message,type,code,fbtrace_id,...}}` and
 * nothing else at the top level; returns the error object.
 */
export function expectError(res: HttpResult<unknown>, status: number, code: number, type: 'OAuthException' | 'GraphMethodException', message?: string | RegExp): GraphErrorShape {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  const body = res.body as { error: GraphErrorShape };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ type, code });
  expect(body.error.fbtrace_id).toMatch(/^[A-Za-z0-9_-]{10,}$/);
  if (message instanceof RegExp) expect(body.error.message).toMatch(message);
  else if (message !== undefined) expect(body.error.message).toBe(message);
  return body.error;
}

/** The 404 of the control API for an unknown resource. */
export function expectNotFound(res: HttpResult<unknown>, what: string, id: string): void {
  const err = expectError(res, 404, 100, 'GraphMethodException', `(#100) Unknown ${what}: ${id}`);
  expect(err).not.toHaveProperty('error_data');
}

/** A 400 "(#100) Invalid parameter" whose details match `details`. */
export function expectInvalid(res: HttpResult<unknown>, details: RegExp): void {
  const err = expectError(res, 400, 100, 'OAuthException', '(#100) Invalid parameter');
  expect(err.error_data?.messaging_product).toBe('whatsapp');
  expect(err.error_data?.details).toMatch(details);
}

/** A 400 "(#100) The parameter X is required." */
export function expectRequired(res: HttpResult<unknown>, name: string): void {
  expectError(res, 400, 100, 'OAuthException', `(#100) The parameter ${name} is required.`);
}

let phoneSeq = 0;

/** A US number nobody else in this process uses. */
export function uniquePhone(prefix = '556'): string {
  phoneSeq += 1;
  return `${prefix}${String(process.pid % 1000).padStart(3, '0')}${String(phoneSeq).padStart(4, '0')}`;
}

let waSeq = 0;

/** A consumer wa_id nobody else in this process uses. */
export function uniqueWaId(): string {
  waSeq += 1;
  return `4478${String(process.pid % 1000).padStart(3, '0')}${String(waSeq).padStart(5, '0')}`;
}
