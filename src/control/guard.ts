import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../core/errors.js';

/** How the emulator-only control API is exposed (issue 8): open (local default), behind a token, or off. */
export type ControlAccess = { readonly mode: 'open' } | { readonly mode: 'token'; readonly token: string } | { readonly mode: 'disabled' };

/**
 * Requests that stay open even with a token: the built-in webhook sink must accept Meta-style webhook
 * POSTs and `hub.challenge` handshakes from the platform's own dispatcher, which sends no control token.
 */
function isWebhookSinkCall(request: FastifyRequest, route: string, prefix: string): boolean {
  if (!route.startsWith(`${prefix}/sink/`)) return false;
  const query = request.query as Record<string, unknown>;
  return request.method === 'POST' || (request.method === 'GET' && query['hub.mode'] === 'subscribe');
}

function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
  const own = request.headers['x-switchboard-token'];
  return typeof own === 'string' ? own : undefined;
}

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Refuses control API calls the configured access does not allow, before any route runs. */
export function guardControlApi(app: FastifyInstance, prefix: string, access: ControlAccess): void {
  if (access.mode === 'open') return;
  app.addHook('onRequest', async (request) => {
    // The matched route, not the raw URL: the router decodes %XX, so `/%5Fswitchboard/...` reaches
    // the same handlers and must meet the same guard (found by the fuzz suite).
    const route = request.routeOptions.url ?? '';
    if (route !== prefix && !route.startsWith(`${prefix}/`)) return;
    if (access.mode === 'disabled') throw errors.notFound('control endpoint', `${request.method} ${route} (the control API is disabled)`);
    if (isWebhookSinkCall(request, route, prefix)) return;
    const token = presentedToken(request);
    if (token === undefined || !sameSecret(token, access.token)) throw errors.controlTokenRequired();
  });
}
