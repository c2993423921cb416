/** Same-origin JSON calls: the console is served by the platform it drives. */

export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The parsed answer (the control plane's 422 carries a plan's issues here). */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** The Graph envelope's message (control, Graph and On-Prem errors all carry one somewhere). */
function errorMessage(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as { error?: string | { message?: string; error_data?: { details?: string } }; errors?: { title?: string; details?: string }[]; valid?: false };
    // The control plane answers `{error: "..."}`, and 422 `{valid: false, issues}` for a plan.
    if (typeof b.error === 'string') return b.error;
    if (b.valid === false) return 'the plan is invalid';
    if (b.error?.message) return [b.error.message, b.error.error_data?.details].filter(Boolean).join(': ');
    const onprem = b.errors?.[0];
    if (onprem) return [onprem.title, onprem.details].filter(Boolean).join(': ');
  }
  return `HTTP ${status}`;
}

/** JSON when it is JSON (every API here answers JSON; a proxy or crash page may not). */
function parseBody(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : {};
  } catch {
    return text;
  }
}

export async function callJson<T>(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  const body = parseBody(text);
  if (!res.ok) throw new ApiCallError(res.status, errorMessage(res.status, body), body);
  return body as T;
}

export const CONTROL = '/_switchboard';

const TOKEN_KEY = 'switchboard-control-token';

/**
 * A platform started with `--control-token` is driven by opening `/console/#control-token=<token>`:
 * the token is read from the fragment (never sent to the server in a URL), kept for this tab only
 * and removed from the address bar.
 */
function controlToken(): string | undefined {
  const m = /(?:^#|&)control-token=([^&]+)/.exec(window.location.hash);
  if (m?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** The headers every control-API request carries (the control token, when there is one). */
export function controlHeaders(): Record<string, string> {
  const token = controlToken();
  return token ? { 'x-switchboard-token': token } : {};
}

/** A control-API call: `control('GET', 'state')`. */
export const control = <T>(method: string, path: string, body?: unknown): Promise<T> =>
  callJson<T>(method, `${CONTROL}/${path}`, { headers: controlHeaders(), ...(method !== 'GET' && { body: body ?? {} }) });

/** Any version the platform serves works; the console uses the one the README prints. */
export const GRAPH_VERSION = 'v23.0';

/** A Graph call with a Bearer token. */
export const graph = <T>(method: string, path: string, token: string, body?: unknown): Promise<T> =>
  callJson<T>(method, `/${GRAPH_VERSION}/${path}`, { headers: { authorization: `Bearer ${token}` }, ...(body !== undefined && { body }) });
