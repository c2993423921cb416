import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idParam, parse } from './request.js';
import type { ControllableClock } from '../core/clock.js';
import { errors } from '../core/errors.js';
import type { App } from '../store/schema.js';
import { findApp, findBusiness, findWaba, nodeKind } from '../platform/accounts/repo.js';
import type { Executor } from '../store/database.js';
import { createApp, createBusiness, createToken, createWaba, subscribeApp, updateApp } from '../platform/accounts/service.js';
import type { PlatformContext } from '../platform/context.js';
import { callbackUrl } from '../platform/graph/schemas.js';
import { receiveInbound } from '../platform/messages/inbound.js';
import { advanceOutboundStatus } from '../platform/messages/service.js';
import { provisionNumber } from '../platform/phone-numbers/service.js';
import { findPhoneNumber, updatePhoneNumber } from '../platform/phone-numbers/repo.js';
import { hashPin } from '../platform/registration/domain.js';
import { TEMPLATE_STATUSES } from '../platform/templates/domain.js';
import { setTemplateStatus } from '../platform/templates/service.js';
import type { WebhookDispatcher } from '../platform/webhooks/dispatcher.js';
import { updateConsumer, approveDisplayName, requestDisplayNameChange } from './simulate.js';
import { loadDemo, seedDemo } from './seed.js';
import { createDeployment, gatewayStatusOf } from '../platform/onprem/service.js';
import { findDeployment } from '../platform/onprem/repo.js';
import { certificateOf } from '../platform/onprem/cert.js';
import { BACKUP_KDF_COSTS } from '../platform/onprem/backup.js';
import type { OnpremDeployment } from '../store/schema.js';
import { inspectDeliveries, listDrops, inspectDelivery, listCodes, listMessages, listSink, recordSink, resetAll, advanceClockOffset, overview } from './inspect.js';

import { mountBulkControl } from './bulk.js';
import { mountMigrationControl } from './migration-routes.js';
import { saveRuntimeSettings } from '../platform/settings.js';
import type { Maintenance } from '../platform/maintenance.js';

export const CONTROL_PREFIX = '/_switchboard';

export interface ControlDeps {
  ctx: PlatformContext;
  clock: ControllableClock;
  dispatcher: WebhookDispatcher;
  /** Time-driven platform work, run again right after the clock moves. */
  maintenance: Maintenance;
  /** Starts a new deployment's own listener when it asked for a port; resolves to the port. */
  onDeploymentCreated: (dep: OnpremDeployment) => Promise<number | undefined>;
}


/**
 * An explicit `id` must not name an existing Graph node (ids are global). Checked inside the creating
 * transaction, so two concurrent creates with one id cannot both pass (the loser hit the key: a 500).
 */
async function assertFreeId(db: Executor, id: string | undefined): Promise<void> {
  if (id !== undefined && (await nodeKind(db, id))) throw errors.invalidParameter(`Param id is invalid: ${id} is already in use`);
}

/** An app as the control API shows it (and as /state lists it): `subscribed_fields` as an array. */
const appView = (a: App): Omit<App, 'subscribed_fields'> & { subscribed_fields: string[] } => ({ ...a, subscribed_fields: JSON.parse(a.subscribed_fields) as string[] });


const businessSchema = z.object({
  id: z.string().regex(/^\d+$/).optional(),
  name: z.string().min(1),
  verification_status: z.enum(['verified', 'pending', 'not_verified', 'rejected']).optional(),
  tos_accepted: z.boolean().optional(),
});
const businessPatch = z.object({ verification_status: z.enum(['verified', 'pending', 'not_verified', 'rejected']).optional(), tos_accepted: z.boolean().optional() });

const wabaSchema = z.object({
  id: z.string().regex(/^\d+$/).optional(),
  name: z.string().min(1),
  owner_business_id: z.string(),
  partner_business_id: z.string().nullable().optional(),
  review_status: z.enum(['APPROVED', 'PENDING', 'REJECTED']).optional(),
  payment_method: z.string().nullable().optional(),
  template_limit: z.number().int().min(0).optional(),
  currency: z.string().length(3).optional(),
  timezone_id: z.string().optional(),
});
const wabaPatch = wabaSchema.pick({ review_status: true, payment_method: true, template_limit: true, partner_business_id: true }).partial();

