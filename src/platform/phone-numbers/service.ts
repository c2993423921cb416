import { errors } from '../../core/errors.js';
import { newGraphId } from '../../core/ids.js';
import type { Executor } from '../../store/database.js';
import type { PhoneNumber, Waba } from '../../store/schema.js';
import { findApp, findBusiness, findWaba } from '../accounts/repo.js';
import type { Caller } from '../auth/tokens.js';
import type { PlatformContext } from '../context.js';
import { hashPin } from '../registration/domain.js';
import { certificateOf } from '../onprem/cert.js';
import type { PhoneView } from './fields.js';
import { newNumberProblem, newNumberRow, type NewNumberInput } from './domain.js';
import { findPhoneNumber, findPhoneNumberByE164, insertPhoneNumber, listPhoneNumbers } from './repo.js';

async function viewOf(ctx: PlatformContext, db: Executor, number: PhoneNumber, waba: Waba, caller: Caller): Promise<PhoneView> {
  const business = await findBusiness(db, waba.owner_business_id);
  if (!business) throw errors.internal();
  const app = caller.appId ? await findApp(db, caller.appId) : undefined;
  const sub = app
    ? await db.selectFrom('waba_subscriptions').select('override_callback_uri').where('waba_id', '=', waba.id).where('app_id', '=', app.id).executeTakeFirst()
    : undefined;
  return { number, waba, business, app, wabaOverrideUrl: sub?.override_callback_uri ?? null, certificate: () => certificateOf(ctx, number) };
}

export async function phoneView(ctx: PlatformContext, caller: Caller, id: string): Promise<PhoneView> {
  const db = ctx.store.db;
  const number = await findPhoneNumber(db, id);
  const waba = number ? await findWaba(db, number.waba_id) : undefined;
  if (!number || !waba) throw errors.unsupportedRequest('GET', id);
  return viewOf(ctx, db, number, waba, caller);
}

/**
 * The views of one page of a WABA's numbers. `pick` chooses the page from the ordered rows, so only
 * the page's views are built (a view costs several queries; a WABA may hold thousands of numbers).
 */
export async function phoneViewsOfWaba<P>(ctx: PlatformContext, caller: Caller, wabaId: string, pick: (numbers: PhoneNumber[]) => { page: PhoneNumber[]; paging: P }): Promise<{ views: PhoneView[]; paging: P }> {
  const db = ctx.store.db;
  const waba = await findWaba(db, wabaId);
  if (!waba) throw errors.unsupportedRequest('GET', wabaId);
  const { page, paging } = pick(await listPhoneNumbers(db, wabaId));
  return { views: await Promise.all(page.map((n) => viewOf(ctx, db, n, waba, caller))), paging };
}


/** `POST /{WABA_ID}/phone_numbers` without `migrate_phone_number`: adds an unverified number. */
export async function addPhoneNumber(ctx: PlatformContext, wabaId: string, input: NewNumberInput): Promise<{ id: string }> {
  assertNumberPossible(input);
  return ctx.store.transaction(async (tx) => {
    const existing = await findPhoneNumberByE164(tx, input.cc, input.phoneNumber);
    if (existing?.waba_id === wabaId) throw errors.phoneNumberAlreadyExists();
    if (existing) {
      throw errors.invalidParameter('This phone number is already in use by another WhatsApp Business Account. To move it here, migrate it with migrate_phone_number=true.');
    }
    const id = newGraphId();
    const now = ctx.clock.now();
    await insertPhoneNumber(tx, newNumberRow(id, wabaId, input, now));
    return { id };
  });
}


export type { NewNumberInput };

function assertNumberPossible(input: NewNumberInput): void {
  const problem = newNumberProblem(input.cc, input.phoneNumber);
  if (problem) throw errors.invalidParameter(`Param ${problem.param} is invalid: ${problem.details}`);
}

export interface ProvisionInput extends NewNumberInput {
  id?: string | undefined;
  wabaId: string;
  nameStatus?: string | undefined;
  qualityRating?: string | undefined;
  messagingLimitTier?: string | undefined;
  officialBusinessAccount?: boolean | undefined;
  throughputLevel?: string | undefined;
  codeVerified?: boolean | undefined;
  /** Registers the number on Cloud API with this two-step PIN. */
  registerWithPin?: string | undefined;
  testNumber?: boolean | undefined;
  onBizApp?: boolean | undefined;
  profile?: Record<string, unknown> | undefined;
}

/**
 * Emulator control: a number in any starting state, as if Embedded Signup (and optionally
 * registration) had already happened.
 */
export async function provisionNumber(ctx: PlatformContext, db: Executor, input: ProvisionInput): Promise<PhoneNumber> {
  assertNumberPossible(input);
  if (!(await findWaba(db, input.wabaId))) throw errors.notFound('waba', input.wabaId);
  if (await findPhoneNumberByE164(db, input.cc, input.phoneNumber)) throw errors.phoneNumberAlreadyExists();
  const now = ctx.clock.now();
  const id = input.id ?? newGraphId();
  const verified = input.codeVerified !== false;
  const row: PhoneNumber = {
    ...newNumberRow(id, input.wabaId, input, now),
    name_status: input.nameStatus ?? 'APPROVED',
    quality_rating: input.qualityRating ?? 'GREEN',
    messaging_limit_tier: input.messagingLimitTier ?? 'TIER_1K',
    is_official_business_account: input.officialBusinessAccount ? 1 : 0,
    throughput_level: input.throughputLevel ?? 'STANDARD',
    code_verification_status: verified ? 'VERIFIED' : 'NOT_VERIFIED',
    verified_at: verified ? now : null,
    is_test_number: input.testNumber ? 1 : 0,
    is_on_biz_app: input.onBizApp ? 1 : 0,
    profile: JSON.stringify(input.profile ?? {}),
  };
  if (input.registerWithPin) {
    Object.assign(row, { api: 'cloud', status: 'CONNECTED', two_step_enabled: 1, pin_hash: hashPin(id, input.registerWithPin), registered_at: now, last_onboarded_at: now });
  }
  await insertPhoneNumber(db, row);
  return row;
}
