import { randomBytes } from 'node:crypto';
import { DAY } from '../../core/clock.js';
import { errors, onpremErrors } from '../../core/errors.js';
import { sha256Hex } from '../../core/ids.js';
import type { Executor } from '../../store/database.js';
import type { OnpremDeployment, PhoneNumber } from '../../store/schema.js';
import type { PlatformContext } from '../context.js';
import { findPhoneNumber, findPhoneNumberByE164, lockPhoneNumber, updatePhoneNumber } from '../phone-numbers/repo.js';
import { checkPin, hashPin, isBackupCurrent } from '../registration/domain.js';
import { guessCode, issueCode } from '../registration/service.js';
import { encryptBackup, decryptBackup, type BackupContents } from './backup.js';
import { readCert } from './cert.js';
import { defaultApplicationSettings } from './format.js';
import { findDeployment, updateDeployment } from './repo.js';

export const TOKEN_TTL_MS = 7 * DAY;
export const DEFAULT_ADMIN_PASSWORD = 'secret';

const hashPassword = (deploymentId: string, password: string): string => sha256Hex(`onprem:${deploymentId}:${password}`);

export type GatewayStatus = 'unregistered' | 'connected' | 'disconnected';

/** Whether this deployment currently holds its number (a number is registered on exactly one API). */
export function gatewayStatus(dep: OnpremDeployment, number: PhoneNumber | undefined): GatewayStatus {
  if (!dep.phone_number_id || !number) return 'unregistered';
  return number.api === 'onprem' && number.onprem_deployment_id === dep.id ? 'connected' : 'disconnected';
}

export interface NewDeployment {
  id: string;
  /** Also serve `/v1/...` at the root of this port (0 = any free port, chosen at start). */
  port?: number | undefined;
  adminPassword?: string | undefined;
  webhookUrl?: string | undefined;
}

/** Emulator control: "docker run" a new On-Prem deployment. Without a password it has admin/secret and asks for a change. */
export async function createDeployment(ctx: PlatformContext, input: NewDeployment): Promise<OnpremDeployment> {
  if (await findDeployment(ctx.store.db, input.id)) throw onpremErrors.alreadyExists(`Deployment ${input.id} already exists`);
  const settings = defaultApplicationSettings();
  if (input.webhookUrl) (settings['webhooks'] as Record<string, unknown>)['url'] = input.webhookUrl;
  const dep: OnpremDeployment = {
    id: input.id,
    admin_password_hash: hashPassword(input.id, input.adminPassword ?? DEFAULT_ADMIN_PASSWORD),
    password_change_required: input.adminPassword ? 0 : 1,
    settings: JSON.stringify(settings),
    shards: 1,
    phone_number_id: null,
    pending_registration: null,
    created_at: ctx.clock.now(),
    port: input.port ?? null,
  };
  await ctx.store.db.insertInto('onprem_deployments').values(dep).execute();
  return dep;
}

/** Emulator seeding: a deployment that already holds `number` (registered there, as if set up long ago). */
export async function seedOnpremDeployment(
  ctx: PlatformContext,
  db: Executor,
  input: { id: string; adminPassword: string; webhookUrl: string; number: PhoneNumber; shards: number },
): Promise<void> {
  const settings = defaultApplicationSettings();
  (settings['webhooks'] as Record<string, unknown>)['url'] = input.webhookUrl;
  settings['wa_id'] = `${input.number.cc}${input.number.number}`;
  const now = ctx.clock.now();
  await db
    .insertInto('onprem_deployments')
    .values({
      id: input.id,
      admin_password_hash: hashPassword(input.id, input.adminPassword),
      password_change_required: 0,
      settings: JSON.stringify(settings),
      shards: input.shards,
      phone_number_id: input.number.id,
      pending_registration: null,
      created_at: now,
      port: null,
    })
    .execute();
  await updatePhoneNumber(db, input.number.id, { api: 'onprem', onprem_deployment_id: input.id, status: 'CONNECTED', registered_at: now, last_onboarded_at: now });
}