const appSchema = z.object({
  id: z.string().regex(/^\d+$/).optional(),
  name: z.string().min(1),
  business_id: z.string(),
  app_secret: z.string().min(8).optional(),
  callback_url: callbackUrl.nullable().optional(),
  verify_token: z.string().nullable().optional(),
  subscribed_fields: z.array(z.string()).optional(),
  skip_verification: z.boolean().optional(),
});
const appPatch = appSchema.pick({ callback_url: true, verify_token: true, subscribed_fields: true, skip_verification: true }).partial();

const tokenSchema = z.object({
  app_id: z.string().nullable().optional(),
  business_ids: z.array(z.string()).optional(),
  waba_ids: z.array(z.string()).optional(),
  permissions: z.array(z.enum(['whatsapp_business_management', 'whatsapp_business_messaging'])).optional(),
  // At most ten years: expiry times stay dates (null is a token that never expires, like a system user's).
  expires_in_seconds: z.number().int().positive().max(10 * 365 * 24 * 3600).nullable().optional(),
  label: z.string().optional(),
});

const numberSchema = z.object({
  id: z.string().regex(/^\d+$/).optional(),
  waba_id: z.string(),
  cc: z.string().regex(/^\d{1,3}$/),
  phone_number: z.string().regex(/^\d{4,14}$/),
  verified_name: z.string().min(2).max(75),
  name_status: z.string().optional(),
  quality_rating: z.enum(['GREEN', 'YELLOW', 'RED', 'NA', 'UNKNOWN']).optional(),
  messaging_limit_tier: z.string().optional(),
  is_official_business_account: z.boolean().optional(),
  throughput_level: z.enum(['STANDARD', 'HIGH']).optional(),
  code_verified: z.boolean().optional(),
  register_pin: z.string().regex(/^\d{6}$/).optional(),
  is_test_number: z.boolean().optional(),
  is_on_biz_app: z.boolean().optional(),
  profile: z.record(z.string(), z.unknown()).optional(),
});

const numberPatch = z.object({
  name_status: z.string().optional(),
  quality_rating: z.enum(['GREEN', 'YELLOW', 'RED', 'NA', 'UNKNOWN']).optional(),
  messaging_limit_tier: z.string().optional(),
  is_official_business_account: z.boolean().optional(),
  throughput_level: z.enum(['STANDARD', 'HIGH']).optional(),
  /** false disables two-step verification, as WhatsApp Manager does for Cloud API numbers. */
  two_step_enabled: z.boolean().optional(),
  pin: z.string().regex(/^\d{6}$/).optional(),
  is_test_number: z.boolean().optional(),
  is_on_biz_app: z.boolean().optional(),
  signup_at: z.number().int().optional(),
});

const consumerSchema = z.object({ wa_id: z.string().regex(/^\d{6,15}$/), name: z.string().min(1), online: z.boolean().optional(), auto_read: z.boolean().optional() });
const consumerPatch = consumerSchema.pick({ name: true, online: true, auto_read: true }).partial();

const inboundSchema = z.object({
  phone_number_id: z.string(),
  from: z.string().regex(/^\d{6,15}$/),
  name: z.string().optional(),
  context_message_id: z.string().optional(),
  type: z.enum(['text', 'image', 'video', 'document', 'sticker', 'audio', 'voice', 'location', 'reaction', 'button', 'interactive']).default('text'),
  text: z.object({ body: z.string().min(1).max(4096) }).optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().optional(), address: z.string().optional() }).optional(),
  reaction: z.object({ message_id: z.string(), emoji: z.string() }).optional(),
  button: z.object({ text: z.string(), payload: z.string() }).optional(),
  interactive: z.record(z.string(), z.unknown()).optional(),
});

