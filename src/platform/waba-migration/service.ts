import { errors } from '../../core/errors.js';
import type { Executor } from '../../store/database.js';
import type { NumberMigration, PhoneNumber, Template } from '../../store/schema.js';
import { findBusiness, findWaba } from '../accounts/repo.js';
import type { PlatformContext } from '../context.js';
import { e164Digits } from '../phone-numbers/domain.js';
import { findPhoneNumberByE164, lockPhoneNumber, updatePhoneNumber } from '../phone-numbers/repo.js';
import { guessCode, issueCode } from '../registration/service.js';
import { insertTemplate, listTemplates, newTemplateRow } from '../templates/service.js';
import type { Notification } from '../webhooks/outbox.js';
import { MIGRATION_CLAIM_TTL_MS, checkEligibility, planTemplateCopies, sourceApi, type TemplatePlan } from './domain.js';
import { insertMigration, pendingMigrations, updateMigration } from './repo.js';

/** What a completed migration moved and what it did not (stored on the migration, shown by the control API). */
export interface MigrationReport {
  phone_number_id: string;
  source_waba_id: string;
  dest_waba_id: string;
  source_api: string;
  history_carried: boolean;
  kept: { verified_name: string; quality_rating: string; messaging_limit_tier: string; is_official_business_account: boolean };
  templates: {
    duplicated: { source_id: string; id: string; name: string; language: string; status: string; reason: string }[];
    skipped: { source_id: string; name: string; language: string; reason: string }[];
  };
}

const isActive = (m: NumberMigration, now: number): boolean => m.expires_at > now;

/**
 * `POST /{DEST_WABA_ID}/phone_numbers` with `migrate_phone_number=true` (seed 004 step 2): checks
 * every eligibility rule and records the destination's claim on the number. Asking again for the same
 * destination renews the claim; one destination at a time may hold one.
 */
export async function requestMigration(ctx: PlatformContext, destWabaId: string, e164: { cc: string; phoneNumber: string }): Promise<{ id: string }> {
  return ctx.store.transaction(async (tx) => {
    const found = await findPhoneNumberByE164(tx, e164.cc, e164.phoneNumber);
    const number = found ? await lockPhoneNumber(tx, ctx.store.caps, found.id) : undefined;
    const now = ctx.clock.now();
    const claims = number ? await pendingMigrations(tx, number.id) : [];
    const refused = await eligibility(tx, number, destWabaId, claims.find((m) => isActive(m, now)));
    if (refused) throw refused;
    if (!number) throw errors.internal();
    const own = claims.find((m) => m.dest_waba_id === destWabaId);
    // Expired claims of other destinations lapse; the destination's own claim is renewed.
    for (const m of claims) if (m !== own) await updateMigration(tx, m.id, { status: 'expired' });
    if (own) {
      await updateMigration(tx, own.id, { expires_at: now + MIGRATION_CLAIM_TTL_MS, source_waba_id: number.waba_id, source_api: sourceApi(number) ?? 'cloud' });
    } else {
      await insertMigration(tx, {
        phone_number_id: number.id,
        source_waba_id: number.waba_id,
        dest_waba_id: destWabaId,
        source_api: sourceApi(number) ?? 'cloud',
        status: 'pending',
        requested_at: now,
        expires_at: now + MIGRATION_CLAIM_TTL_MS,
        completed_at: null,
        report: null,
      });
    }
    return { id: number.id };
  });
}

/** Gathers the facts seed 004's eligibility rules need and lets the domain decide. */
async function eligibility(tx: Executor, number: PhoneNumber | undefined, destWabaId: string, activeClaim: NumberMigration | undefined) {
  const destWaba = await findWaba(tx, destWabaId);
  if (!destWaba) return errors.unsupportedRequest('POST', destWabaId);
  const sourceWaba = number ? await findWaba(tx, number.waba_id) : undefined;
  const subscribed = await tx.selectFrom('waba_subscriptions').select('app_id').where('waba_id', '=', destWabaId).executeTakeFirst();
  return checkEligibility({
    number,
    sourceWaba,
    sourceBusiness: sourceWaba ? await findBusiness(tx, sourceWaba.owner_business_id) : undefined,
    destWaba,
    destBusiness: await findBusiness(tx, destWaba.owner_business_id),
    destHasSubscribedApp: subscribed !== undefined,
    pendingClaim: activeClaim,
  });
}

/** `POST /{PHONE_NUMBER_ID}/request_code` by a migration's destination: the code is tagged with the claim. */
export async function requestMigrationCode(ctx: PlatformContext, claim: NumberMigration, method: string, language: string): Promise<{ success: true }> {
  await ctx.store.transaction(async (tx) => {
    const now = ctx.clock.now();
    if (!isActive(claim, now)) throw errors.notBeingMigrated(2388091);
    const refused = await issueCode(tx, claim.phone_number_id, { method, language, migrationId: claim.id }, now);
    if (refused) throw refused;
  });
  return { success: true };
}

/**
 * `POST /{PHONE_NUMBER_ID}/verify_code` by a migration's destination: ownership is proven, the rules
 * are checked again (state may have changed since the claim) and the number moves (seed 004 step 3).
 */
