import { errors, type ApiError } from '../../core/errors.js';
import { newVerificationCode } from '../../core/ids.js';
import type { Executor } from '../../store/database.js';
import type { PhoneNumber } from '../../store/schema.js';
import { findBusiness, findWaba } from '../accounts/repo.js';
import type { PlatformContext } from '../context.js';
import { decryptBackup } from '../onprem/backup.js';
import { addRegistrationEvent, countRegistrationEvents, lockPhoneNumber, updatePhoneNumber } from '../phone-numbers/repo.js';
import {
  CODE_REQUEST_WINDOW_MS,
  CODE_TTL_MS,
  REGISTER_WINDOW_MS,
  codeMessage,
  decideCloudRegistration,
  decideDeregister,
  decideRequestCode,
  decideSetPin,
  codeVerified,
  judgeCodeGuess,
  type Decision,
} from './domain.js';

const SUCCESS = { success: true } as const;

/**
 * Loads and locks the number, lets `decide` rule, saves the patch (even when the rule also returns
 * an error, e.g. a counted wrong PIN), then reports the error after the commit.
 */
async function applyDecision(
  ctx: PlatformContext,
  numberId: string,
  decide: (tx: Executor, n: PhoneNumber, now: number) => Promise<Decision>,
  afterSave?: (tx: Executor, n: PhoneNumber, now: number) => Promise<void>,
): Promise<void> {
  const decision = await ctx.store.transaction(async (tx) => {
    const n = await lockPhoneNumber(tx, ctx.store.caps, numberId);
    if (!n) throw errors.unsupportedRequest('POST', numberId);
    const now = ctx.clock.now();
    const d = await decide(tx, n, now);
    await updatePhoneNumber(tx, numberId, d.patch);
    if (afterSave) await afterSave(tx, n, now);
    return d;
  });
  if (decision.error) throw decision.error;
}

/** Terms of Service count when accepted by the WABA's owner or by its Solution Partner (seed 003). */
async function termsAccepted(db: Executor, wabaId: string): Promise<boolean> {
  const waba = await findWaba(db, wabaId);
  if (!waba) return false;
  for (const businessId of [waba.owner_business_id, waba.partner_business_id]) {
    if (businessId && (await findBusiness(db, businessId))?.tos_accepted_at != null) return true;
  }
  return false;
}

export interface RegisterInput {
  pin: string;
  dataLocalizationRegion?: string | undefined;
  backup?: { data: string; password: string } | undefined;
}

/**
 * Registers a number on Cloud API; with an On-Prem backup this is the On-Prem → Cloud migration.
 * When the number came from another API the call returns once the downtime window has passed.
 */
export async function register(ctx: PlatformContext, numberId: string, input: RegisterInput): Promise<typeof SUCCESS> {
  const { pin, dataLocalizationRegion } = input;
  const contents = input.backup ? await decryptBackup(input.backup.data, input.backup.password) : undefined;
  if (input.backup && !contents) throw errors.backupUndecryptable();
  let downtimeUntil: number | null | undefined;
  await applyDecision(ctx, numberId, async (tx, n, now) => {
    const recent = await countRegistrationEvents(tx, n.id, 'register', now - REGISTER_WINDOW_MS);
    const decided = decideCloudRegistration(n, pin, {
      now,
      termsAccepted: await termsAccepted(tx, n.waba_id),
      recentRegistrations: recent,
      backup: contents,
      downtimeMs: ctx.settings.downtimeMs,
    });
    downtimeUntil = decided.error ? undefined : decided.patch.downtime_until;
    // Local storage is chosen at registration (deregister, then register again to change it).
    const d = decided.error ? decided : { patch: { ...decided.patch, data_localization_region: dataLocalizationRegion ?? null } };
    // Meta counts register requests, not successes; a request refused by the limit itself is not one.
    if (d.error?.spec.code !== 133016) await addRegistrationEvent(tx, n.id, 'register', now);
    return d;
  });
  // "Your request could take as long as 15 seconds": the number starts up on Cloud API meanwhile.
  const wait = typeof downtimeUntil === 'number' ? downtimeUntil - ctx.clock.now() : 0;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return SUCCESS;
}