/** `POST /v1/users/login` with Basic auth; `new_password` changes the password first. */
export async function login(ctx: PlatformContext, deploymentId: string, authorization: string | undefined, newPassword: unknown): Promise<{ token: string; expires_after: string }> {
  const dep = await findDeployment(ctx.store.db, deploymentId);
  if (!dep) throw onpremErrors.notFound(`Unknown deployment ${deploymentId}`);
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  const [user, ...rest] = basic?.[1] ? Buffer.from(basic[1], 'base64').toString('utf8').split(':') : [];
  if (user !== 'admin' || hashPassword(dep.id, rest.join(':')) !== dep.admin_password_hash) throw onpremErrors.unauthorized('Invalid username or password');
  if (typeof newPassword === 'string') {
    if (newPassword.length < 8 || newPassword.length > 64) throw onpremErrors.invalidParameter('new_password must be 8 to 64 characters');
    await updateDeployment(ctx.store.db, dep.id, { admin_password_hash: hashPassword(dep.id, newPassword), password_change_required: 0 });
  } else if (dep.password_change_required) {
    throw onpremErrors.passwordChangeRequired();
  }
  const token = randomBytes(32).toString('base64url');
  const expiresAt = ctx.clock.now() + TOKEN_TTL_MS;
  await ctx.store.db.insertInto('onprem_tokens').values({ token_hash: sha256Hex(token), deployment_id: dep.id, username: 'admin', expires_at: expiresAt }).execute();
  return { token, expires_after: new Date(expiresAt).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '+00:00') };
}

export async function logout(ctx: PlatformContext, token: string): Promise<void> {
  await ctx.store.db.deleteFrom('onprem_tokens').where('token_hash', '=', sha256Hex(token)).execute();
}

/** Checks `Authorization: Bearer` against the deployment's tokens; every /v1 call but login needs it. */
export async function authenticate(ctx: PlatformContext, deploymentId: string, authorization: string | undefined): Promise<OnpremDeployment> {
  const dep = await findDeployment(ctx.store.db, deploymentId);
  if (!dep) throw onpremErrors.notFound(`Unknown deployment ${deploymentId}`);
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) throw onpremErrors.unauthorized('Missing bearer token; log in with POST /v1/users/login');
  const row = await ctx.store.db.selectFrom('onprem_tokens').selectAll().where('token_hash', '=', sha256Hex(token)).executeTakeFirst();
  if (!row || row.deployment_id !== dep.id || row.expires_at <= ctx.clock.now()) throw onpremErrors.unauthorized('Invalid or expired token');
  return dep;
}

/** `GET /v1/health`'s `gateway_status`. */
export async function gatewayStatusOf(ctx: PlatformContext, dep: OnpremDeployment): Promise<GatewayStatus> {
  return gatewayStatus(dep, dep.phone_number_id ? await findPhoneNumber(ctx.store.db, dep.phone_number_id) : undefined);
}

/** The number this deployment holds, or the error its calls get when it holds none. */
export async function connectedNumber(db: Executor, dep: OnpremDeployment): Promise<PhoneNumber> {
  const number = dep.phone_number_id ? await findPhoneNumber(db, dep.phone_number_id) : undefined;
  const status = gatewayStatus(dep, number);
  if (status === 'connected' && number) return number;
  throw onpremErrors.serviceNotReady(
    status === 'disconnected'
      ? 'This deployment is disconnected from WhatsApp servers: the number was registered elsewhere (e.g. migrated to Cloud API).'
      : 'This deployment is not registered. Register a number with POST /v1/account.',
  );
}

export interface AccountRequest {
  cc: string;
  phone_number: string;
  method: 'sms' | 'voice';
  cert: string;
  pin?: string | undefined;
}

/**
 * `POST /v1/account` (seed 001 step 3): 201 when this deployment already holds the number, else a
 * code goes out by SMS or voice (the control API's code inbox) and 202 carries the cert's `vname`.
 */