export async function verifyMigrationCode(ctx: PlatformContext, claim: NumberMigration, code: string): Promise<{ success: true }> {
  const refused = await ctx.store.transaction(async (tx) => {
    const now = ctx.clock.now();
    const current = (await pendingMigrations(tx, claim.phone_number_id)).find((m) => m.id === claim.id);
    if (!current || !isActive(current, now)) throw errors.notBeingMigrated(2388093);
    const number = await lockPhoneNumber(tx, ctx.store.caps, claim.phone_number_id);
    if (!number) throw errors.unsupportedRequest('POST', claim.phone_number_id);
    const ineligible = await eligibility(tx, number, claim.dest_waba_id, undefined);
    if (ineligible) throw ineligible;
    // A wrong guess is counted and committed; only then is it reported.
    const wrong = await guessCode(tx, number.id, claim.id, code, now);
    if (wrong) return wrong;
    await completeMigration(ctx, tx, number, current, now);
    return undefined;
  });
  if (refused) throw refused;
  return { success: true };
}

/**
 * The number leaves the source WABA for the destination: display name, quality rating, messaging
 * limit and OBA status stay; templates are duplicated; media and message history stay usable only
 * when the number was on Cloud API (seed 004 "Limitations"). It must then be registered by the
 * destination (Cloud `POST /register`, or On-Prem `POST /v1/account`).
 */
async function completeMigration(ctx: PlatformContext, tx: Executor, n: PhoneNumber, m: NumberMigration, now: number): Promise<void> {
  const historyCarried = m.source_api === 'cloud';
  await updatePhoneNumber(tx, n.id, {
    waba_id: m.dest_waba_id,
    api: 'none',
    onprem_deployment_id: null,
    status: 'MIGRATED',
    code_verification_status: 'VERIFIED',
    verified_at: now,
    webhook_override_url: null,
    data_localization_region: null,
    downtime_until: null,
    history_since: historyCarried ? n.history_since : now,
  });
  const plan = await duplicateTemplates(ctx, tx, m, now);
  const report = reportOf(n, m, historyCarried, plan);
  await updateMigration(tx, m.id, { status: 'completed', completed_at: now, report: JSON.stringify(report) });
  await ctx.outbox.enqueueAll(tx, migrationNotifications(n, m), now);
}

async function duplicateTemplates(ctx: PlatformContext, tx: Executor, m: NumberMigration, now: number): Promise<TemplatePlan & { created: Map<string, Template> }> {
  const dest = await findWaba(tx, m.dest_waba_id);
  const plan = planTemplateCopies(await listTemplates(tx, m.source_waba_id), await listTemplates(tx, m.dest_waba_id), dest?.template_limit ?? 0);
  const created = new Map<string, Template>();
  for (const copy of plan.copies) {
    const t = newTemplateRow(m.dest_waba_id, { ...copy.source, source_template_id: copy.source.id }, copy, now);
    await insertTemplate(ctx, tx, t, now);
    created.set(copy.source.id, t);
  }
  return { ...plan, created };
}

function reportOf(n: PhoneNumber, m: NumberMigration, historyCarried: boolean, plan: TemplatePlan & { created: Map<string, Template> }): MigrationReport {
  return {
    phone_number_id: n.id,
    source_waba_id: m.source_waba_id,
    dest_waba_id: m.dest_waba_id,
    source_api: m.source_api,
    history_carried: historyCarried,
    kept: { verified_name: n.verified_name, quality_rating: n.quality_rating, messaging_limit_tier: n.messaging_limit_tier, is_official_business_account: n.is_official_business_account === 1 },
    templates: {
      duplicated: plan.copies.map((c) => {
        const t = plan.created.get(c.source.id);
        return { source_id: c.source.id, id: t?.id ?? '', name: c.source.name, language: c.source.language, status: c.status, reason: c.reason };
      }),
      skipped: plan.skipped.map((s) => ({ source_id: s.source.id, name: s.source.name, language: s.source.language, reason: s.reason })),
    },
  };
}

/**
 * Business Management webhooks of a completed migration: `account_update` to both WABAs' apps (event
 * PHONE_NUMBER_MIGRATED: Meta documents no event for this, the name and shape are ours, following
 * account_update's `{event, phone_number}` style) and `phone_number_name_update` with the display
 * name approved in the destination. Template status updates go out as the copies are created.
 */
function migrationNotifications(n: PhoneNumber, m: NumberMigration): Notification[] {
  const phone = e164Digits(n);
  const accountUpdate = (wabaId: string, role: 'SOURCE' | 'DESTINATION'): Notification => ({
    wabaId,
    phoneNumberId: n.id,
    field: 'account_update',
    value: { event: 'PHONE_NUMBER_MIGRATED', phone_number: phone, migration_info: { role, source_waba_id: m.source_waba_id, destination_waba_id: m.dest_waba_id } },
  });
  return [
    accountUpdate(m.source_waba_id, 'SOURCE'),
    accountUpdate(m.dest_waba_id, 'DESTINATION'),
    {
      wabaId: m.dest_waba_id,
      phoneNumberId: n.id,
      field: 'phone_number_name_update',
      value: { display_phone_number: phone, decision: 'APPROVED', requested_verified_name: n.verified_name, rejection_reason: null },
    },
  ];
}
