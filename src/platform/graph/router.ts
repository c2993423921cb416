import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errors } from '../../core/errors.js';
import { unwrap } from '../../core/result.js';
import type { Clock } from '../../core/clock.js';
import { LruCache } from '../../core/lru.js';
import type { Executor, Store } from '../../store/database.js';
import type { AccessTokenRow, GraphNodeKind } from '../../store/schema.js';
import { nodeKind } from '../accounts/repo.js';
import { mayCallEdge } from '../auth/access.js';
import { callerFromToken, extractToken, findToken, requirePermission, type Caller } from '../auth/tokens.js';
import { findSendingNumber } from '../phone-numbers/repo.js';
import type { RuntimeSettings } from '../settings.js';
import { isQuotaCall, usageHeader, WabaQuota } from './rate-limit.js';
import { mergeParams } from './params.js';
import type { GraphCall, GraphMethod, GraphRoute, UploadedFile } from './route.js';

const VERSION = /^v\d{1,3}\.\d{1,2}$/;

export interface GraphRouterOptions {
  store: Store;
  clock: Clock;
  routes: readonly GraphRoute[];
  maxUploadBytes: number;
  /** Version assumed for unversioned paths, as graph.facebook.com does. */
  defaultVersion: string;
  /** Read on every call: the control API can switch quotas on and off at run time. */
  settings: Pick<RuntimeSettings, 'graphRateLimits'>;
}

/**
 * Mounts `/{version}/{id}` and `/{version}/{id}/{edge}`: checks the version, authenticates, resolves
 * the node, checks scope and permission, then calls the edge handler. Every failure is an ApiError,
 * rendered by the app's single error handler.
 */
export function mountGraphRouter(app: FastifyInstance, options: GraphRouterOptions): { clearCaches(): void } {
  const table = new Map<string, GraphRoute>();
  // Hot-path caches. Token rows never change once issued (expiry is still checked on every call
  // against the cached row); a node id never changes kind. Both are cleared on reset.
  const tokens = new LruCache<string, AccessTokenRow | undefined>(10_000, 30_000);
  const kinds = new LruCache<string, GraphNodeKind>(100_000, 10 * 60_000);
  for (const r of options.routes) table.set(key(r.kind, r.method, r.edge), r);

  const quota = new WabaQuota();
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const { version, id, edge } = splitPath(request.params as Record<string, string | undefined>, options.defaultVersion);
    const method = request.method as GraphMethod;

    const { params, files } = await readInput(request, options.maxUploadBytes);
    const token = extractToken(request.headers.authorization, params['access_token']);
    if (!token) throw errors.missingToken();
    delete params['access_token'];

    const db = options.store.db;
    let row = tokens.get(token);
    if (row === undefined) {
      row = await findToken(db, token);
      if (row) tokens.set(token, row);
    }
    const caller = unwrap(callerFromToken(row, options.clock.now()));
    let kind = kinds.get(id);
    if (kind === undefined) {
      kind = await nodeKind(db, id);
      if (kind) kinds.set(id, kind);
    }
    if (!kind || !(await mayCallEdge(db, caller, kind, id, method, edge))) throw errors.unsupportedRequest(method, id);
    const graphRoute = table.get(key(kind, method, edge));
    if (!graphRoute) throw edge ? errors.unknownPath(`/${edge}`) : errors.unsupportedRequest(method, id);
    unwrap(requirePermission(caller, graphRoute.permission));
    if (options.settings.graphRateLimits && isQuotaCall(kind, method, edge)) {
      await countQuotaCall(db, quota, caller, kind, id, options.clock.now(), reply);
    }
    const call: GraphCall = { method, version, nodeId: id, kind, edge, params, files, caller, url: `${request.protocol}://${request.host}${request.url}` };
    return graphRoute.handle(call);
  };

  for (const url of ['/:a', '/:a/:b', '/:a/:b/:c']) {
    app.route({ method: ['GET', 'POST', 'DELETE'], url, handler });
  }
  return {
    clearCaches() {
      tokens.clear();
      kinds.clear();
      quota.clear();
    },
  };
}

/** `/{version}/{id}/{edge}`, `/{version}/{id}`, `/{id}/{edge}` or `/{id}`. */
function splitPath(p: Record<string, string | undefined>, defaultVersion: string): { version: string; id: string; edge: string | null } {
  const segments = [p['a'], p['b'], p['c']].filter((s): s is string => s !== undefined);
  const versioned = VERSION.test(segments[0] ?? '');
  const [version, id, edge] = versioned ? segments : [defaultVersion, ...segments];
  if (segments.length === 3 && !versioned) throw errors.unknownPath(`/${segments[0] ?? ''}`);
  if (!id) throw errors.unknownPath(`/${version ?? ''}`);
  return { version: version ?? defaultVersion, id, edge: edge ?? null };
}

const key = (kind: string, method: string, edge: string | null): string => `${kind} ${method} ${edge ?? ''}`;

const MAX_MULTIPART_FIELDS = 32;

async function readInput(request: FastifyRequest, maxUploadBytes: number): Promise<{ params: Record<string, unknown>; files: UploadedFile[] }> {
  if (!request.isMultipart()) return { params: mergeParams(request.query, request.body), files: [] };
  const fields: Record<string, unknown> = {};
  const files: UploadedFile[] = [];
  let fieldCount = 0;
  try {
    // The field limit is counted here: busboy's own, reached with a file part still to come, ends that
    // file's stream early and surfaces as a bare "Premature close" instead of the limit.
    for await (const part of request.parts({ limits: { fileSize: maxUploadBytes, files: 4, fields: MAX_MULTIPART_FIELDS + 1 } })) {
      if (part.type === 'file') {
        const data = await part.toBuffer();
        files.push({ fieldName: part.fieldname, filename: part.filename, mimeType: part.mimetype, data });
      } else {
        if (++fieldCount > MAX_MULTIPART_FIELDS) throw errors.invalidParameter(`Too many fields in the multipart/form-data body: at most ${MAX_MULTIPART_FIELDS}`);
        fields[part.fieldname] = part.value;
      }
    }
  } catch (err) {
    // Fastify's multipart errors carry a code (mapped in one place); the parser's own (no boundary,
    // truncated data) are plain Errors: the body is malformed, not the server broken.
    if (err instanceof ApiError || (err instanceof Error && 'code' in err)) throw err;
    throw errors.malformedBody(`Malformed multipart/form-data body: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { params: mergeParams(request.query, fields), files };
}

/** Counts a quota call against its WABA (a number's calls count against the number's WABA). */
async function countQuotaCall(db: Executor, quota: WabaQuota, caller: Caller, kind: GraphNodeKind, id: string, now: number, reply: FastifyReply): Promise<void> {
  const wabaId = kind === 'waba' ? id : (await findSendingNumber(db, id))?.waba_id;
  if (!wabaId) return;
  const active = await db.selectFrom('phone_numbers').select('id').where('waba_id', '=', wabaId).where('api', '!=', 'none').limit(1).executeTakeFirst();
  const { usage, error } = quota.hit(caller.appId ?? `token:${caller.tokenId}`, wabaId, active !== undefined, now);
  reply.header('x-business-use-case-usage', usageHeader(wabaId, usage));
  if (error) throw error;
}
