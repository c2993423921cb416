import { DAY, HOUR } from '../../core/clock.js';
import { errors, type ApiError } from '../../core/errors.js';
import type { Business, NumberMigration, PhoneNumber, Template, Waba } from '../../store/schema.js';
import { reviewTemplate } from '../templates/domain.js';

/**
 * WABA-to-WABA migration rules (seed 004). Pure: the service gathers the facts, these functions
 * decide. Choices where Meta is silent are documented in docs/platform.md ("WABA-to-WABA migration").
 */

/**
 * A destination's claim on a number lasts this long without a verified code; then another
 * destination may claim it (Meta gives no figure; one claim at a time is what makes the race safe).
 */
export const MIGRATION_CLAIM_TTL_MS = 1 * HOUR;
/** Migrated templates keep quality UNKNOWN for this long, then are re-rated from their traffic. */
export const TEMPLATE_RERATING_DELAY_MS = 1 * DAY;

export interface EligibilityFacts {
  readonly number: PhoneNumber | undefined;
  readonly sourceWaba: Waba | undefined;
  readonly sourceBusiness: Business | undefined;
  readonly destWaba: Waba;
  readonly destBusiness: Business | undefined;
  readonly destHasSubscribedApp: boolean;
  /** A pending, unexpired claim on the number, if any. */
  readonly pendingClaim: NumberMigration | undefined;
}

const notEligible = errors.migrationNotEligible;

/** The API a number is on for migration purposes; a number a wrong PIN took off its deployment is still On-Prem. */
export function sourceApi(n: PhoneNumber): 'cloud' | 'onprem' | undefined {
  if (n.api === 'cloud') return 'cloud';
  if (n.api === 'onprem' || n.onprem_deployment_id !== null) return 'onprem';
  return undefined;
}

/**
 * Every eligibility rule of seed 004's "Before you start" and "Limitations", in a fixed order: the
 * destination's own set-up first (the caller can fix it), then the number, then the source.
 */
export function checkEligibility(f: EligibilityFacts): ApiError | undefined {
  const { number: n, destWaba } = f;
  if (f.destBusiness?.verification_status !== 'verified') {
    return notEligible('Business Verification Required', "The destination WhatsApp Business Account's business must complete Business Verification before a phone number can be migrated to it.");
  }
  if (destWaba.review_status !== 'APPROVED') {
    return notEligible('Destination Account Not Approved', 'The destination WhatsApp Business Account must be approved before a phone number can be migrated to it.');
  }
  if (!destWaba.payment_method) {
    return notEligible('No Payment Method', 'The destination WhatsApp Business Account does not have a payment method (credit line). Add one, then migrate the phone number.');
  }
  if (!n) {
    return notEligible('Phone Number Can Be Added Directly', 'This phone number is not registered on the WhatsApp Business Platform. Add it directly with POST /{WABA_ID}/phone_numbers instead of migrating it.');
  }
  if (n.waba_id === destWaba.id) return errors.phoneNumberAlreadyExists();
  if (n.is_test_number) return notEligible('Test Number Cannot Be Migrated', 'Test business phone numbers issued by WhatsApp cannot be migrated.');
  if (n.is_on_biz_app) {
    return notEligible('WhatsApp Business App Number', 'Phone numbers in use with the WhatsApp Business App cannot be migrated with this API. Migrate the number from the app to the Cloud API or On-Premises API instead.');
  }
  const api = sourceApi(n);
  if (!api) {
    return notEligible('Phone Number Can Be Added Directly', 'This phone number is not registered with its current WhatsApp Business Account. Add it directly with POST /{WABA_ID}/phone_numbers instead of migrating it.');
  }
  if (f.sourceBusiness?.verification_status !== 'verified' || f.sourceWaba?.review_status !== 'APPROVED') {
    return notEligible('Source Account Not Set Up Correctly', 'The source WhatsApp Business Account must have Business Verification completed and its review approved before its phone number can be migrated.');
  }
  if (n.two_step_enabled) return errors.migrationTwoStepEnabled();
  if (n.name_status !== 'APPROVED' || n.new_name_status !== null) {
    return notEligible('Display Name Not Approved', 'The phone number must have an approved display name (name_status APPROVED) and no pending display name change to be migrated.');
  }
  if (api === 'cloud' && !f.destHasSubscribedApp) {
    return notEligible('No Webhook Subscription', 'Subscribe at least one app to webhooks on the destination WhatsApp Business Account (POST /{WABA_ID}/subscribed_apps) before migrating a Cloud API phone number to it.');
  }
  if (f.pendingClaim && f.pendingClaim.dest_waba_id !== destWaba.id) {
    return notEligible('Migration In Progress', 'This phone number is being migrated to another WhatsApp Business Account. Try again later.');
  }
  return undefined;
}

