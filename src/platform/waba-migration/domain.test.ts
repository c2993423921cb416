import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../core/clock.js';
import type { ApiError } from '../../core/errors.js';
import type { Business, NumberMigration, PhoneNumber, Template, Waba } from '../../store/schema.js';
import { newNumberRow } from '../phone-numbers/domain.js';
import {
  MIGRATION_CLAIM_TTL_MS,
  RERATING_MIN_SENDS,
  TEMPLATE_RERATING_DELAY_MS,
  checkEligibility,
  planTemplateCopies,
  rateFromTraffic,
  sourceApi,
  type EligibilityFacts,
  type TemplatePlan,
} from './domain.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const SOURCE_WABA = '102290129340398';
const DEST_WABA = '109876543210987';

/** A number registered on Cloud API in the source WABA, two-step off, display name approved: eligible. */
function phone(over: Partial<PhoneNumber> = {}): PhoneNumber {
  return {
    ...newNumberRow('106540352242922', SOURCE_WABA, { cc: '1', phoneNumber: '6315555555', verifiedName: 'Lucky Shrub' }, NOW - 30 * DAY),
    name_status: 'APPROVED',
    quality_rating: 'GREEN',
    api: 'cloud',
    status: 'CONNECTED',
    code_verification_status: 'VERIFIED',
    registered_at: NOW - 30 * DAY,
    ...over,
  };
}

const waba = (id: string, owner: string, over: Partial<Waba> = {}): Waba => ({
  id,
  name: `WABA ${id}`,
  owner_business_id: owner,
  partner_business_id: null,
  review_status: 'APPROVED',
  payment_method: 'credit_line',
  template_limit: 250,
  currency: 'USD',
  timezone_id: '1',
  message_template_namespace: 'ns',
  created_at: NOW - 60 * DAY,
  deleted_at: null,
  ...over,
});

const business = (id: string, over: Partial<Business> = {}): Business => ({ id, name: `Business ${id}`, verification_status: 'verified', tos_accepted_at: NOW, created_at: NOW, ...over });

const claim = (destWabaId: string): NumberMigration => ({
  id: 7,
  phone_number_id: '106540352242922',
  source_waba_id: SOURCE_WABA,
  dest_waba_id: destWabaId,
  source_api: 'cloud',
  status: 'pending',
  requested_at: NOW - MINUTE,
  expires_at: NOW + HOUR,
  completed_at: null,
  report: null,
});

/** Facts under which the migration is allowed; each test breaks one (or two) of them. */
function facts(over: Partial<EligibilityFacts> = {}): EligibilityFacts {
  return {
    number: phone(),
    sourceWaba: waba(SOURCE_WABA, '201'),
    sourceBusiness: business('201'),
    destWaba: waba(DEST_WABA, '301'),
    destBusiness: business('301'),
    destHasSubscribedApp: true,
    pendingClaim: undefined,
    ...over,
  };
}

/** The refusal as the Graph envelope will carry it. */
function refusal(err: ApiError | undefined): { status: number; code: number; subcode: number | undefined; title: string | undefined } | undefined {
  return err && { status: err.spec.httpStatus, code: err.spec.code, subcode: err.spec.subcode, title: err.spec.userTitle };
}

const notEligible = (title: string) => ({ status: 400, code: 100, subcode: 2388103, title });

