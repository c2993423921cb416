import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { onpremErrors, type ApiError, type OnPremErrorSpec } from '../../core/errors.js';
import type { OnpremDeployment } from '../../store/schema.js';
import type { PlatformContext } from '../context.js';
import { internalError, toApiError } from '../http-common.js';
import { AUTO_DOWNLOAD_TYPES, defaultApplicationSettings, meta } from './format.js';
import { checkContacts, sendOnpremMessage, uploadOnpremMedia } from './messaging.js';
import { authenticate, backup, gatewayStatusOf, login, logout, mergeSettings, readSettings, requestAccount, restore, setShards, setTwoStep, verifyAccount } from './service.js';
import { updateDeployment } from './repo.js';

export const ONPREM_PREFIX = '/onprem';

/** On-Prem renders every error as `{errors:[{code,title,details}],meta}`; Graph-only errors map by kind. */
export function renderOnpremError(err: ApiError): { status: number; body: Record<string, unknown> } {
  const spec: OnPremErrorSpec = err.onprem ?? fallbackSpec(err);
  return { status: spec.httpStatus, body: { errors: [{ code: spec.code, title: spec.title, details: err.details ?? err.spec.message }], meta: meta() } };
}

function fallbackSpec(err: ApiError): OnPremErrorSpec {
  if (err.spec.httpStatus >= 500) return { httpStatus: 500, code: 1000, title: 'Generic error' };
  if (err.spec.httpStatus === 413) return { httpStatus: 413, code: 1009, title: 'Parameter value is not valid' };
  return /required/i.test(err.spec.message) ? { httpStatus: 400, code: 1008, title: 'Required parameter is missing' } : { httpStatus: 400, code: 1009, title: 'Parameter value is not valid' };
}

const parse = <S extends z.ZodType>(schema: S, body: unknown): z.infer<S> => {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  // A strict object reports unknown keys on the object itself: name the first of them.
  const path = issue?.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : (issue?.path ?? []);
  const key = path.map(String).join('.');
  const present = key !== '' && typeof body === 'object' && body !== null && (body as Record<string, unknown>)[String(path[0])] !== undefined;
  throw present || key === '' ? onpremErrors.invalidParameter(`${key || 'body'}: ${issue?.message ?? 'invalid'}`) : onpremErrors.requiredParameter(key);
};

const digits = z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^\d+$/, { message: 'must be digits only' }));
const pin = z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^\d{6}$/, { message: 'must be 6 digits' }));
const accountSchema = z.object({ cc: digits, phone_number: digits, method: z.enum(['sms', 'voice']), cert: z.string().min(1), pin: pin.optional() });
const shardsSchema = z.object({
  cc: digits,
  phone_number: digits,
  shards: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8), z.literal(16), z.literal(32)]),
  cert: z.string().min(1),
  pin: pin.optional(),
});

const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * `PATCH /v1/settings/application`: part of what GET returns (api-facts D.1), nothing else. Every
 * key is checked, so a refused patch writes nothing and a stored value always has its documented
 * type. `wa_id` is not a setting but the registered number, so it is refused like any unknown key
 * (as are `pass_through`, `sent_status` and `db_garbagecollector_enable`, which only older
 * versions had). An empty `webhooks.url` means "no webhook URL", as in the defaults.
 */
const settingsPatchSchema = z
  .strictObject({
    callback_backoff_delay_ms: z.number().int().min(0),
    callback_persist: z.boolean(),
    garbagecollector_enable: z.strictObject({ media: z.boolean(), messages: z.boolean() }).partial(),
    heartbeat_interval: z.number().int().min(1),
    max_callback_backoff_delay_ms: z.number().int().min(0),
    media: z.strictObject({ auto_download: z.array(z.enum(AUTO_DOWNLOAD_TYPES)) }).partial(),
    notify_user_change_number: z.boolean(),
    show_security_notifications: z.boolean(),
    unhealthy_interval: z.number().int().min(1),
    webhooks: z
      .strictObject({
        url: z.string().refine((url) => url === '' || httpUrl.safeParse(url).success, { message: 'must be an absolute http(s) URL, or "" for none' }),
        max_concurrent_requests: z.number().int().min(1),
        message: z.strictObject({ sent: z.boolean(), delivered: z.boolean(), read: z.boolean() }).partial(),
      })
      .partial(),
  })
  .partial();

