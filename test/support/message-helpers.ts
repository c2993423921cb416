import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { WebhookReceiver } from './receiver.js';
import { GRAPH_VERSION, graphError, type HttpResult, type TestPlatform, type World } from './platform.js';

/** Small helpers shared by the HTTP tests of messages, media, templates and subscribed apps. */

let consumerSeq = 0;

/** A consumer wa_id no other test in this process uses (consumers are platform-wide). */
export function uniqueConsumer(): string {
  consumerSeq += 1;
  return `4477${String(process.pid % 1000).padStart(3, '0')}${String(consumerSeq).padStart(5, '0')}`;
}

export interface ExpectedError {
  status: number;
  code: number;
  subcode?: number;
  type?: 'OAuthException' | 'GraphMethodException';
  /** Exact `message`, or a pattern it must match. */
  message?: string | RegExp;
  /** Pattern `error_data.details` must match. */
  details?: RegExp;
}

export type GraphErrorObject = ReturnType<typeof graphError> & { error_user_title?: string; error_user_msg?: string; error_data?: { messaging_product?: string; details: string } };

/**
 * Asserts Graph's error envelope exactly: HTTP status, `{error:{message,type,code,fbtrace_id}}`,
 * the subcode when expected (and its absence otherwise), and returns the error object.
 */
export function expectGraphError(res: HttpResult<unknown>, want: ExpectedError): GraphErrorObject {
  const err = graphError(res as HttpResult) as GraphErrorObject;
  expect({ status: res.status, code: err.code, subcode: err.error_subcode, type: err.type }).toEqual({
    status: want.status,
    code: want.code,
    subcode: want.subcode,
    type: want.type ?? 'OAuthException',
  });
  expect(typeof err.message).toBe('string');
  expect(err.message.length).toBeGreaterThan(0);
  expect(err.fbtrace_id).toMatch(/^[A-Za-z0-9_-]{10,}$/);
  if (want.message instanceof RegExp) expect(err.message).toMatch(want.message);
  else if (want.message !== undefined) expect(err.message).toBe(want.message);
  if (want.details) {
    expect(err.error_data?.messaging_product).toBe('whatsapp');
    expect(err.error_data?.details).toMatch(want.details);
  }
  // Only the documented keys appear in the envelope.
  const allowed = ['message', 'type', 'code', 'error_subcode', 'error_user_title', 'error_user_msg', 'error_data', 'fbtrace_id', 'is_transient'];
  expect(Object.keys(err).filter((k) => !allowed.includes(k))).toEqual([]);
  return err;
}

export interface UploadOptions {
  data: Uint8Array | string;
  mime: string;
  filename?: string;
  /** Defaults to 'whatsapp'; null leaves the field out. */
  messagingProduct?: string | null;
  /** The optional `type` form field. */
  type?: string;
  /** false leaves the file part out. */
  withFile?: boolean;
  token?: string | null;
}

/** `POST /{PHONE_NUMBER_ID}/media` as multipart/form-data, with the platform's global fetch/FormData. */
export async function uploadMedia(tp: TestPlatform, token: string, numberId: string, o: UploadOptions): Promise<HttpResult<{ id: string }>> {
  const form = new FormData();
  if (o.messagingProduct !== null) form.append('messaging_product', o.messagingProduct ?? 'whatsapp');
  if (o.type !== undefined) form.append('type', o.type);
  if (o.withFile !== false) form.append('file', new Blob([o.data], { type: o.mime }), o.filename ?? 'upload.bin');
  const headers: Record<string, string> = {};
  const bearer = o.token === undefined ? token : o.token;
  if (bearer) headers['authorization'] = `Bearer ${bearer}`;
  const res = await fetch(`${tp.base}/${GRAPH_VERSION}/${numberId}/media`, { method: 'POST', headers, body: form });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep text */
  }
  return { status: res.status, body: body as { id: string }, headers: res.headers };
}

/** Bytes of `n` length with a recognisable pattern. */
export function bytes(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

export interface StatusObject {
  id: string;
  status: string;
  timestamp: string;
  recipient_id: string;
  biz_opaque_callback_data?: string;
  pricing?: { billable: boolean; pricing_model: string; type: string; category: string };
  errors?: { code: number; title: string; message: string; error_data: { details: string }; href: string }[];
}

/** Full status objects for one message id, in arrival order. */
export function statusObjects(receiver: WebhookReceiver, messageId: string): StatusObject[] {
  return receiver
    .changes()
    .flatMap((v) => (v['statuses'] as StatusObject[] | undefined) ?? [])
    .filter((s) => s.id === messageId);
}

/** Sends a message body to `POST /{numberId}/messages`. */
export function postMessage<T = Record<string, unknown>>(tp: TestPlatform, token: string, numberId: string, body: unknown): Promise<HttpResult<T>> {
  return tp.graph<T>('POST', `${numberId}/messages`, token, body);
}

export interface SendResponseBody {
  messaging_product: string;
  contacts: { input: string; wa_id: string }[];
  messages: { id: string }[];
}

/** A template in the world's WABA via the real Graph edge; returns its id after asserting 200. */
export async function createTemplate(tp: TestPlatform, world: World, body: Record<string, unknown>, wabaId = world.wabaId): Promise<{ id: string; status: string; category: string }> {
  const res = await tp.graph<{ id: string; status: string; category: string }>('POST', `${wabaId}/message_templates`, world.token, body);
  if (res.status !== 200) throw new Error(`template create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A minimal valid template body with `params` positional body placeholders. */
export function templateBody(name: string, options: { language?: string; category?: string; params?: number; text?: string } = {}): Record<string, unknown> {
  const params = options.params ?? 0;
  const placeholders = Array.from({ length: params }, (_, i) => `{{${i + 1}}}`).join(' and ');
  return {
    name,
    language: options.language ?? 'en_US',
    category: options.category ?? 'UTILITY',
    components: [{ type: 'BODY', text: options.text ?? `Your order ${placeholders || 'is'} ready.` }],
  };
}

/** Template name unique within the process. */
let templateSeq = 0;
export function uniqueName(prefix = 'tpl'): string {
  templateSeq += 1;
  return `${prefix}_${process.pid}_${templateSeq}`;
}

/**
 * A callback endpoint that answers (or refuses) Meta's hub.challenge handshake and records every
 * GET it gets, so tests can see the handshake happen.
 */
export class HandshakeSpy {
  readonly gets: URLSearchParams[] = [];
  private server: Server | undefined;

  constructor(readonly verifyToken: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET') {
        this.gets.push(url.searchParams);
        const ok = url.searchParams.get('hub.mode') === 'subscribe' && url.searchParams.get('hub.verify_token') === this.verifyToken;
        res.writeHead(ok ? 200 : 403, { 'content-type': 'text/plain' }).end(ok ? (url.searchParams.get('hub.challenge') ?? '') : 'forbidden');
        return;
      }
      req.resume();
      req.on('end', () => res.writeHead(200).end('EVENT_RECEIVED'));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Waits a little for any stray webhook, after flushing the outbox (to assert that nothing arrives). */
export async function settle(tp: TestPlatform, ms = 150): Promise<void> {
  await tp.flushWebhooks();
  await new Promise((r) => setTimeout(r, ms));
  await tp.flushWebhooks();
}
