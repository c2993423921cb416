import { errors } from '../../core/errors.js';
import { newAccessToken, newGraphId, newSecret, sha256Hex } from '../../core/ids.js';
import type { Executor } from '../../store/database.js';
import type { App, Business, Waba } from '../../store/schema.js';
import { PERMISSIONS } from '../auth/tokens.js';
import type { PlatformContext } from '../context.js';
import { verifyCallbackUrl } from '../webhooks/verification.js';
import { findApp, findBusiness, findWaba, registerNode, upsertSubscription } from './repo.js';

/** Webhook fields an app listens to unless told otherwise. */
export const DEFAULT_APP_FIELDS = [
  'messages',
  'account_update',
  'account_review_update',
  'message_template_status_update',
  'message_template_quality_update',
  'template_category_update',
  'phone_number_name_update',
  'phone_number_quality_update',
  'business_capability_update',
] as const;

export interface NewBusiness {
  id?: string | undefined;
  name: string;
  verificationStatus?: string | undefined;
  tosAccepted?: boolean | undefined;
}

export async function createBusiness(ctx: PlatformContext, db: Executor, input: NewBusiness): Promise<Business> {
  const now = ctx.clock.now();
  const business: Business = {
    id: input.id ?? newGraphId(),
    name: input.name,
    verification_status: input.verificationStatus ?? 'verified',
    tos_accepted_at: input.tosAccepted === false ? null : now,
    created_at: now,
  };
  await registerNode(db, business.id, 'business');
  await db.insertInto('businesses').values(business).execute();
  return business;
}

export interface NewWaba {
  id?: string | undefined;
  name: string;
  ownerBusinessId: string;
  partnerBusinessId?: string | null | undefined;
  reviewStatus?: string | undefined;
  paymentMethod?: string | null | undefined;
  templateLimit?: number | undefined;
  currency?: string | undefined;
  timezoneId?: string | undefined;
}

export async function createWaba(ctx: PlatformContext, db: Executor, input: NewWaba): Promise<Waba> {
  for (const id of [input.ownerBusinessId, input.partnerBusinessId]) {
    if (id && !(await findBusiness(db, id))) throw errors.notFound('business', id);
  }
  const waba: Waba = {
    id: input.id ?? newGraphId(),
    name: input.name,
    owner_business_id: input.ownerBusinessId,
    partner_business_id: input.partnerBusinessId ?? null,
    review_status: input.reviewStatus ?? 'APPROVED',
    payment_method: input.paymentMethod === undefined ? `pm_${newSecret(6)}` : input.paymentMethod,
    template_limit: input.templateLimit ?? 250,
    currency: input.currency ?? 'USD',
    timezone_id: input.timezoneId ?? '1',
    message_template_namespace: newSecret(16).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1_$2_$3_$4_$5'),
    created_at: ctx.clock.now(),
    deleted_at: null,
  };
  await registerNode(db, waba.id, 'waba');
  await db.insertInto('wabas').values(waba).execute();
  return waba;
}

export interface NewApp {
  id?: string | undefined;
  name: string;
  businessId: string;
  appSecret?: string | undefined;
  callbackUrl?: string | null | undefined;
  verifyToken?: string | null | undefined;
  subscribedFields?: readonly string[] | undefined;
  /** Skip the callback handshake (e.g. the receiver starts later). */
  skipVerification?: boolean | undefined;
}

/** Like the App Dashboard's "Verify and save": a callback URL is saved only after the handshake. */
export async function createApp(ctx: PlatformContext, db: Executor, input: NewApp): Promise<App> {
  if (!(await findBusiness(db, input.businessId))) throw errors.notFound('business', input.businessId);
  await verifyCallback(input.callbackUrl, input.verifyToken, input.skipVerification);
  const app: App = {
    id: input.id ?? newGraphId(),
    name: input.name,
    business_id: input.businessId,
    app_secret: input.appSecret ?? newSecret(16),
    callback_url: input.callbackUrl ?? null,
    verify_token: input.verifyToken ?? null,
    subscribed_fields: JSON.stringify(input.subscribedFields ?? DEFAULT_APP_FIELDS),
    created_at: ctx.clock.now(),
  };
  await registerNode(db, app.id, 'app');
  await db.insertInto('apps').values(app).execute();
  return app;
}