export async function requestAccount(ctx: PlatformContext, dep: OnpremDeployment, req: AccountRequest): Promise<{ created: boolean; vname: string }> {
  const cert = readCert(ctx.certSecret, req.cert);
  if (!cert) throw onpremErrors.invalidParameter('Invalid cert: it could not be verified. Download the certificate from WhatsApp Manager.');
  if (cert.cc !== req.cc || cert.phone_number !== req.phone_number) throw onpremErrors.invalidParameter('The cert was issued for another phone number.');
  const outcome = await ctx.store.transaction(async (tx) => {
    const found = await findPhoneNumberByE164(tx, req.cc, req.phone_number);
    const number = found ? await lockPhoneNumber(tx, ctx.store.caps, found.id) : undefined;
    if (!number) throw onpremErrors.notFound(`Phone number +${req.cc} ${req.phone_number} is not known to WhatsApp`);
    if (number.api === 'onprem' && number.onprem_deployment_id === dep.id) return { created: true as const };
    // One deployment serves one business number: a second one needs its own deployment.
    const held = dep.phone_number_id && dep.phone_number_id !== number.id ? await findPhoneNumber(tx, dep.phone_number_id) : undefined;
    if (held && gatewayStatus(dep, held) === 'connected') {
      return { error: onpremErrors.alreadyExists(`This deployment already serves +${held.cc} ${held.number}; register another number on its own deployment.`) };
    }
    const now = ctx.clock.now();
    if (number.two_step_enabled) {
      if (!req.pin) return { error: onpremErrors.requiredParameter('pin') };
      const check = checkPin(number, req.pin, now);
      await updatePhoneNumber(tx, number.id, check.patch);
      if (check.error) return { error: check.error };
    }
    const refused = await issueCode(tx, number.id, { method: req.method.toUpperCase(), language: 'en_US', migrationId: null }, now);
    if (refused) return { error: refused };
    await updateDeployment(tx, dep.id, { pending_registration: JSON.stringify({ phone_number_id: number.id, vname: cert.vname }) });
    return { created: false as const };
  });
  if ('error' in outcome) throw outcome.error;
  return { created: outcome.created, vname: cert.vname };
}

/**
 * `POST /v1/account/verify`: the code proves ownership, and the number moves to this deployment,
 * leaving Cloud API (or another deployment). Downtime starts now.
 */
export async function verifyAccount(ctx: PlatformContext, dep: OnpremDeployment, code: string): Promise<void> {
  const pending = dep.pending_registration ? (JSON.parse(dep.pending_registration) as { phone_number_id: string }) : undefined;
  if (!pending) throw onpremErrors.invalidRequest('No registration in progress. Request a code with POST /v1/account first.');
  const refused = await ctx.store.transaction(async (tx) => {
    const number = await lockPhoneNumber(tx, ctx.store.caps, pending.phone_number_id);
    if (!number) throw onpremErrors.notFound('The phone number being registered no longer exists');
    const now = ctx.clock.now();
    // A wrong guess is counted and committed; only then is it reported.
    if (await guessCode(tx, number.id, null, code, now)) return onpremErrors.invalidParameter('Invalid or expired registration code');
    await takeNumber(ctx, tx, dep.id, number, now);
    return undefined;
  });
  if (refused) throw refused;
}

/** The number becomes this deployment's: registered on On-Prem, off Cloud API and any other deployment. */
async function takeNumber(ctx: PlatformContext, tx: Executor, deploymentId: string, number: PhoneNumber, now: number, backupNonce: string | null = null): Promise<void> {
  await updatePhoneNumber(tx, number.id, {
    api: 'onprem',
    onprem_deployment_id: deploymentId,
    status: 'CONNECTED',
    code_verification_status: 'VERIFIED',
    verified_at: now,
    registered_at: now,
    last_onboarded_at: now,
    downtime_until: now + ctx.settings.downtimeMs,
    // A deployment starts with its own message store: nothing from another API or deployment carries over.
    history_since: now,
    onboarded_by_backup: backupNonce,
  });
  // settings.application.wa_id reports the number this deployment is registered with (api-facts D.1).
  const dep = await findDeployment(tx, deploymentId);
  const settings = { ...(dep ? readSettings(dep) : defaultApplicationSettings()), wa_id: `${number.cc}${number.number}` };
  await updateDeployment(tx, deploymentId, { phone_number_id: number.id, pending_registration: null, settings: JSON.stringify(settings) });
}