export function mountControlApi(app: FastifyInstance, deps: ControlDeps): void {
  const { ctx, clock, dispatcher } = deps;
  const db = ctx.store.db;
  const p = CONTROL_PREFIX;

  app.get(`${p}/health`, async () => ({ status: 'ok', now: new Date(clock.now()).toISOString() }));
  app.get(`${p}/state`, async () => overview(db));
  app.get(`${p}/demo`, async () => (await loadDemo(db)) ?? {});

  app.post(`${p}/businesses`, async (req) => {
    const b = parse(businessSchema, req.body);
    return ctx.store.transaction(async (tx) => {
      await assertFreeId(tx, b.id);
      return createBusiness(ctx, tx, { id: b.id, name: b.name, verificationStatus: b.verification_status, tosAccepted: b.tos_accepted });
    });
  });
  app.patch(`${p}/businesses/:id`, async (req) => {
    const b = parse(businessPatch, req.body);
    const id = idParam(req);
    const patch = {
      ...(b.verification_status && { verification_status: b.verification_status }),
      ...(b.tos_accepted !== undefined && { tos_accepted_at: b.tos_accepted ? clock.now() : null }),
    };
    if (Object.keys(patch).length > 0) {
      const res = await db.updateTable('businesses').set(patch).where('id', '=', id).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw errors.notFound('business', id);
    }
    return db.selectFrom('businesses').selectAll().where('id', '=', id).executeTakeFirstOrThrow().catch(() => { throw errors.notFound('business', id); });
  });

  app.post(`${p}/wabas`, async (req) => {
    const w = parse(wabaSchema, req.body);
    return ctx.store.transaction(async (tx) => {
      await assertFreeId(tx, w.id);
      return createWaba(ctx, tx, {
        id: w.id,
        name: w.name,
        ownerBusinessId: w.owner_business_id,
        partnerBusinessId: w.partner_business_id,
        reviewStatus: w.review_status,
        paymentMethod: w.payment_method,
        templateLimit: w.template_limit,
        currency: w.currency,
        timezoneId: w.timezone_id,
      });
    });
  });
  app.patch(`${p}/wabas/:id`, async (req) => {
    const w = parse(wabaPatch, req.body);
    const id = idParam(req);
    // As on creation: a partner must exist (the foreign key would otherwise fail as a 500).
    if (w.partner_business_id && !(await findBusiness(db, w.partner_business_id))) throw errors.notFound('business', w.partner_business_id);
    if (Object.keys(w).length > 0) {
      const res = await db.updateTable('wabas').set(w).where('id', '=', id).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw errors.notFound('waba', id);
    }
    return db.selectFrom('wabas').selectAll().where('id', '=', id).executeTakeFirstOrThrow().catch(() => { throw errors.notFound('waba', id); });
  });

  app.post(`${p}/apps`, async (req) => {
    const a = parse(appSchema, req.body);
    const created = await ctx.store.transaction(async (tx) => {
      await assertFreeId(tx, a.id);
      return createApp(ctx, tx, {
        id: a.id,
        name: a.name,
        businessId: a.business_id,
        appSecret: a.app_secret,
        callbackUrl: a.callback_url,
        verifyToken: a.verify_token,
        subscribedFields: a.subscribed_fields,
        skipVerification: a.skip_verification,
      });
    });
    return appView(created);
  });
  app.patch(`${p}/apps/:id`, async (req) => {
    const a = parse(appPatch, req.body);
    return appView(await updateApp(db, idParam(req), { callbackUrl: a.callback_url, verifyToken: a.verify_token, subscribedFields: a.subscribed_fields, skipVerification: a.skip_verification }));
  });
  app.post(`${p}/wabas/:id/subscribed_apps/:appId`, async (req) => {
    if (!(await findWaba(db, idParam(req)))) throw errors.notFound('waba', idParam(req));
    if (!(await findApp(db, idParam(req, 'appId')))) throw errors.notFound('app', idParam(req, 'appId'));
    await subscribeApp(ctx, db, idParam(req), idParam(req, 'appId'));
    return { success: true };
  });

  app.post(`${p}/tokens`, async (req) => {
    const t = parse(tokenSchema, req.body);
    return createToken(ctx, db, { appId: t.app_id, businessIds: t.business_ids, wabaIds: t.waba_ids, permissions: t.permissions, expiresInSeconds: t.expires_in_seconds, label: t.label });
  });

  app.post(`${p}/phone-numbers`, async (req) => {
    const n = parse(numberSchema, req.body);
    const created = await ctx.store.transaction(async (tx) => {
      await assertFreeId(tx, n.id);
      return provisionNumber(ctx, tx, {
        id: n.id,
        wabaId: n.waba_id,
        cc: n.cc,
        phoneNumber: n.phone_number,
        verifiedName: n.verified_name,
        nameStatus: n.name_status,
        qualityRating: n.quality_rating,
        messagingLimitTier: n.messaging_limit_tier,
        officialBusinessAccount: n.is_official_business_account,
        throughputLevel: n.throughput_level,
        codeVerified: n.code_verified,
        registerWithPin: n.register_pin,
        testNumber: n.is_test_number,
        onBizApp: n.is_on_biz_app,
        profile: n.profile,
      });
    });
    // Like GET, never show the PIN hash.
    const { pin_hash: _secret, ...visible } = created;
    return visible;
  });
  app.get(`${p}/phone-numbers/:id`, async (req) => {
    const n = await findPhoneNumber(db, idParam(req));
    if (!n) throw errors.notFound('phone number', idParam(req));
    const { pin_hash: _secret, ...visible } = n;
    return visible;
  });
  app.patch(`${p}/phone-numbers/:id`, async (req) => {
    const n = parse(numberPatch, req.body);
    const id = idParam(req);
    if (!(await findPhoneNumber(db, id))) throw errors.notFound('phone number', id);
    const flag = (v: boolean | undefined): number | undefined => (v === undefined ? undefined : v ? 1 : 0);
    const patch = Object.fromEntries(
      Object.entries({
        name_status: n.name_status,
        quality_rating: n.quality_rating,
        messaging_limit_tier: n.messaging_limit_tier,
        is_official_business_account: flag(n.is_official_business_account),
        throughput_level: n.throughput_level,
        is_test_number: flag(n.is_test_number),
        is_on_biz_app: flag(n.is_on_biz_app),
        signup_at: n.signup_at,
        ...(n.two_step_enabled === false && { two_step_enabled: 0, pin_hash: null, pin_failures: 0, pin_locked_until: null }),
        ...(n.pin !== undefined && { two_step_enabled: 1, pin_hash: hashPin(id, n.pin), pin_failures: 0, pin_locked_until: null }),
      }).filter(([, v]) => v !== undefined),
    );
    await updatePhoneNumber(db, id, patch);
    const { pin_hash: _secret, ...visible } = (await findPhoneNumber(db, id))!;
    return visible;
  });
  app.post(`${p}/phone-numbers/:id/display-name`, async (req) => {
    const body = parse(z.object({ verified_name: z.string().min(2).max(75) }), req.body);
    return requestDisplayNameChange(ctx, idParam(req), body.verified_name);
  });
  app.post(`${p}/phone-numbers/:id/display-name/approve`, async (req) => approveDisplayName(ctx, idParam(req), 'APPROVED'));
  app.post(`${p}/phone-numbers/:id/display-name/reject`, async (req) => approveDisplayName(ctx, idParam(req), 'REJECTED'));

  app.post(`${p}/consumers`, async (req) => {
    const c = parse(consumerSchema, req.body);
    const row = { wa_id: c.wa_id, name: c.name, online: c.online === false ? 0 : 1, auto_read: c.auto_read ? 1 : 0, created_at: clock.now() };
    await db.insertInto('consumers').values(row).onConflict((oc) => oc.column('wa_id').doUpdateSet({ name: row.name, online: row.online, auto_read: row.auto_read })).execute();
    return row;
  });
  app.patch(`${p}/consumers/:waId`, async (req) => {
    const c = parse(consumerPatch, req.body);
    return updateConsumer(ctx, idParam(req, 'waId'), { name: c.name, online: c.online, autoRead: c.auto_read });
  });

  app.post(`${p}/inbound`, async (req) => {
    const m = parse(inboundSchema, req.body);
    const content = inboundContent(m);
    return receiveInbound(ctx, { phoneNumberId: m.phone_number_id, from: m.from, profileName: m.name, content, contextMessageId: m.context_message_id });
  });

  app.get(`${p}/messages`, async (req) => listMessages(db, req.query));
  app.post(`${p}/messages/:id/status`, async (req) => {
    const body = parse(z.object({ status: z.enum(['delivered', 'read']) }), req.body);
    const message = await db.selectFrom('messages').select('direction').where('id', '=', idParam(req)).executeTakeFirst();
    if (message?.direction !== 'outbound') throw errors.notFound('outbound message', idParam(req));
    return advanceOutboundStatus(ctx, idParam(req), body.status);
  });

  app.post(`${p}/templates/:id/status`, async (req) => {
    const body = parse(z.object({ status: z.enum(TEMPLATE_STATUSES), reason: z.string().optional() }), req.body);
    if (!(await db.selectFrom('templates').select('id').where('id', '=', idParam(req)).executeTakeFirst())) throw errors.notFound('template', idParam(req));
    return setTemplateStatus(ctx, idParam(req), body.status, body.reason);
  });

  app.get(`${p}/code-inbox`, async (req) => listCodes(db, req.query));
  app.get(`${p}/inbound-drops`, async (req) => listDrops(db, req.query));

  const settingsView = (): { downtime_ms: number; graph_rate_limits: boolean; backup_kdf_cost: number } => ({
    downtime_ms: ctx.settings.downtimeMs,
    graph_rate_limits: ctx.settings.graphRateLimits,
    backup_kdf_cost: ctx.settings.backupKdfCost,
  });
  app.get(`${p}/settings`, async () => settingsView());
  app.patch(`${p}/settings`, async (req) => {
    const body = parse(
      z
        .object({
          downtime_ms: z.number().int().min(0).max(60_000).optional(),
          graph_rate_limits: z.boolean().optional(),
          backup_kdf_cost: z.number().int().min(BACKUP_KDF_COSTS.min).max(BACKUP_KDF_COSTS.max).optional(),
        })
        .strict(),
      req.body,
    );
    if (body.downtime_ms !== undefined) ctx.settings.downtimeMs = body.downtime_ms;
    if (body.graph_rate_limits !== undefined) ctx.settings.graphRateLimits = body.graph_rate_limits;
    if (body.backup_kdf_cost !== undefined) ctx.settings.backupKdfCost = body.backup_kdf_cost;
    await saveRuntimeSettings(db, ctx.settings);
    await ctx.store.changes.publish('settings');
    return settingsView();
  });

  app.post(`${p}/onprem/deployments`, async (req, reply) => {
    const body = parse(
      z.object({
        id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'lowercase letters, digits and dashes' }),
        admin_password: z.string().min(8).max(64).optional(),
        webhook_url: callbackUrl.optional(),
        port: z.number().int().min(0).max(65535).optional(),
      }),
      req.body,
    );
    const dep = await createDeployment(ctx, { id: body.id, adminPassword: body.admin_password, webhookUrl: body.webhook_url, port: body.port });
    try {
      const port = await deps.onDeploymentCreated(dep);
      void reply.code(201);
      return deploymentView(ctx, { ...dep, port: port ?? null });
    } catch (err) {
      // The port could not be opened (in use?): the deployment must not half-exist.
      await db.deleteFrom('onprem_deployments').where('id', '=', dep.id).execute();
      throw errors.invalidParameter(`Param port: cannot listen on port ${String(body.port)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  app.get(`${p}/onprem/deployments`, async () => {
    const deps = await db.selectFrom('onprem_deployments').selectAll().orderBy('created_at').execute();
    return { data: await Promise.all(deps.map((d) => deploymentView(ctx, d))) };
  });
  app.get(`${p}/onprem/deployments/:id`, async (req) => {
    const dep = await findDeployment(db, idParam(req));
    if (!dep) throw errors.notFound('deployment', idParam(req));
    return deploymentView(ctx, dep);
  });
  app.get(`${p}/phone-numbers/:id/certificate`, async (req) => {
    const n = await findPhoneNumber(db, idParam(req));
    if (!n) throw errors.notFound('phone number', idParam(req));
    return { certificate: certificateOf(ctx, n) };
  });

  app.get(`${p}/webhook-deliveries`, async (req) => inspectDeliveries(db, req.query));
  app.get(`${p}/webhook-deliveries/:id`, async (req) => inspectDelivery(db, ctx.store.caps, idParam(req)));
  app.post(`${p}/webhook-deliveries/flush`, async () => {
    await dispatcher.drain();
    return { success: true };
  });

  // One reading of the clock per answer, so `now` and `now_ms` agree.
  const clockView = (): { now: string; now_ms: number; offset_ms: number } => {
    const now = clock.now();
    return { now: new Date(now).toISOString(), now_ms: now, offset_ms: clock.offset };
  };
  app.get(`${p}/clock`, async () => clockView());
  app.post(`${p}/clock/advance`, async (req) => {
    const body = parse(z.object({ seconds: z.number().nonnegative().optional(), ms: z.number().int().nonnegative().optional() }).refine((b) => b.seconds !== undefined || b.ms !== undefined, { message: 'seconds or ms is required' }), req.body);
    const by = (body.ms ?? 0) + Math.round((body.seconds ?? 0) * 1000);
    await ctx.store.transaction((tx) => advanceClockOffset(tx, by));
    // Every process, this one first, reloads the clock from the database.
    await ctx.store.changes.publish('settings');
    await deps.maintenance.runNow();
    return clockView();
  });

  app.post(`${p}/reset`, async (req) => {
    const body = parse(z.object({ seed: z.enum(['demo', 'empty']).default('demo') }), req.body);
    clock.setOffset(0);
    const demo = await ctx.store.transaction(async (tx) => {
      await resetAll(tx);
      return body.seed === 'demo' ? seedDemo(ctx, tx) : undefined;
    });
    // Every process (this one first) drops its caches and returns to its start-up settings.
    await ctx.store.changes.publish('reset');
    return { success: true, demo: demo ?? null };
  });

  // A built-in webhook receiver, so the demo app's deliveries have somewhere to go (like a mail catcher).
  app.get(`${p}/sink/:name`, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const challenge = q['hub.challenge'];
    if (q['hub.mode'] === 'subscribe' && typeof challenge === 'string' && challenge !== '') return reply.type('text/plain').send(challenge);
    return listSink(db, idParam(req, 'name'), req.query);
  });
  app.post(`${p}/sink/:name`, async (req) => {
    await recordSink(db, idParam(req, 'name'), req.headers, req.rawBody ?? '', clock.now());
    return { success: true };
  });

  mountMigrationControl(app, ctx, p);
  mountBulkControl(app, ctx, p);

  app.all(`${p}/*`, async (req) => {
    throw errors.notFound('control endpoint', `${req.method} ${req.url.split('?')[0] ?? ''}`);
  });
}

function inboundContent(m: z.infer<typeof inboundSchema>): Parameters<typeof receiveInbound>[1]['content'] {
  const need = <T>(v: T | undefined, name: string): T => {
    if (v === undefined) throw errors.requiredParameter(name);
    return v;
  };
  switch (m.type) {
    case 'text':
      return { type: 'text', text: need(m.text, 'text') };
    case 'voice':
      return { type: 'audio', voice: true };
    case 'audio':
      return { type: 'audio', voice: false };
    case 'image':
    case 'video':
    case 'document':
    case 'sticker':
      return { type: m.type, ...(m.caption && { caption: m.caption }), ...(m.filename && { filename: m.filename }) };
    case 'location':
      return { type: 'location', location: need(m.location, 'location') };
    case 'reaction':
      return { type: 'reaction', reaction: need(m.reaction, 'reaction') };
    case 'button':
      return { type: 'button', button: need(m.button, 'button') };
    case 'interactive':
      return { type: 'interactive', interactive: need(m.interactive, 'interactive') };
  }
}

async function deploymentView(ctx: PlatformContext, dep: OnpremDeployment): Promise<Record<string, unknown>> {
  return {
    id: dep.id,
    base_url: `${ctx.publicUrl}/onprem/${dep.id}`,
    port: dep.port,
    port_url: dep.port === null ? null : `${new URL(ctx.publicUrl).protocol}//${new URL(ctx.publicUrl).hostname}:${dep.port}`,
    gateway_status: await gatewayStatusOf(ctx, dep),
    phone_number_id: dep.phone_number_id,
    shards: dep.shards,
    password_change_required: dep.password_change_required === 1,
    settings: JSON.parse(dep.settings) as unknown,
    created_at: dep.created_at,
  };
}
