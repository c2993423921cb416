import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { ControllableClock } from './core/clock.js';
import { errors, type ApiError } from './core/errors.js';
import { installParsers, internalError, toApiError } from './platform/http-common.js';
import { newSecret } from './core/ids.js';
import type { PlatformConfig } from './config.js';
import { loadClockOffset } from './control/inspect.js';
import { CONTROL_PREFIX, mountControlApi } from './control/routes.js';
import { mountConsole } from './console-host.js';
import { controlPlaneDatabase, mountControlPlane } from './controlplane-host.js';
import { loadDemo, seedDemo, type DemoData } from './control/seed.js';
import { accountRoutes } from './platform/accounts/routes.js';
import type { PlatformContext } from './platform/context.js';
import { renderGraphError } from './platform/graph/render-error.js';
import { mountGraphRouter } from './platform/graph/router.js';
import { mediaRoutes, mountMediaDownload } from './platform/media/routes.js';
import { messageRoutes } from './platform/messages/routes.js';
import { phoneNumberRoutes } from './platform/phone-numbers/routes.js';
import { registrationRoutes } from './platform/registration/routes.js';
import { templateRoutes } from './platform/templates/routes.js';
import { mountOnpremApi, ONPREM_PREFIX, renderOnpremError } from './platform/onprem/routes.js';
import { OnpremPortServers } from './platform/onprem/port-servers.js';
import { DEFAULT_BACKUP_KDF_COST } from './platform/onprem/backup.js';
import { loadRuntimeSettings, type RuntimeSettings } from './platform/settings.js';
import { WebhookDispatcher } from './platform/webhooks/dispatcher.js';
import { Maintenance } from './platform/maintenance.js';
import { guardControlApi } from './control/guard.js';
import { graphRenderer, serverOptions } from './platform/http-server.js';
import { Outbox } from './platform/webhooks/outbox.js';
import type { Store } from './store/database.js';
import { openStore } from './store/open.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact JSON bytes received (the webhook sink keeps them to check signatures). */
    rawBody?: string;
  }
}

export interface Platform {
  readonly http: FastifyInstance;
  readonly ctx: PlatformContext;
  readonly clock: ControllableClock;
  readonly dispatcher: WebhookDispatcher;
  readonly store: Store;
  /** Listens, fixes the public URL, seeds demo data into an empty database. Returns the base URL. */
  listen(): Promise<string>;
  demo(): Promise<DemoData | undefined>;
  close(): Promise<void>;
}

type MutableContext = { -readonly [K in keyof PlatformContext]: PlatformContext[K] };

