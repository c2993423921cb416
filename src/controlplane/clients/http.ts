import http from 'node:http';
import https from 'node:https';
import { RemoteError } from './remote-error.js';

export interface HttpAnswer {
  status: number;
  body: unknown;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  timeoutMs: number;
  /** Names the call in errors (`POST /123/register`), never the URL's secrets. */
  call: string;
}

/**
 * Keep-alive agents: a run makes about ten calls per number, mostly to one host; node's own client
 * over reused sockets costs a fraction of `fetch`'s CPU per call (no web streams, no abort signals).
 * Idle sockets close after 4 s, before the usual 5 s server keep-alive timeout, so a request rarely
 * lands on a socket the server is closing (if it does, the error is transient and retried).
 */
const AGENT = { keepAlive: true, maxSockets: 128, scheduling: 'lifo', timeout: 4_000 } as const;
const agents = { 'http:': new http.Agent(AGENT), 'https:': new https.Agent(AGENT) };

/**
 * One HTTP exchange with a deadline for the whole of it (connect, answer, body). Timeouts and network
 * failures become transient RemoteErrors (the caller cannot know whether the request took effect —
 * steps observe before repeating).
 */
export async function httpJson(req: HttpRequest): Promise<HttpAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  const body = req.json === undefined ? undefined : JSON.stringify(req.json);
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  try {
    const { status, text } = await exchange(new URL(req.url), req.method, headers, body, req.timeoutMs);
    return { status, body: parseBody(text) };
  } catch (err) {
    const reason = err instanceof DeadlineError ? `no answer within ${req.timeoutMs} ms` : describeNetworkError(err);
    throw new RemoteError('transport', 0, undefined, undefined, reason, req.call);
  }
}

class DeadlineError extends Error {}

function exchange(url: URL, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<{ status: number; text: string }> {
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) return Promise.reject(new Error(`unsupported URL scheme ${url.protocol}`));
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      request.destroy(new DeadlineError());
    }, timeoutMs);
    // Whatever goes wrong after the deadline passed is reported as the deadline.
    const fail = (err: unknown): void => {
      clearTimeout(deadline);
      reject(timedOut ? new DeadlineError() : err);
    };
    const request = client.request(url, { method, headers, agent: agents[url.protocol as keyof typeof agents] }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('close', () => {
        // A connection cut mid-body closes without completing the message.
        if (!res.complete) return fail(new Error('connection closed before the answer was complete'));
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.on('error', fail);
    request.end(body);
  });
}

function parseBody(text: string): unknown {
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function describeNetworkError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

export const joinUrl = (base: string, path: string): string => `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
