import { Agent, type Dispatcher } from 'undici';
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
 * One keep-alive agent (undici) for every origin: a run makes about seven calls per number, mostly to
 * one host, and undici's dispatcher costs about half the CPU of node's http client per call (measured:
 * ~70 vs ~150 µs) — `fetch` costs more than either (web streams, abort signals). Idle sockets close
 * after 4 s, before the usual 5 s server keep-alive timeout, so a request rarely lands on a socket the
 * server is closing (if it does, the error is transient and retried).
 */
const agent = new Agent({ connections: 128, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 4_000 });

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

/** undici's callback interface directly: no body stream and no AbortSignal per call (a timer aborts). */
function exchange(url: URL, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<{ status: number; text: string }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new Error(`unsupported URL scheme ${url.protocol}`));
  return new Promise((resolve, reject) => {
    let abort: ((err?: Error) => void) | undefined;
    let settled = false;
    const settle = (err: unknown, answer?: { status: number; text: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (answer) resolve(answer);
      else reject(err);
    };
    // Whatever goes wrong after the deadline passed is reported as the deadline.
    const deadline = setTimeout(() => {
      settle(new DeadlineError());
      abort?.(new DeadlineError());
    }, timeoutMs);
    let status = 0;
    const chunks: Buffer[] = [];
    agent.dispatch(
      { origin: url.origin, path: `${url.pathname}${url.search}`, method: method as Dispatcher.HttpMethod, headers, body },
      {
        onConnect(abortRequest) {
          abort = abortRequest;
          // Still waiting for a socket when the deadline passed.
          if (settled) abortRequest(new DeadlineError());
        },
        onHeaders(statusCode) {
          status = statusCode;
          return true;
        },
        onData(chunk) {
          chunks.push(chunk);
          return true;
        },
        onComplete() {
          settle(undefined, { status, text: Buffer.concat(chunks).toString('utf8') });
        },
        onError(err) {
          settle(err);
        },
      },
    );
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