export async function updateApp(
  db: Executor,
  id: string,
  patch: { callbackUrl?: string | null | undefined; verifyToken?: string | null | undefined; subscribedFields?: readonly string[] | undefined; skipVerification?: boolean | undefined },
): Promise<App> {
  const app = await findApp(db, id);
  if (!app) throw errors.notFound('app', id);
  const callbackUrl = patch.callbackUrl === undefined ? app.callback_url : patch.callbackUrl;
  const verifyToken = patch.verifyToken === undefined ? app.verify_token : patch.verifyToken;
  if (patch.callbackUrl !== undefined || patch.verifyToken !== undefined) await verifyCallback(callbackUrl, verifyToken, patch.skipVerification);
  const updated: App = {
    ...app,
    callback_url: callbackUrl,
    verify_token: verifyToken,
    subscribed_fields: patch.subscribedFields ? JSON.stringify(patch.subscribedFields) : app.subscribed_fields,
  };
  await db.updateTable('apps').set(updated).where('id', '=', id).execute();
  return updated;
}

async function verifyCallback(url: string | null | undefined, token: string | null | undefined, skip: boolean | undefined): Promise<void> {
  if (!url || skip) return;
  const failure = await verifyCallbackUrl(url, token ?? '');
  if (failure) throw failure;
}

export interface NewToken {
  appId?: string | null | undefined;
  businessIds?: readonly string[] | undefined;
  wabaIds?: readonly string[] | undefined;
  permissions?: readonly string[] | undefined;
  expiresInSeconds?: number | null | undefined;
  label?: string | undefined;
  /** Only the demo seed passes a fixed value, so the printed demo token survives restarts. */
  token?: string | undefined;
}

/** A system-user access token; the raw token is returned once and only its hash is stored. */
export async function createToken(ctx: PlatformContext, db: Executor, input: NewToken): Promise<{ id: string; access_token: string; expires_at: number | null }> {
  if (input.appId && !(await findApp(db, input.appId))) throw errors.notFound('app', input.appId);
  for (const id of input.wabaIds ?? []) if (!(await findWaba(db, id))) throw errors.notFound('waba', id);
  const token = input.token ?? newAccessToken();
  const now = ctx.clock.now();
  const row = {
    token_hash: sha256Hex(token),
    id: newGraphId(),
    label: input.label ?? 'system user token',
    app_id: input.appId ?? null,
    business_ids: JSON.stringify(input.businessIds ?? []),
    waba_ids: JSON.stringify(input.wabaIds ?? []),
    permissions: JSON.stringify(input.permissions ?? PERMISSIONS),
    expires_at: input.expiresInSeconds ? now + input.expiresInSeconds * 1000 : null,
    created_at: now,
  };
  await db.insertInto('access_tokens').values(row).execute();
  return { id: row.id, access_token: token, expires_at: row.expires_at };
}

export async function subscribeApp(ctx: PlatformContext, db: Executor, wabaId: string, appId: string): Promise<void> {
  await upsertSubscription(db, wabaId, appId, null, ctx.clock.now());
}

/**
 * Deletes a WABA (WhatsApp Manager does this; there is no Graph edge): it must hold no phone numbers.
 * Its templates go with it, which must not affect templates a migration duplicated elsewhere (seed 004
 * "Source WABA deletion"); its apps hear `account_update` ACCOUNT_DELETED.
 */
export async function deleteWaba(ctx: PlatformContext, id: string): Promise<{ success: true }> {
  await ctx.store.transaction(async (tx) => {
    if (!(await findWaba(tx, id))) throw errors.notFound('waba', id);
    const held = await tx.selectFrom('phone_numbers').select('id').where('waba_id', '=', id).executeTakeFirst();
    if (held) throw errors.invalidParameter(`The WhatsApp Business Account still holds phone number ${held.id}. Migrate or remove its phone numbers first.`);
    const now = ctx.clock.now();
    await ctx.outbox.enqueue(tx, { wabaId: id, phoneNumberId: null, field: 'account_update', value: { event: 'ACCOUNT_DELETED' } }, now);
    const templates = await tx.selectFrom('templates').select('id').where('waba_id', '=', id).execute();
    if (templates.length > 0) {
      await tx.deleteFrom('templates').where('waba_id', '=', id).execute();
      await tx.deleteFrom('graph_nodes').where('id', 'in', templates.map((t) => t.id)).execute();
    }
    // Its claims on numbers being migrated to it lapse, so other destinations are not blocked.
    await tx.updateTable('number_migrations').set({ status: 'expired' }).where('dest_waba_id', '=', id).where('status', '=', 'pending').execute();
    await tx.updateTable('wabas').set({ deleted_at: now }).where('id', '=', id).execute();
  });
  return { success: true };
}