/** `POST /v1/contacts`: phone numbers are strings in any format (api-facts D.1); a JSON number is refused, not guessed at. */
const contactsSchema = z.object({ contacts: z.array(z.string()) }).loose();

type Handler = (dep: OnpremDeployment, request: FastifyRequest, reply: FastifyReply) => Promise<Record<string, unknown> | null>;

export interface OnpremApiOptions {
  maxUploadBytes?: number | undefined;
}

/**
 * Any number of On-Premises deployments, each under `/onprem/{deployment}/v1/...` on the platform's
 * port, with the On-Prem wire conventions: bearer tokens from `/v1/users/login`, `meta` on every
 * body, `errors[]` on failure. A deployment can also have a port of its own (see port-servers.ts).
 */
export async function mountOnpremApi(app: FastifyInstance, ctx: PlatformContext, options: OnpremApiOptions = {}): Promise<void> {
  // Without this, `/onprem` would fall through to the Graph router and answer in Graph's envelope.
  app.route({ method: ANY, url: ONPREM_PREFIX, handler: notOnpremEndpoint, errorHandler: onpremErrorHandler });
  await app.register(onpremPlugin(ctx, options, (request) => (request.params as { deployment: string }).deployment), { prefix: `${ONPREM_PREFIX}/:deployment` });
}

const ANY = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Every failure under `/onprem` answers in the On-Prem envelope, body-parsing errors included. */
function onpremErrorHandler(err: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply): void {
  const apiError = toApiError(err, request.routeOptions.bodyLimit);
  if (apiError === internalError) console.error(`unexpected error on ${request.method} ${request.url}:`, err);
  const { status, body } = renderOnpremError(apiError);
  void reply.code(status).send(body);
}

function notOnpremEndpoint(request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = renderOnpremError(onpremErrors.notFound(`${request.method} ${request.url.split('?')[0] ?? ''} is not an On-Premises API endpoint`));
  void reply.code(status).send(body);
}

