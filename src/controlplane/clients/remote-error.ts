/**
 * A failed remote call, whatever the API: Graph (`{error:{code,error_subcode,message}}`), On-Prem
 * (`{errors:[{code,title,details}]}`), or the transport (timeout, refused connection). `transient`
 * is decided in one place, `isTransient`, so retries behave the same everywhere.
 */
export class RemoteError extends Error {
  readonly transient: boolean;

  constructor(
    readonly api: 'graph' | 'onprem' | 'rehearsal' | 'transport',
    /** 0 when no HTTP answer arrived. */
    readonly httpStatus: number,
    readonly code: number | undefined,
    readonly subcode: number | undefined,
    message: string,
    /** The request, e.g. `POST /123/register`, for reports. */
    readonly call: string,
  ) {
    super(message);
    this.name = 'RemoteError';
    this.transient = isTransient(api, httpStatus, code);
  }

  /** Short text for reports: `graph 400 #133005/—: message (POST /1/register)`. */
  describe(): string {
    const code = this.code === undefined ? '' : ` #${this.code}${this.subcode === undefined ? '' : `/${this.subcode}`}`;
    return `${this.api} ${this.httpStatus || 'no answer'}${code}: ${this.message} (${this.call})`;
  }
}

/**
 * Graph codes Meta documents as temporary: 1 API unknown, 2 service down/overloaded, 4 app rate limit,
 * 17 user rate limit, 341 app limit, 80007/80008 WABA rate limits, 130429 throughput, 131000 something
 * went wrong, 131016 service unavailable, 131057 maintenance, 133004 server temporarily unavailable.
 */
const TRANSIENT_GRAPH_CODES: ReadonlySet<number> = new Set([1, 2, 4, 17, 341, 80007, 80008, 130429, 131000, 131016, 131057, 133004]);
/** On-Prem: 1011 service not ready is *not* here — it is what a disconnected (migrated) deployment answers. */
const TRANSIENT_ONPREM_CODES: ReadonlySet<number> = new Set([1014, 1015, 1016, 1017, 1018, 1023]);

export function isTransient(api: RemoteError['api'], httpStatus: number, code: number | undefined): boolean {
  if (api === 'transport' || httpStatus === 0) return true;
  if (api === 'graph' && code !== undefined && TRANSIENT_GRAPH_CODES.has(code)) return true;
  if (api === 'onprem' && code !== undefined && TRANSIENT_ONPREM_CODES.has(code)) return true;
  if (httpStatus === 429 || httpStatus === 408) return true;
  // A 5xx that carries a known permanent code (e.g. Graph 131045 bad certificate, On-Prem 1011) is
  // permanent; a bare 5xx (proxy, load balancer) is not the API's verdict and is retried.
  return httpStatus >= 500 && code === undefined;
}

/** Graph's error envelope → RemoteError (anything unparseable keeps the HTTP status and a body excerpt). */
export function graphError(httpStatus: number, body: unknown, call: string): RemoteError {
  const err = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; error_subcode?: unknown; message?: unknown; error_data?: { details?: unknown } };
    const details = typeof e.error_data?.details === 'string' ? ` — ${e.error_data.details}` : '';
    return new RemoteError('graph', httpStatus, numberOrUndefined(e.code), numberOrUndefined(e.error_subcode), `${String(e.message ?? 'error')}${details}`, call);
  }
  return new RemoteError('graph', httpStatus, undefined, undefined, excerpt(body), call);
}

/** On-Prem's `{errors:[{code,title,details}]}` → RemoteError. */
export function onpremError(httpStatus: number, body: unknown, call: string): RemoteError {
  const list = typeof body === 'object' && body !== null ? (body as { errors?: unknown }).errors : undefined;
  const first = Array.isArray(list) ? (list[0] as { code?: unknown; title?: unknown; details?: unknown } | undefined) : undefined;
  if (first) {
    const details = typeof first.details === 'string' ? ` — ${first.details}` : '';
    return new RemoteError('onprem', httpStatus, numberOrUndefined(first.code), undefined, `${String(first.title ?? 'error')}${details}`, call);
  }
  return new RemoteError('onprem', httpStatus, undefined, undefined, excerpt(body), call);
}

const numberOrUndefined = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const excerpt = (body: unknown): string => (typeof body === 'string' ? body : JSON.stringify(body) ?? '').slice(0, 200) || 'empty response';
