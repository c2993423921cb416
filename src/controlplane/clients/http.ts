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
 * One HTTP exchange with a deadline. Timeouts and network failures become transient RemoteErrors
 * (the caller cannot know whether the request took effect — steps observe before repeating).
 */
export async function httpJson(req: HttpRequest): Promise<HttpAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  if (req.json !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  let text: string;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers,
      ...(req.json !== undefined && { body: JSON.stringify(req.json) }),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    const reason = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') ? `no answer within ${req.timeoutMs} ms` : describeNetworkError(err);
    throw new RemoteError('transport', 0, undefined, undefined, reason, req.call);
  }
  return { status: res.status, body: parseBody(text) };
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
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
  return cause ?? (err instanceof Error ? err.message : String(err));
}

export const joinUrl = (base: string, path: string): string => `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