/** Why a source template was not duplicated (the migration report's vocabulary). */
export type SkipReason = 'NOT_APPROVED' | 'NOT_HIGH_QUALITY' | 'EXISTS_IN_DESTINATION' | 'DESTINATION_TEMPLATE_LIMIT';

export interface TemplateCopy {
  readonly source: Template;
  readonly status: 'APPROVED' | 'REJECTED';
  readonly reason: 'NONE' | 'INCORRECT_CATEGORY';
}

export interface TemplatePlan {
  readonly copies: readonly TemplateCopy[];
  readonly skipped: readonly { readonly source: Template; readonly reason: SkipReason }[];
}

/**
 * Which source templates the destination gets: APPROVED high-quality (GREEN) ones not already there
 * by name and language, oldest first, until the destination's template limit. Each copy passes the
 * categorisation check and may come out REJECTED.
 */
export function planTemplateCopies(source: readonly Template[], dest: readonly Pick<Template, 'name' | 'language'>[], destLimit: number): TemplatePlan {
  const taken = new Set(dest.map((t) => `${t.name}\u0000${t.language}`));
  let room = Math.max(0, destLimit - dest.length);
  const copies: TemplateCopy[] = [];
  const skipped: { source: Template; reason: SkipReason }[] = [];
  const oldestFirst = [...source].sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
  for (const t of oldestFirst) {
    const reason = skipReason(t, taken, room);
    if (reason) {
      skipped.push({ source: t, reason });
      continue;
    }
    room -= 1;
    taken.add(`${t.name}\u0000${t.language}`);
    copies.push({ source: t, ...reviewTemplate(t.category, JSON.parse(t.components) as { type: string; text?: string }[]) });
  }
  return { copies, skipped };
}

function skipReason(t: Template, taken: ReadonlySet<string>, room: number): SkipReason | undefined {
  if (t.status !== 'APPROVED') return 'NOT_APPROVED';
  if (t.quality_score !== 'GREEN') return 'NOT_HIGH_QUALITY';
  if (taken.has(`${t.name}\u0000${t.language}`)) return 'EXISTS_IN_DESTINATION';
  if (room <= 0) return 'DESTINATION_TEMPLATE_LIMIT';
  return undefined;
}

/** Fewest sends in the first 24 h for a migrated template to be rated ("if sufficient data is available"). */
export const RERATING_MIN_SENDS = 1;

/**
 * The re-rating of a migrated template from its first day of traffic in the destination. Meta rates
 * on user feedback; the emulator has failures only, so: ≤10 % failed → GREEN, ≤30 % → YELLOW, else RED.
 * Too little traffic leaves it UNKNOWN (checked again later).
 */
export function rateFromTraffic(sent: number, failed: number): 'GREEN' | 'YELLOW' | 'RED' | undefined {
  if (sent < RERATING_MIN_SENDS) return undefined;
  const failure = failed / sent;
  return failure <= 0.1 ? 'GREEN' : failure <= 0.3 ? 'YELLOW' : 'RED';
}