/** The composition root: the only place the platform's parts are wired together. */
export async function buildPlatform(config: PlatformConfig): Promise<Platform> {
  const store = await openStore(config.database);
  const clock = new ControllableClock(await loadClockOffset(store.db));
  const outbox = new Outbox();
  const startupSettings: RuntimeSettings = { downtimeMs: config.downtimeMs, graphRateLimits: config.graphRateLimits, backupKdfCost: DEFAULT_BACKUP_KDF_COST };
  const ctx: MutableContext = {
    store,
    clock,
    outbox,
    publicUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
    mediaUrlSecret: await installationSecret(store, 'media_url_secret'),
    certSecret: await installationSecret(store, 'cert_secret'),
    settings: await loadRuntimeSettings(store.db, startupSettings),
  };
  const dispatcher = new WebhookDispatcher(store, clock, outbox, config.webhooks);
  const maintenance = new Maintenance(ctx);

  const http = Fastify(serverOptions(config.bodyLimitBytes, (path, err) => (path.startsWith(`${ONPREM_PREFIX}/`) ? renderOnpremError(err) : graphRenderer(path, err))));
  installParsers(http);
  await http.register(formbody);
  await http.register(multipart, { limits: { fileSize: config.maxUploadBytes } });
  installErrorHandling(http);
  guardControlApi(http, CONTROL_PREFIX, config.control);

  const graph = mountGraphRouter(http, {
    store,
    clock,
    settings: ctx.settings,
    maxUploadBytes: config.maxUploadBytes,
    defaultVersion: config.defaultGraphVersion,
    routes: [...accountRoutes(ctx), ...phoneNumberRoutes(ctx), ...registrationRoutes(ctx), ...messageRoutes(ctx), ...mediaRoutes(ctx), ...templateRoutes(ctx)],
  });
  const onpremPorts = new OnpremPortServers(ctx, config.host, { maxUploadBytes: config.maxUploadBytes, bodyLimitBytes: config.bodyLimitBytes });
  mountControlApi(http, {
    ctx,
    clock,
    dispatcher,
    maintenance,
    onDeploymentCreated: (dep) => onpremPorts.start(dep),
  });
  // State other processes on a shared database may change: reload it when told (see change-feed.ts).
  store.changes.subscribe(async (topic) => {
    if (topic === 'reset') {
      // A reset forgets changed settings (their rows are deleted): back to the start-up values.
      clock.setOffset(0);
      Object.assign(ctx.settings, startupSettings);
      graph.clearCaches();
      await onpremPorts.closeAll();
    } else {
      clock.setOffset(await loadClockOffset(store.db));
      Object.assign(ctx.settings, await loadRuntimeSettings(store.db, startupSettings));
    }
  });
  mountMediaDownload(http, ctx);
  await mountOnpremApi(http, ctx, { maxUploadBytes: config.maxUploadBytes });
  await mountConsole(http);
  // Rehearsals from the console; with the control API disabled there is nothing to mount.
  const controlPlane =
    config.control.mode === 'disabled'
      ? undefined
      : await mountControlPlane(http, {
          database: controlPlaneDatabase(config.database),
          publicUrl: () => ctx.publicUrl,
          demo: () => loadDemo(store.db),
          controlToken: config.control.mode === 'token' ? config.control.token : undefined,
        });

  return {
    http,
    ctx,
    clock,
    dispatcher,
    store,
    async listen() {
      const address = await http.listen({ host: config.host, port: config.port });
      const port = new URL(address).port;
      ctx.publicUrl = config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      if (config.seedDemo) await seedIfEmpty(ctx);
      await onpremPorts.startAll();
      if (!store.caps.sharedByProcesses) await dispatcher.releaseLeases();
      dispatcher.start();
      maintenance.start();
      return ctx.publicUrl;
    },
    demo: () => loadDemo(store.db),
    async close() {
      await maintenance.stop();
      await dispatcher.stop();
      await onpremPorts.closeAll();
      await http.close();
      await controlPlane?.close();
      await store.close();
    },
  };
}

/** The check and the seeding are one transaction, so two processes starting together seed once. */
async function seedIfEmpty(ctx: PlatformContext): Promise<void> {
  await ctx.store.transaction(async (tx) => {
    if (!(await tx.selectFrom('businesses').select('id').limit(1).executeTakeFirst())) await seedDemo(ctx, tx);
  });
}

/** Created by whichever process starts first; every process then reads the same value. */
async function installationSecret(store: Store, key: string): Promise<string> {
  await store.db.insertInto('settings').values({ key, value: newSecret(32) }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await store.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}

/** Every failure leaves as Graph's error envelope; nothing unexpected leaks a stack trace. */
function installErrorHandling(http: FastifyInstance): void {
  http.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    const apiError = toApiError(err, request.routeOptions.bodyLimit);
    if (apiError.spec.httpStatus >= 500) request.log.error(err);
    if (apiError === internalError) console.error(`unexpected error on ${request.method} ${request.url}:`, err);
    void reply.code(apiError.spec.httpStatus).send(renderGraphError(apiError));
  });
  http.setNotFoundHandler((request, reply) => {
    void reply.code(400).send(renderGraphError(errors.unsupportedRequest(request.method, request.url.split('?')[0] ?? '')));
  });
}