export async function deregister(ctx: PlatformContext, numberId: string): Promise<typeof SUCCESS> {
  await applyDecision(ctx, numberId, async (tx, n, now) => {
    const d = decideDeregister(n, await countRegistrationEvents(tx, n.id, 'deregister', now - REGISTER_WINDOW_MS));
    if (d.error?.spec.code !== 133016) await addRegistrationEvent(tx, n.id, 'deregister', now);
    return d;
  });
  return SUCCESS;
}

export async function setPin(ctx: PlatformContext, numberId: string, pin: string): Promise<typeof SUCCESS> {
  await applyDecision(ctx, numberId, async (_tx, n) => decideSetPin(n, pin));
  return SUCCESS;
}

export async function requestCode(ctx: PlatformContext, numberId: string, method: string, language: string): Promise<typeof SUCCESS> {
  await applyDecision(ctx, numberId, async (tx, n, now) => {
    const refused = await issueCode(tx, n.id, { method, language, migrationId: null }, now);
    return refused ? { patch: {}, error: refused } : { patch: {} };
  });
  return SUCCESS;
}

/**
 * "Sends" a verification code to the number (the control API's code inbox), unless too many were
 * requested in the last hour. A code requested for a WABA-to-WABA migration is tagged with it.
 */
export async function issueCode(
  tx: Executor,
  numberId: string,
  request: { method: string; language: string; migrationId: number | null },
  now: number,
): Promise<ApiError | undefined> {
  const recent = await tx
    .selectFrom('verification_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('phone_number_id', '=', numberId)
    .where('sent_at', '>', now - CODE_REQUEST_WINDOW_MS)
    .executeTakeFirstOrThrow();
  const refused = decideRequestCode(Number(recent.n));
  if (refused) return refused;
  const code = newVerificationCode();
  const { method, language, migrationId } = request;
  await tx
    .insertInto('verification_codes')
    .values({ phone_number_id: numberId, code, method, language, text: codeMessage(method, code, language), sent_at: now, expires_at: now + CODE_TTL_MS, consumed_at: null, migration_id: migrationId })
    .execute();
  return undefined;
}

/**
 * Judges a guess at the newest code for one purpose and records it: a wrong guess counts against the
 * code (the last allowed one burns it); a right one uses up every pending code of the number. Returns
 * the refusal, if any, for the caller to report after its transaction commits (so the count sticks).
 */
export async function guessCode(tx: Executor, numberId: string, migrationId: number | null, guess: string, now: number): Promise<ApiError | undefined> {
  const pending = await latestCode(tx, numberId, migrationId);
  const verdict = judgeCodeGuess(pending, guess, now);
  if (pending && verdict.wrong) {
    await tx
      .updateTable('verification_codes')
      .set({ failed_attempts: pending.failed_attempts + 1, ...(verdict.burn && { consumed_at: now }) })
      .where('id', '=', pending.id)
      .execute();
  }
  if (!verdict.error) await consumeCodes(tx, numberId, now);
  return verdict.error;
}

/** The newest unused code of a number for one purpose (plain verification, or one migration). */
export async function latestCode(tx: Executor, numberId: string, migrationId: number | null): Promise<{ id: number; code: string; expires_at: number; failed_attempts: number } | undefined> {
  const q = tx.selectFrom('verification_codes').select(['id', 'code', 'expires_at', 'failed_attempts']).where('phone_number_id', '=', numberId).where('consumed_at', 'is', null);
  return (migrationId === null ? q.where('migration_id', 'is', null) : q.where('migration_id', '=', migrationId)).orderBy('id', 'desc').executeTakeFirst();
}

/** Marks every unused code of the number as used, so none can be replayed. */
export async function consumeCodes(tx: Executor, numberId: string, now: number): Promise<void> {
  await tx.updateTable('verification_codes').set({ consumed_at: now }).where('phone_number_id', '=', numberId).where('consumed_at', 'is', null).execute();
}

export async function verifyCode(ctx: PlatformContext, numberId: string, code: string): Promise<typeof SUCCESS> {
  await applyDecision(ctx, numberId, async (tx, n, now) => {
    const error = await guessCode(tx, n.id, null, code, now);
    return error ? { patch: {}, error } : codeVerified(n, now);
  });
  return SUCCESS;
}
