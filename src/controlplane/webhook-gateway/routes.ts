import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RemoteError } from '../clients/remote-error.js';
import { AdminError, type GatewayAdmin } from './admin.js';
import type { GatewayConfig } from './config.js';
import { ERROR_TABLE } from './error-codes.js';
import type { Ingest } from './service.js';
import { checkSignature, sameSecret } from './signature.js';

export interface GatewayRouteDeps {
  config: GatewayConfig;
  ingest: Ingest;
  admin: GatewayAdmin;
}

/** Meta caps a webhook POST at 3 MB (api-facts B.13); a little headroom for On-Prem batches. */
const BODY_LIMIT = 4 * 1024 * 1024;

/**
 * The gateway's HTTP surface as a Fastify plugin (register it with a prefix inside another server,
 * e.g. `switchboard serve`, or alone with `serveGateway`):
 *   GET  /webhooks/cloud                              Meta's hub.challenge handshake
 *   POST /webhooks/cloud                              Cloud webhooks, X-Hub-Signature-256 checked
 *   POST /webhooks/onprem/{deployment}/{secret}       On-Prem webhooks of one deployment
 *   /api/...                                          status, numbers, dead letters, replay (JSON)
 * Not wrapped with fastify-plugin on purpose: its raw-body parser must stay inside this plugin.
 */
