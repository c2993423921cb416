import { getCountries, getCountryCallingCode } from 'libphonenumber-js/min';
import type { Business, PhoneNumber, Waba } from '../../store/schema.js';

/** Which API a number is registered on. A number is on exactly one of these at any instant. */
export type RegisteredApi = 'none' | 'cloud' | 'onprem';

export const platformType = (api: string): 'CLOUD_API' | 'ON_PREMISE' | 'NOT_APPLICABLE' =>
  api === 'cloud' ? 'CLOUD_API' : api === 'onprem' ? 'ON_PREMISE' : 'NOT_APPLICABLE';

/** Digits only, as webhooks' `metadata.display_phone_number` and `wa_id` write it. */
export const e164Digits = (n: Pick<PhoneNumber, 'cc' | 'number'>): string => `${n.cc}${n.number}`;

/** Country calling codes in use (ITU-T E.164), from libphonenumber's metadata. They form a prefix code. */
const COUNTRY_CALLING_CODES: ReadonlySet<string> = new Set(getCountries().map((country) => getCountryCallingCode(country)));

const E164_MAX_DIGITS = 15;

/**
 * Why a new number's cc and national number cannot be a phone number, if they cannot. Because calling
 * codes are prefix-free, a valid cc leaves one way to split a number's digits: "+1 6315555555" cannot
 * come back as cc 163 (no such code) and become a second copy of the same number.
 */
export function newNumberProblem(cc: string, number: string): { param: 'cc' | 'phone_number'; details: string } | undefined {
  if (!COUNTRY_CALLING_CODES.has(cc)) return { param: 'cc', details: `${cc} is not a country calling code` };
  if (cc.length + number.length > E164_MAX_DIGITS) return { param: 'phone_number', details: `+${cc} ${number} has more than ${E164_MAX_DIGITS} digits (E.164)` };
  return undefined;
}

/** Human form used by `display_phone_number`: "+1 631-555-5555" for NANP, "+44 7700900123" otherwise. */
export function displayPhoneNumber(n: Pick<PhoneNumber, 'cc' | 'number'>): string {
  const m = /^(\d{3})(\d{3})(\d{4})$/.exec(n.number);
  if (n.cc === '1' && m) return `+1 ${m[1]}-${m[2]}-${m[3]}`;
  return `+${n.cc} ${n.number}`;
}

export type CanSend = 'AVAILABLE' | 'LIMITED' | 'BLOCKED';

export interface HealthEntity {
  entity_type: 'PHONE_NUMBER' | 'WABA' | 'BUSINESS' | 'APP';
  id: string;
  can_send_message: CanSend;
  additional_info?: string[];
  errors?: { error_code: number; error_description: string; possible_solution: string }[];
}

export interface HealthStatus {
  can_send_message: CanSend;
  entities: HealthEntity[];
}

const worst = (values: CanSend[]): CanSend => (values.includes('BLOCKED') ? 'BLOCKED' : values.includes('LIMITED') ? 'LIMITED' : 'AVAILABLE');

/**
 * `health_status` of a phone number (api-facts B.1): one entity per node involved in sending, and
 * an aggregate that is the worst of them. The number is BLOCKED unless it is registered on Cloud API.
 */
export function phoneHealth(number: PhoneNumber, waba: Waba, business: Business, appId: string | null): HealthStatus {
  const entities: HealthEntity[] = [phoneEntity(number), wabaEntity(waba), businessEntity(business)];
  if (appId) entities.push({ entity_type: 'APP', id: appId, can_send_message: 'AVAILABLE' });
  return { can_send_message: worst(entities.map((e) => e.can_send_message)), entities };
}

function phoneEntity(n: PhoneNumber): HealthEntity {
  const base = { entity_type: 'PHONE_NUMBER' as const, id: n.id };
  if (n.api !== 'cloud') {
    const where = n.api === 'onprem' ? 'The number is registered on the On-Premises API.' : 'The number is not registered.';
    return {
      ...base,
      can_send_message: 'BLOCKED',
      errors: [{ error_code: 133010, error_description: `Account not registered. ${where}`, possible_solution: 'Register the number for Cloud API with POST /{PHONE_NUMBER_ID}/register.' }],
    };
  }
  const info: string[] = [];
  if (n.name_status !== 'APPROVED' && n.name_status !== 'AVAILABLE_WITHOUT_REVIEW') info.push(`Display name status is ${n.name_status}.`);
  if (n.quality_rating === 'RED') info.push('Phone number quality rating is RED.');
  return info.length > 0 ? { ...base, can_send_message: 'LIMITED', additional_info: info } : { ...base, can_send_message: 'AVAILABLE' };
}

function wabaEntity(w: Waba): HealthEntity {
  const base = { entity_type: 'WABA' as const, id: w.id };
  if (w.review_status === 'REJECTED') {
    return {
      ...base,
      can_send_message: 'BLOCKED',
      errors: [{ error_code: 368, error_description: 'The WhatsApp Business Account review was rejected.', possible_solution: 'Request a new review of the WhatsApp Business Account.' }],
    };
  }
  if (w.review_status !== 'APPROVED') return { ...base, can_send_message: 'LIMITED', additional_info: [`WhatsApp Business Account review status is ${w.review_status}.`] };
  return { ...base, can_send_message: 'AVAILABLE' };
}

function businessEntity(b: Business): HealthEntity {
  const base = { entity_type: 'BUSINESS' as const, id: b.id };
  if (b.verification_status !== 'verified') {
    return { ...base, can_send_message: 'LIMITED', additional_info: ['Business verification is not complete; messaging is limited to the starter limit.'] };
  }
  return { ...base, can_send_message: 'AVAILABLE' };
}

export interface NewNumberInput {
  cc: string;
  phoneNumber: string;
  verifiedName: string;
}

/** Defaults for a freshly added number: unverified, unregistered, display name under review. */
export function newNumberRow(id: string, wabaId: string, input: NewNumberInput, now: number): PhoneNumber {
  return {
    id,
    waba_id: wabaId,
    cc: input.cc,
    number: input.phoneNumber,
    verified_name: input.verifiedName,
    name_status: 'PENDING_REVIEW',
    new_verified_name: null,
    new_name_status: null,
    quality_rating: 'NA',
    messaging_limit_tier: 'TIER_250',
    is_official_business_account: 0,
    throughput_level: 'STANDARD',
    api: 'none',
    onprem_deployment_id: null,
    downtime_until: null,
    history_since: null,
    onboarded_by_backup: null,
    status: 'PENDING',
    pin_hash: null,
    two_step_enabled: 0,
    pin_failures: 0,
    pin_last_attempt_at: null,
    pin_locked_until: null,
    code_verification_status: 'NOT_VERIFIED',
    verified_at: null,
    signup_at: now,
    is_test_number: 0,
    is_on_biz_app: 0,
    account_mode: 'LIVE',
    data_localization_region: null,
    profile: '{}',
    webhook_override_url: null,
    registered_at: null,
    last_onboarded_at: null,
    created_at: now,
  };
}