export async function setTwoStep(ctx: PlatformContext, dep: OnpremDeployment, pin: string | null): Promise<void> {
  const number = await connectedNumber(ctx.store.db, dep);
  await updatePhoneNumber(
    ctx.store.db,
    number.id,
    pin === null ? { two_step_enabled: 0, pin_hash: null, pin_failures: 0, pin_locked_until: null } : { two_step_enabled: 1, pin_hash: hashPin(number.id, pin), pin_failures: 0, pin_locked_until: null },
  );
}

export async function setShards(ctx: PlatformContext, dep: OnpremDeployment, req: { cc: string; phone_number: string; shards: number; cert: string; pin?: string | undefined }): Promise<void> {
  const number = await connectedNumber(ctx.store.db, dep);
  if (number.cc !== req.cc || number.number !== req.phone_number) throw onpremErrors.invalidParameter('cc and phone_number must be the number registered on this deployment');
  const cert = readCert(ctx.certSecret, req.cert);
  if (!cert || cert.cc !== req.cc || cert.phone_number !== req.phone_number) throw onpremErrors.invalidParameter('Invalid cert for this phone number');
  if (number.two_step_enabled) {
    if (!req.pin) throw onpremErrors.requiredParameter('pin');
    const check = checkPin(number, req.pin, ctx.clock.now());
    await updatePhoneNumber(ctx.store.db, number.id, check.patch);
    if (check.error) throw check.error;
  }
  await updateDeployment(ctx.store.db, dep.id, { shards: req.shards });
}

export function readSettings(dep: OnpremDeployment): Record<string, unknown> {
  return JSON.parse(dep.settings) as Record<string, unknown>;
}

/** PATCH semantics of `/v1/settings/application`: keys present replace, nested objects merge, absent keys stay. */
export function mergeSettings(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    const existing = out[k];
    out[k] = isPlainObject(v) && isPlainObject(existing) ? mergeSettings(existing, v) : v;
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `POST /v1/settings/backup`: only a registered, running deployment can back up. */
export async function backup(ctx: PlatformContext, dep: OnpremDeployment, password: string): Promise<string> {
  const number = await connectedNumber(ctx.store.db, dep);
  const contents: BackupContents = {
    v: 1,
    deploymentId: dep.id,
    phoneNumberId: number.id,
    cc: number.cc,
    number: number.number,
    verifiedName: number.verified_name,
    isOfficialBusinessAccount: number.is_official_business_account === 1,
    profile: JSON.parse(number.profile) as Record<string, unknown>,
    shards: dep.shards,
    settings: readSettings(dep),
    createdAt: ctx.clock.now(),
    nonce: randomBytes(12).toString('hex'),
  };
  return encryptBackup(contents, password, ctx.settings.backupKdfCost);
}

/**
 * `POST /v1/settings/restore` on a fresh deployment: restores settings and shards, and the number's
 * registration moves to this deployment (the old one is disconnected).
 */
export async function restore(ctx: PlatformContext, dep: OnpremDeployment, password: string, data: string): Promise<void> {
  const contents = await decryptBackup(data, password);
  if (!contents) throw onpremErrors.invalidParameter('The backup data could not be decrypted: wrong password, or the data was modified.');
  await ctx.store.transaction(async (tx) => {
    const number = await lockPhoneNumber(tx, ctx.store.caps, contents.phoneNumberId);
    if (!number) throw onpremErrors.notFound('The backed-up phone number no longer exists');
    if (number.api === 'onprem' && number.onprem_deployment_id === dep.id) throw onpremErrors.alreadyExists('This deployment already holds the number');
    // Restore is for a new (or disconnected) deployment; one that holds another number would orphan it.
    const held = dep.phone_number_id ? await findPhoneNumber(tx, dep.phone_number_id) : undefined;
    if (gatewayStatus(dep, held) === 'connected') throw onpremErrors.alreadyExists('This deployment is registered with another number; restore onto a new deployment.');
    if (number.api === 'cloud') throw onpremErrors.accessDenied('The number is registered on Cloud API; register it here with POST /v1/account instead.');
    if (!isBackupCurrent(contents.createdAt, number)) throw errors.backupOutdated();
    await updateDeployment(tx, dep.id, { settings: JSON.stringify(mergeSettings(readSettings(dep), contents.settings)), shards: contents.shards });
    await takeNumber(ctx, tx, dep.id, number, ctx.clock.now(), contents.nonce);
  });
}