/** The `/v1/...` routes of one or many deployments; `deploymentOf` says which one a request addresses. */
export function onpremPlugin(ctx: PlatformContext, options: OnpremApiOptions, deploymentOf: (request: FastifyRequest) => string): (api: FastifyInstance) => Promise<void> {
  return async (api) => {
    // /v1/media takes the raw file as the body, whatever its type.
    api.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    api.setErrorHandler(onpremErrorHandler);
    api.setNotFoundHandler(notOnpremEndpoint);
    api.route({ method: ANY, url: '/', handler: notOnpremEndpoint });
    api.route({ method: ANY, url: '/*', handler: notOnpremEndpoint });

    const authed = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, handler: Handler, okStatus = 200, bodyLimit?: number): void => {
      api.route({
        method,
        url,
        ...(bodyLimit !== undefined && { bodyLimit }),
        handler: async (request, reply) => {
          const dep = await authenticate(ctx, deploymentOf(request), request.headers.authorization);
          const body = await handler(dep, request, reply);
          return reply.code(reply.statusCode === 200 ? okStatus : reply.statusCode).send({ ...(body ?? {}), meta: meta() });
        },
      });
    };

    api.post('/v1/users/login', async (request) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      return { users: [await login(ctx, deploymentOf(request), request.headers.authorization, body['new_password'])], meta: meta() };
    });
    authed('POST', '/v1/users/logout', async (_dep, request) => {
      await logout(ctx, /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '');
      return null;
    });

    authed('POST', '/v1/account', async (dep, request, reply) => {
      const result = await requestAccount(ctx, dep, parse(accountSchema, request.body));
      if (result.created) {
        reply.code(201);
        return null;
      }
      reply.code(202);
      return { account: [{ vname: result.vname }] };
    });
    authed(
      'POST',
      '/v1/account/verify',
      async (dep, request) => {
        await verifyAccount(ctx, dep, parse(z.object({ code: z.union([z.string(), z.number()]).transform(String) }), request.body).code);
        return null;
      },
      201,
    );
    authed(
      'POST',
      '/v1/account/shards',
      async (dep, request) => {
        await setShards(ctx, dep, parse(shardsSchema, request.body));
        return null;
      },
      201,
    );
    authed('POST', '/v1/settings/account/two-step', async (dep, request) => {
      await setTwoStep(ctx, dep, parse(z.object({ pin }), request.body).pin);
      return null;
    });
    authed('DELETE', '/v1/settings/account/two-step', async (dep) => {
      await setTwoStep(ctx, dep, null);
      return null;
    });

    authed('GET', '/v1/settings/application', async (dep) => ({ settings: { application: readSettings(dep) } }));
    authed('PATCH', '/v1/settings/application', async (dep, request) => {
      const patch = parse(settingsPatchSchema, request.body);
      await updateDeployment(ctx.store.db, dep.id, { settings: JSON.stringify(mergeSettings(readSettings(dep), patch)) });
      return null;
    });
    authed('DELETE', '/v1/settings/application', async (dep) => {
      // wa_id is not a setting but the registered number: a reset keeps it.
      await updateDeployment(ctx.store.db, dep.id, { settings: JSON.stringify({ ...defaultApplicationSettings(), wa_id: readSettings(dep)['wa_id'] ?? '' }) });
      return null;
    });

    authed('POST', '/v1/settings/backup', async (dep, request) => {
      const { password } = parse(z.object({ password: z.string() }), request.body);
      return { settings: { data: await backup(ctx, dep, password) } };
    });
    authed('POST', '/v1/settings/restore', async (dep, request) => {
      const { password, data } = parse(z.object({ password: z.string(), data: z.string().min(1) }), request.body);
      await restore(ctx, dep, password, data);
      return null;
    });

    authed('GET', '/v1/health', async (dep) => ({ health: { gateway_status: await gatewayStatusOf(ctx, dep) } }));
    authed(
      'POST',
      '/v1/messages',
      async (dep, request) => ({ messages: [await sendOnpremMessage(ctx, dep, parse(z.record(z.string(), z.unknown()), request.body))] }),
    );
    authed(
      'POST',
      '/v1/media',
      async (dep, request) => {
        const body = request.body;
        if (!Buffer.isBuffer(body) || body.length === 0) throw onpremErrors.requiredParameter('file (the request body)');
        return { media: [await uploadOnpremMedia(ctx, dep, request.headers['content-type'] ?? 'application/octet-stream', body)] };
      },
      201,
      // The raw file is the body: allow the largest media size (as Graph's multipart upload does), not the JSON body limit.
      options.maxUploadBytes,
    );
    // Stickerpacks exist only on On-Prem: Cloud API has no stickerpacks (seed 000), so they are not in
    // the backup and do not survive a migration.
    authed(
      'POST',
      '/v1/stickerpacks',
      async (dep, request) => {
        const body = parse(z.object({ name: z.string().min(1).max(128), publisher: z.string().min(1).max(128) }), request.body);
        const id = randomUUID();
        await ctx.store.db.insertInto('onprem_stickerpacks').values({ id, deployment_id: dep.id, name: body.name, publisher: body.publisher, created_at: ctx.clock.now() }).execute();
        return { stickerpacks: [{ id }] };
      },
      201,
    );
    authed('GET', '/v1/stickerpacks', async (dep) => ({
      stickerpacks: (await ctx.store.db.selectFrom('onprem_stickerpacks').select(['id', 'name', 'publisher']).where('deployment_id', '=', dep.id).orderBy('created_at').execute()),
    }));
    authed('POST', '/v1/contacts', async (_dep, request) => ({ contacts: checkContacts(parse(contactsSchema, request.body).contacts) }));
  };
}
