import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestPlatform, World } from './platform.js';

/** The host third-party SDKs hard-code. */
export const GRAPH_HOST = 'https://graph.facebook.com';

export interface RecordedRequest {
  method: string;
  /** The URL after rewriting, i.e. what reached the platform. */
  url: string;
}

export interface GraphFetch {
  fetch: typeof fetch;
  /** Every request the SDK made through this fetch, in order. */
  readonly requests: RecordedRequest[];
}

/**
 * A `fetch` for SDKs whose Graph URLs are hard-coded: `https://graph.facebook.com/...` goes to the
 * platform's base URL instead, URLs already on the platform (e.g. media download URLs) pass through,
 * and anything else is refused, so a request can never leave the machine unnoticed.
 */
export function graphFetch(base: string): GraphFetch {
  const requests: RecordedRequest[] = [];
  const target = base.replace(/\/$/, '');
  const rewrite = (url: string): string => {
    if (url.startsWith(`${GRAPH_HOST}/`)) return `${target}${url.slice(GRAPH_HOST.length)}`;
    if (url.startsWith(`${target}/`)) return url;
    throw new Error(`SDK request to an unexpected host: ${url}`);
  };
  const wrapped: typeof fetch = async (input, init) => {
    if (input instanceof Request) {
      const url = rewrite(input.url);
      requests.push({ method: input.method, url });
      return fetch(new Request(url, input), init);
    }
    const url = rewrite(input instanceof URL ? input.href : input);
    requests.push({ method: (init?.method ?? 'GET').toUpperCase(), url });
    return fetch(url, init);
  };
  return { fetch: wrapped, requests };
}

/** Reads a request body as UTF-8 text, exactly as it arrived. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Node's header object flattened to the `Record<string, string>` SDK webhook helpers take. */
export function headerRecord(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export interface EndpointReply {
  status: number;
  body?: string;
}

export interface EndpointHit {
  method: string;
  status: number;
  error?: unknown;
}

/**
 * A partner's webhook endpoint on a loopback port whose every request is answered by SDK code
 * (`handle`). The platform's real handshake GETs and signed event POSTs land here.
 */
export class SdkWebhookEndpoint {
  readonly hits: EndpointHit[] = [];
  private server: Server | undefined;

  constructor(private readonly handle: (req: IncomingMessage) => Promise<EndpointReply>) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req)
        .catch((error: unknown): EndpointReply & { error: unknown } => ({ status: 500, error }))
        .then((reply) => {
          this.hits.push({ method: req.method ?? '', status: reply.status, ...('error' in reply && { error: reply.error }) });
          res.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.body ?? '');
        });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}/webhook`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Polls until `predicate` holds; the failure names what was awaited. */
export async function waitUntil(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Points the world's app callback at `url` (the platform runs the hub handshake against it). */
export async function setAppCallback(tp: TestPlatform, world: World, url: string, verifyToken: string, fields: string[] = ['messages']): Promise<void> {
  await tp.control('PATCH', `apps/${world.appId}`, { callback_url: url, verify_token: verifyToken, subscribed_fields: fields });
}

/**
 * Creates a UTILITY template through the Graph API (non-promotional text, so the platform's review
 * approves it at once) and checks that it came back APPROVED.
 */
export async function createApprovedTemplate(tp: TestPlatform, world: World, name: string, body = 'Your order {{1}} has shipped.'): Promise<{ id: string; status: string; category: string }> {
  const res = await tp.graph<{ id: string; status: string; category: string }>('POST', `${world.wabaId}/message_templates`, world.token, {
    name,
    category: 'UTILITY',
    language: 'en_US',
    components: [{ type: 'BODY', text: body, example: { body_text: [['A-1001']] } }],
  });
  if (res.status !== 200 || res.body.status !== 'APPROVED') throw new Error(`template ${name} not created as APPROVED: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