describe('checkEligibility', () => {
  it('allows a registered Cloud number between verified, approved, paid-up and subscribed accounts', () => {
    expect(checkEligibility(facts())).toBeUndefined();
  });

  describe('the destination', () => {
    it('needs Business Verification (missing or unverified business)', () => {
      for (const destBusiness of [business('301', { verification_status: 'pending' }), business('301', { verification_status: 'rejected' }), undefined]) {
        expect(refusal(checkEligibility(facts({ destBusiness })))).toEqual(notEligible('Business Verification Required'));
      }
    });

    it('needs an APPROVED review', () => {
      for (const review_status of ['PENDING', 'REJECTED']) {
        expect(refusal(checkEligibility(facts({ destWaba: waba(DEST_WABA, '301', { review_status }) })))).toEqual(notEligible('Destination Account Not Approved'));
      }
    });

    it('needs a payment method (null or empty)', () => {
      for (const payment_method of [null, '']) {
        expect(refusal(checkEligibility(facts({ destWaba: waba(DEST_WABA, '301', { payment_method }) })))).toEqual(notEligible('No Payment Method'));
      }
    });

    it('needs an app subscribed to webhooks when the number is on Cloud API', () => {
      const err = checkEligibility(facts({ destHasSubscribedApp: false }));
      expect(refusal(err)).toEqual(notEligible('No Webhook Subscription'));
      expect(err?.details).toMatch(/subscribed_apps/);
    });

    it('does not need a subscribed app when the number is on the On-Premises API', () => {
      const onprem = phone({ api: 'onprem', onprem_deployment_id: 'dep-1' });
      expect(checkEligibility(facts({ number: onprem, destHasSubscribedApp: false }))).toBeUndefined();
    });
  });

  describe('the number', () => {
    it('must be known to the platform', () => {
      const err = checkEligibility(facts({ number: undefined, sourceWaba: undefined, sourceBusiness: undefined }));
      expect(refusal(err)).toEqual(notEligible('Phone Number Can Be Added Directly'));
      expect(err?.details).toMatch(/not registered on the WhatsApp Business Platform/);
    });

    it('already in the destination is 2388012, not a migration', () => {
      const err = checkEligibility(facts({ number: phone({ waba_id: DEST_WABA }) }));
      expect(refusal(err)).toEqual({ status: 400, code: 100, subcode: 2388012, title: 'Phone Number Already Exists' });
    });

    it('must not be a test number', () => {
      expect(refusal(checkEligibility(facts({ number: phone({ is_test_number: 1 }) })))).toEqual(notEligible('Test Number Cannot Be Migrated'));
    });

    it('must not be in use with the WhatsApp Business App', () => {
      expect(refusal(checkEligibility(facts({ number: phone({ is_on_biz_app: 1 }) })))).toEqual(notEligible('WhatsApp Business App Number'));
    });

    it('must be registered with its current WABA', () => {
      const err = checkEligibility(facts({ number: phone({ api: 'none', status: 'PENDING', registered_at: null }) }));
      expect(refusal(err)).toEqual(notEligible('Phone Number Can Be Added Directly'));
      expect(err?.details).toMatch(/not registered with its current WhatsApp Business Account/);
    });

    it('a number a wrong PIN took off its On-Prem deployment still counts as registered (On-Prem)', () => {
      const off = phone({ api: 'none', onprem_deployment_id: 'dep-1' });
      expect(checkEligibility(facts({ number: off, destHasSubscribedApp: false }))).toBeUndefined();
    });

    it('must have two-step verification off (2388001)', () => {
      const err = checkEligibility(facts({ number: phone({ two_step_enabled: 1 }) }));
      expect(refusal(err)).toEqual({ status: 400, code: 100, subcode: 2388001, title: 'Two-Step Verification Is On' });
    });

    it('must have an APPROVED display name', () => {
      for (const name_status of ['PENDING_REVIEW', 'DECLINED', 'AVAILABLE_WITHOUT_REVIEW', 'NONE']) {
        expect(refusal(checkEligibility(facts({ number: phone({ name_status }) }))), name_status).toEqual(notEligible('Display Name Not Approved'));
      }
    });

    it('must have no pending display-name change', () => {
      const pending = phone({ new_verified_name: 'Lucky Shrub Garden', new_name_status: 'PENDING_REVIEW' });
      expect(refusal(checkEligibility(facts({ number: pending })))).toEqual(notEligible('Display Name Not Approved'));
    });

    it('must not be claimed by another destination', () => {
      const err = checkEligibility(facts({ pendingClaim: claim('100000000000001') }));
      expect(refusal(err)).toEqual(notEligible('Migration In Progress'));
    });

    it('may be claimed again by the destination that holds the claim', () => {
      expect(checkEligibility(facts({ pendingClaim: claim(DEST_WABA) }))).toBeUndefined();
    });
  });

  describe('the source', () => {
    it('needs Business Verification', () => {
      for (const sourceBusiness of [business('201', { verification_status: 'not_verified' }), undefined]) {
        expect(refusal(checkEligibility(facts({ sourceBusiness })))).toEqual(notEligible('Source Account Not Set Up Correctly'));
      }
    });

    it('needs an APPROVED review', () => {
      for (const sourceWaba of [waba(SOURCE_WABA, '201', { review_status: 'PENDING' }), waba(SOURCE_WABA, '201', { review_status: 'REJECTED' }), undefined]) {
        expect(refusal(checkEligibility(facts({ sourceWaba })))).toEqual(notEligible('Source Account Not Set Up Correctly'));
      }
    });
  });

  describe('precedence when two rules fail', () => {
    const cases: [string, Partial<EligibilityFacts>, string | number][] = [
      ['destination business before unknown number', { destBusiness: business('301', { verification_status: 'pending' }), number: undefined }, 'Business Verification Required'],
      ['destination review before payment method', { destWaba: waba(DEST_WABA, '301', { review_status: 'PENDING', payment_method: null }) }, 'Destination Account Not Approved'],
      ['payment method before test number', { destWaba: waba(DEST_WABA, '301', { payment_method: null }), number: phone({ is_test_number: 1 }) }, 'No Payment Method'],
      ['already in destination before test number', { number: phone({ waba_id: DEST_WABA, is_test_number: 1 }) }, 2388012],
      ['test number before Business App', { number: phone({ is_test_number: 1, is_on_biz_app: 1 }) }, 'Test Number Cannot Be Migrated'],
      ['Business App before unregistered', { number: phone({ is_on_biz_app: 1, api: 'none' }) }, 'WhatsApp Business App Number'],
      ['unregistered before source verification', { number: phone({ api: 'none' }), sourceBusiness: business('201', { verification_status: 'pending' }) }, 'Phone Number Can Be Added Directly'],
      ['source set-up before two-step', { sourceWaba: waba(SOURCE_WABA, '201', { review_status: 'PENDING' }), number: phone({ two_step_enabled: 1 }) }, 'Source Account Not Set Up Correctly'],
      ['two-step before display name', { number: phone({ two_step_enabled: 1, name_status: 'PENDING_REVIEW' }) }, 2388001],
      ['display name before webhook subscription', { number: phone({ new_name_status: 'PENDING_REVIEW', new_verified_name: 'X' }), destHasSubscribedApp: false }, 'Display Name Not Approved'],
      ['webhook subscription before a competing claim', { destHasSubscribedApp: false, pendingClaim: claim('100000000000001') }, 'No Webhook Subscription'],
      ['destination set-up before a competing claim', { destBusiness: undefined, pendingClaim: claim('100000000000001') }, 'Business Verification Required'],
    ];
    it.each(cases)('%s', (_name, over, expected) => {
      const got = refusal(checkEligibility(facts(over)));
      if (typeof expected === 'number') expect(got?.subcode).toBe(expected);
      else expect(got).toEqual(notEligible(expected));
    });
  });

  it('every refusal carries a user title and message, the message also as details', () => {
    const err = checkEligibility(facts({ number: phone({ is_test_number: 1 }) }));
    expect(err?.spec.message).toBe('(#100) Invalid parameter');
    expect(err?.spec.userMessage).toBe('Test business phone numbers issued by WhatsApp cannot be migrated.');
    expect(err?.details).toBe(err?.spec.userMessage);
  });
});