export function webhookGatewayRoutes(deps: GatewayRouteDeps): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    // Signatures are over the exact bytes: every body arrives as a Buffer and is parsed here.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
    app.setErrorHandler((err, _req, reply) => renderError(err, reply));
    app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('not_found', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`)));
    receiveRoutes(app, deps);
    apiRoutes(app, deps);
  };
}

function receiveRoutes(app: FastifyInstance, { config, ingest }: GatewayRouteDeps): void {
  app.get('/webhooks/cloud', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const token = q['hub.verify_token'];
    const challenge = q['hub.challenge'];
    if (q['hub.mode'] === 'subscribe' && typeof token === 'string' && typeof challenge === 'string' && sameSecret(token, config.verifyToken)) {
      return reply.type('text/plain').send(challenge);
    }
    ingest.reject('cloud.rejected.handshake');
    return reply.code(403).send(errorBody('forbidden', 'hub.mode must be "subscribe" and hub.verify_token must match'));
  });

  app.post('/webhooks/cloud', async (req, reply) => {
    const raw = rawBody(req);
    const check = checkSignature(raw, headerOf(req, 'x-hub-signature-256'), config.metaAppSecret);
    if (check !== 'ok') {
      ingest.reject(check === 'missing' ? 'cloud.rejected.unsigned' : 'cloud.rejected.bad_signature');
      return reply.code(check === 'missing' ? 401 : 403).send(errorBody(check === 'missing' ? 'unsigned' : 'bad_signature', check === 'missing' ? 'X-Hub-Signature-256 is required' : 'X-Hub-Signature-256 does not match the body'));
    }
    const body = jsonOf(raw);
    if (body === undefined) {
      ingest.reject('cloud.rejected.malformed');
      return reply.code(400).send(errorBody('malformed', 'the body is not JSON'));
    }
    return ingest.cloud(body);
  });

  app.post('/webhooks/onprem/:deployment', async (req, reply) => {
    const { deployment } = req.params as { deployment: string };
    const known = config.deployments.has(deployment);
    ingest.reject(known ? `onprem.${deployment}.rejected.unauthenticated` : 'onprem.rejected.unknown_deployment');
    return reply.code(known ? 401 : 404).send(errorBody(known ? 'unauthenticated' : 'not_found', known ? 'the deployment\'s secret path segment is missing' : `no deployment ${deployment}`));
  });

  app.post('/webhooks/onprem/:deployment/:secret', async (req, reply) => {
    const { deployment, secret } = req.params as { deployment: string; secret: string };
    const dep = config.deployments.get(deployment);
    if (!dep) {
      ingest.reject('onprem.rejected.unknown_deployment');
      return reply.code(404).send(errorBody('not_found', `no deployment ${deployment}`));
    }
    if (!sameSecret(secret, dep.secret)) {
      ingest.reject(`onprem.${deployment}.rejected.bad_secret`);
      return reply.code(403).send(errorBody('bad_secret', 'wrong secret for this deployment'));
    }
    const body = jsonOf(rawBody(req));
    if (body === undefined) {
      ingest.reject(`onprem.${deployment}.rejected.malformed`);
      return reply.code(400).send(errorBody('malformed', 'the body is not JSON'));
    }
    return ingest.onprem(dep, body);
  });
}

function apiRoutes(app: FastifyInstance, { config, admin }: GatewayRouteDeps): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.includes('/api/') || config.apiToken === undefined) return;
    const given = /^Bearer (.+)$/.exec(headerOf(req, 'authorization') ?? '')?.[1];
    if (given === undefined || !sameSecret(given, config.apiToken)) await reply.code(401).send(errorBody('unauthorized', 'Authorization: Bearer <api token> is required'));
  });

  app.get('/api/status', async () => admin.status());
  app.get('/api/numbers', async () => ({ data: (await admin.status()).numbers }));
  app.get('/api/numbers/:id', async (req) => {
    const { id } = req.params as { id: string };
    const confirm = ['1', 'true'].includes(String((req.query as Record<string, unknown>)['confirm'] ?? ''));
    const view = await admin.number(id, confirm);
    if (!view) throw new AdminError(404, 'not_found', `the gateway has seen no event of number ${id}`);
    return view;
  });
  app.get('/api/dead-letters', async (req) => {
    const q = req.query as Record<string, unknown>;
    const phone = q['phone_number_id'];
    return admin.deadLetters({ limit: intParam(q['limit'], 'limit', 100, 1, 1000), ...(typeof phone === 'string' && { phoneNumberId: phone }), ...(q['after'] !== undefined && { afterId: intParam(q['after'], 'after', 0, 0, Number.MAX_SAFE_INTEGER) }) });
  });
  app.get('/api/dead-letters/:id', async (req) => {
    const id = intParam((req.params as { id: string }).id, 'id', 0, 1, Number.MAX_SAFE_INTEGER);
    const view = await admin.deadLetter(id);
    if (!view) throw new AdminError(404, 'not_found', `no dead letter ${id}`);
    return view;
  });
  app.post('/api/dead-letters/:id/replay', async (req) => {
    const id = intParam((req.params as { id: string }).id, 'id', 0, 1, Number.MAX_SAFE_INTEGER);
    const result = await admin.replay({ ids: [id] });
    if (result.replayed.length === 0) throw new AdminError(404, 'not_found', `no dead letter ${id}`);
    return result;
  });
  app.post('/api/dead-letters/replay', async (req) => {
    const body = req.body === undefined ? {} : jsonOf(rawBody(req));
    const phone = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)['phone_number_id'] : undefined;
    if (body === undefined || (phone !== undefined && typeof phone !== 'string')) throw new AdminError(400, 'invalid', 'the body must be {} or {"phone_number_id": "<id>"}');
    return admin.replay(typeof phone === 'string' ? { phoneNumberId: phone } : {});
  });
  app.get('/api/dropped', async (req) => admin.dropped(intParam((req.query as Record<string, unknown>)['limit'], 'limit', 100, 1, 1000)));
  app.get('/api/error-codes', async () => ({ data: ERROR_TABLE }));
}

const errorBody = (code: string, message: string): { error: { code: string; message: string } } => ({ error: { code, message } });

function renderError(err: unknown, reply: FastifyReply): FastifyReply {
  if (err instanceof AdminError) return reply.code(err.status).send(errorBody(err.code, err.message));
  if (err instanceof RemoteError) return reply.code(502).send(errorBody('graph_error', err.describe()));
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return reply.code(status).send(errorBody('bad_request', err instanceof Error ? err.message : 'bad request'));
  console.error('webhook gateway:', err);
  return reply.code(500).send(errorBody('internal', 'internal error'));
}

const headerOf = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};

const rawBody = (req: FastifyRequest): Buffer => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));

function jsonOf(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function intParam(v: unknown, name: string, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new AdminError(400, 'invalid', `${name} must be an integer from ${min} to ${max}`);
  return n;
}