describe('sourceApi', () => {
  it('is cloud for a Cloud API number', () => {
    expect(sourceApi(phone({ api: 'cloud' }))).toBe('cloud');
  });

  it('is onprem for an On-Prem number, or one still tied to its deployment', () => {
    expect(sourceApi(phone({ api: 'onprem', onprem_deployment_id: 'dep-1' }))).toBe('onprem');
    expect(sourceApi(phone({ api: 'none', onprem_deployment_id: 'dep-1' }))).toBe('onprem');
  });

  it('is undefined for a number registered nowhere', () => {
    expect(sourceApi(phone({ api: 'none', onprem_deployment_id: null }))).toBeUndefined();
  });

  it('cloud wins over a stale deployment id', () => {
    expect(sourceApi(phone({ api: 'cloud', onprem_deployment_id: 'dep-1' }))).toBe('cloud');
  });
});

let templateSeq = 0;

/** An APPROVED, GREEN UTILITY template of the source WABA; `age` orders templates (bigger = older). */
function template(name: string, over: Partial<Template> & { age?: number; text?: string } = {}): Template {
  const { age = 0, text = 'Your order {{1}} has shipped.', ...rest } = over;
  templateSeq += 1;
  return {
    id: String(1_000_000_000_000_000 + templateSeq),
    waba_id: SOURCE_WABA,
    name,
    language: 'en_US',
    category: 'UTILITY',
    sub_category: null,
    parameter_format: 'POSITIONAL',
    components: JSON.stringify([{ type: 'BODY', text }]),
    status: 'APPROVED',
    rejected_reason: 'NONE',
    quality_score: 'GREEN',
    quality_updated_at: NOW - age,
    previous_category: null,
    source_template_id: null,
    created_at: NOW - age,
    updated_at: NOW - age,
    edit_history: '[]',
    ...rest,
  };
}

const copiedNames = (plan: TemplatePlan): string[] => plan.copies.map((c) => c.source.name);
const skippedAs = (plan: TemplatePlan): [string, string][] => plan.skipped.map((s) => [s.source.name, s.reason]);

describe('planTemplateCopies', () => {
  it('copies APPROVED GREEN templates as APPROVED, keeping a reference to the source', () => {
    const green = template('ship');
    const plan = planTemplateCopies([green], [], 250);
    expect(plan.copies).toEqual([{ source: green, status: 'APPROVED', reason: 'NONE' }]);
    expect(plan.copies[0]?.source).toBe(green);
    expect(plan.skipped).toEqual([]);
  });

  it('skips templates that are not APPROVED, whatever their quality', () => {
    const statuses = ['PENDING', 'REJECTED', 'PAUSED', 'DISABLED', 'IN_APPEAL', 'FLAGGED'];
    const source = statuses.map((status, i) => template(status.toLowerCase(), { status, age: i }));
    const plan = planTemplateCopies(source, [], 250);
    expect(plan.copies).toEqual([]);
    expect(plan.skipped.map((s) => s.reason)).toEqual(statuses.map(() => 'NOT_APPROVED'));
  });

  it('skips APPROVED templates that are not high quality (YELLOW, RED, UNKNOWN)', () => {
    const source = ['YELLOW', 'RED', 'UNKNOWN'].map((quality_score, i) => template(quality_score.toLowerCase(), { quality_score, age: 10 - i }));
    const plan = planTemplateCopies(source, [], 250);
    expect(plan.copies).toEqual([]);
    expect(skippedAs(plan)).toEqual([
      ['yellow', 'NOT_HIGH_QUALITY'],
      ['red', 'NOT_HIGH_QUALITY'],
      ['unknown', 'NOT_HIGH_QUALITY'],
    ]);
  });

  it('NOT_APPROVED is the reason for a template that is both unapproved and low quality', () => {
    const plan = planTemplateCopies([template('paused_red', { status: 'PAUSED', quality_score: 'RED' })], [], 250);
    expect(skippedAs(plan)).toEqual([['paused_red', 'NOT_APPROVED']]);
  });

  it('skips names already in the destination in the same language, and leaves the destination list as it was', () => {
    const dest = Object.freeze([Object.freeze({ name: 'ship', language: 'en_US' }), Object.freeze({ name: 'other', language: 'en_US' })]);
    const before = JSON.stringify(dest);
    const source = [template('ship', { age: 3 }), template('ship', { language: 'es', age: 2 }), template('welcome', { age: 1 })];
    const plan = planTemplateCopies(source, dest, 250);
    expect(plan.copies.map((c) => `${c.source.name}/${c.source.language}`)).toEqual(['ship/es', 'welcome/en_US']);
    expect(skippedAs(plan)).toEqual([['ship', 'EXISTS_IN_DESTINATION']]);
    expect(JSON.stringify(dest)).toBe(before);
  });

  it('reports a low-quality template that also exists in the destination as NOT_HIGH_QUALITY', () => {
    const plan = planTemplateCopies([template('ship', { quality_score: 'YELLOW' })], [{ name: 'ship', language: 'en_US' }], 250);
    expect(skippedAs(plan)).toEqual([['ship', 'NOT_HIGH_QUALITY']]);
  });

  describe('capacity', () => {
    // Given newest first on purpose: the plan sorts oldest first.
    const source = [template('t5', { age: 1 }), template('t4', { age: 2 }), template('t3', { age: 3 }), template('t2', { age: 4 }), template('t1', { age: 5 })];
    const existing = [{ name: 'd1', language: 'en_US' }, { name: 'd2', language: 'en_US' }];

    it('copies exactly limit − existing, oldest first; the rest are DESTINATION_TEMPLATE_LIMIT', () => {
      const plan = planTemplateCopies(source, existing, 5);
      expect(copiedNames(plan)).toEqual(['t1', 't2', 't3']);
      expect(skippedAs(plan)).toEqual([
        ['t4', 'DESTINATION_TEMPLATE_LIMIT'],
        ['t5', 'DESTINATION_TEMPLATE_LIMIT'],
      ]);
    });

    it('copies everything when the limit leaves exactly enough room', () => {
      expect(copiedNames(planTemplateCopies(source, existing, 7))).toEqual(['t1', 't2', 't3', 't4', 't5']);
    });

    it('copies nothing when the destination is full or over its limit', () => {
      for (const limit of [0, 1, 2]) {
        const plan = planTemplateCopies(source, existing, limit);
        expect(plan.copies, `limit ${limit}`).toEqual([]);
        expect(plan.skipped.map((s) => s.reason)).toEqual(Array(5).fill('DESTINATION_TEMPLATE_LIMIT'));
      }
    });

    it('skipped templates (low quality, already there) take no room', () => {
      const mixed = [template('old_yellow', { quality_score: 'YELLOW', age: 9 }), template('d1', { age: 8 }), template('a', { age: 7 }), template('b', { age: 6 }), template('c', { age: 5 })];
      const plan = planTemplateCopies(mixed, existing, 4);
      expect(copiedNames(plan)).toEqual(['a', 'b']);
      expect(skippedAs(plan)).toEqual([
        ['old_yellow', 'NOT_HIGH_QUALITY'],
        ['d1', 'EXISTS_IN_DESTINATION'],
        ['c', 'DESTINATION_TEMPLATE_LIMIT'],
      ]);
    });

    it('a template that exists in the destination is reported as such even when there is no room', () => {
      const plan = planTemplateCopies([template('d2')], existing, 2);
      expect(skippedAs(plan)).toEqual([['d2', 'EXISTS_IN_DESTINATION']]);
    });

    it('breaks creation-time ties by id', () => {
      const a = template('first_by_id', { id: '100000000000001' });
      const b = template('second_by_id', { id: '100000000000002' });
      expect(copiedNames(planTemplateCopies([b, a], [], 1))).toEqual(['first_by_id']);
    });

    it('does not reorder the source array it is given', () => {
      const given = [...source];
      planTemplateCopies(given, existing, 5);
      expect(given.map((t) => t.name)).toEqual(['t5', 't4', 't3', 't2', 't1']);
    });
  });

  describe('categorisation check on the copies', () => {
    const promo = 'Get 20% off everything this weekend with code SAVE20!';

    it('a promotional UTILITY template is copied as REJECTED with INCORRECT_CATEGORY', () => {
      const plan = planTemplateCopies([template('promo_util', { text: promo })], [], 250);
      expect(plan.copies).toEqual([{ source: expect.objectContaining({ name: 'promo_util' }), status: 'REJECTED', reason: 'INCORRECT_CATEGORY' }]);
      expect(plan.skipped).toEqual([]);
    });

    it('the same text in a MARKETING template is copied APPROVED', () => {
      const plan = planTemplateCopies([template('promo_mkt', { text: promo, category: 'MARKETING' })], [], 250);
      expect(plan.copies.map((c) => [c.status, c.reason])).toEqual([['APPROVED', 'NONE']]);
    });

    it('a copy rejected by the check still takes room in the destination', () => {
      const plan = planTemplateCopies([template('promo_util', { text: promo, age: 2 }), template('plain', { age: 1 })], [], 1);
      expect(plan.copies.map((c) => [c.source.name, c.status])).toEqual([['promo_util', 'REJECTED']]);
      expect(skippedAs(plan)).toEqual([['plain', 'DESTINATION_TEMPLATE_LIMIT']]);
    });

    it('checks the text of every component, not only the body', () => {
      const components = JSON.stringify([{ type: 'HEADER', format: 'TEXT', text: 'Summer sale' }, { type: 'BODY', text: 'Your order has shipped.' }]);
      const plan = planTemplateCopies([template('header_promo', { components })], [], 250);
      expect(plan.copies.map((c) => c.status)).toEqual(['REJECTED']);
    });
  });
});

describe('rateFromTraffic', () => {
  it('needs at least one send', () => {
    expect(RERATING_MIN_SENDS).toBe(1);
    expect(rateFromTraffic(0, 0)).toBeUndefined();
  });

  it.each([
    [1, 0, 'GREEN'],
    [10, 1, 'GREEN'],
    [100, 10, 'GREEN'],
    [100, 11, 'YELLOW'],
    [10, 3, 'YELLOW'],
    [100, 30, 'YELLOW'],
    [100, 31, 'RED'],
    [1, 1, 'RED'],
    [5, 4, 'RED'],
  ] as const)('%i sent, %i failed → %s', (sent, failed, expected) => {
    expect(rateFromTraffic(sent, failed)).toBe(expected);
  });
});

describe('timing constants', () => {
  it('a claim lasts one hour; re-rating waits one day', () => {
    expect(MIGRATION_CLAIM_TTL_MS).toBe(HOUR);
    expect(TEMPLATE_RERATING_DELAY_MS).toBe(DAY);
  });
});
