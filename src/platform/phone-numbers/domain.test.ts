import { describe, expect, it } from 'vitest';
import type { Business, PhoneNumber, Waba } from '../../store/schema.js';
import { displayPhoneNumber, e164Digits, newNumberProblem, newNumberRow, phoneHealth, platformType } from './domain.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

function phone(over: Partial<PhoneNumber> = {}): PhoneNumber {
  return {
    ...newNumberRow('106540352242922', '102290129340398', { cc: '1', phoneNumber: '6315555555', verifiedName: 'Lucky Shrub' }, NOW),
    name_status: 'APPROVED',
    quality_rating: 'GREEN',
    messaging_limit_tier: 'TIER_1K',
    api: 'cloud',
    status: 'CONNECTED',
    two_step_enabled: 1,
    code_verification_status: 'VERIFIED',
    verified_at: NOW,
    registered_at: NOW,
    last_onboarded_at: NOW,
    ...over,
  };
}

const waba = (over: Partial<Waba> = {}): Waba => ({
  id: '102290129340398',
  name: 'Lucky Shrub WABA',
  owner_business_id: '201',
  partner_business_id: '202',
  review_status: 'APPROVED',
  payment_method: 'pm_1',
  template_limit: 250,
  currency: 'USD',
  timezone_id: '1',
  message_template_namespace: 'ns',
  created_at: NOW,
  deleted_at: null,
  ...over,
});

const business = (over: Partial<Business> = {}): Business => ({ id: '201', name: 'Lucky Shrub', verification_status: 'verified', tos_accepted_at: NOW, created_at: NOW, ...over });

describe('displayPhoneNumber', () => {
  it('formats NANP numbers as "+1 631-555-5555"', () => {
    expect(displayPhoneNumber({ cc: '1', number: '6315555555' })).toBe('+1 631-555-5555');
    expect(displayPhoneNumber({ cc: '1', number: '2025550123' })).toBe('+1 202-555-0123');
  });

  it('writes other numbers as "+cc national"', () => {
    expect(displayPhoneNumber({ cc: '44', number: '7700900123' })).toBe('+44 7700900123');
    expect(displayPhoneNumber({ cc: '91', number: '9876543210' })).toBe('+91 9876543210');
    expect(displayPhoneNumber({ cc: '1', number: '55512345' })).toBe('+1 55512345');
    expect(displayPhoneNumber({ cc: '1', number: '63155555551' })).toBe('+1 63155555551');
  });

  it('differs from the digits-only form used in webhooks', () => {
    expect(e164Digits({ cc: '1', number: '6315555555' })).toBe('16315555555');
    expect(e164Digits({ cc: '44', number: '7700900123' })).toBe('447700900123');
  });
});

describe('platformType', () => {
  it('maps the registered API to platform_type', () => {
    expect(platformType('cloud')).toBe('CLOUD_API');
    expect(platformType('onprem')).toBe('ON_PREMISE');
    expect(platformType('none')).toBe('NOT_APPLICABLE');
    expect(platformType('anything')).toBe('NOT_APPLICABLE');
  });
});

describe('phoneHealth', () => {
  it('is AVAILABLE for a registered, approved number of an approved WABA and verified business', () => {
    const h = phoneHealth(phone(), waba(), business(), '301');
    expect(h).toEqual({
      can_send_message: 'AVAILABLE',
      entities: [
        { entity_type: 'PHONE_NUMBER', id: '106540352242922', can_send_message: 'AVAILABLE' },
        { entity_type: 'WABA', id: '102290129340398', can_send_message: 'AVAILABLE' },
        { entity_type: 'BUSINESS', id: '201', can_send_message: 'AVAILABLE' },
        { entity_type: 'APP', id: '301', can_send_message: 'AVAILABLE' },
      ],
    });
  });

  it('leaves the APP entity out when there is no app', () => {
    const h = phoneHealth(phone(), waba(), business(), null);
    expect(h.entities.map((e) => e.entity_type)).toEqual(['PHONE_NUMBER', 'WABA', 'BUSINESS']);
  });

  it('is BLOCKED with error 133010 for a number not registered anywhere', () => {
    const h = phoneHealth(phone({ api: 'none', status: 'PENDING' }), waba(), business(), '301');
    expect(h.can_send_message).toBe('BLOCKED');
    const entity = h.entities[0];
    expect(entity).toMatchObject({ entity_type: 'PHONE_NUMBER', can_send_message: 'BLOCKED' });
    expect(entity?.errors).toHaveLength(1);
    expect(entity?.errors?.[0]).toMatchObject({ error_code: 133010, error_description: 'Account not registered. The number is not registered.' });
    expect(entity?.errors?.[0]?.possible_solution).toMatch(/register/);
    expect(entity?.additional_info).toBeUndefined();
  });

  it('is BLOCKED for a number registered on the On-Premises API', () => {
    const h = phoneHealth(phone({ api: 'onprem' }), waba(), business(), null);
    expect(h.can_send_message).toBe('BLOCKED');
    expect(h.entities[0]?.errors?.[0]?.error_description).toBe('Account not registered. The number is registered on the On-Premises API.');
  });

  it('is LIMITED for a display name not yet approved', () => {
    for (const name_status of ['PENDING_REVIEW', 'DECLINED', 'EXPIRED', 'NONE']) {
      const h = phoneHealth(phone({ name_status }), waba(), business(), null);
      expect(h.can_send_message).toBe('LIMITED');
      expect(h.entities[0]).toEqual({ entity_type: 'PHONE_NUMBER', id: '106540352242922', can_send_message: 'LIMITED', additional_info: [`Display name status is ${name_status}.`] });
    }
    expect(phoneHealth(phone({ name_status: 'AVAILABLE_WITHOUT_REVIEW' }), waba(), business(), null).can_send_message).toBe('AVAILABLE');
  });

  it('is LIMITED for a RED quality rating, listing every reason', () => {
    expect(phoneHealth(phone({ quality_rating: 'YELLOW' }), waba(), business(), null).can_send_message).toBe('AVAILABLE');
    const h = phoneHealth(phone({ quality_rating: 'RED', name_status: 'PENDING_REVIEW' }), waba(), business(), null);
    expect(h.can_send_message).toBe('LIMITED');
    expect(h.entities[0]?.additional_info).toEqual(['Display name status is PENDING_REVIEW.', 'Phone number quality rating is RED.']);
  });

  it('reflects the WABA review: PENDING limits, REJECTED blocks', () => {
    const pending = phoneHealth(phone(), waba({ review_status: 'PENDING' }), business(), null);
    expect(pending.can_send_message).toBe('LIMITED');
    expect(pending.entities[1]).toMatchObject({ entity_type: 'WABA', can_send_message: 'LIMITED', additional_info: ['WhatsApp Business Account review status is PENDING.'] });
    const rejected = phoneHealth(phone(), waba({ review_status: 'REJECTED' }), business(), null);
    expect(rejected.can_send_message).toBe('BLOCKED');
    expect(rejected.entities[1]).toMatchObject({ entity_type: 'WABA', can_send_message: 'BLOCKED', errors: [{ error_code: 368 }] });
    expect(rejected.entities[0]?.can_send_message).toBe('AVAILABLE');
  });

  it('is LIMITED when the business is not verified', () => {
    for (const verification_status of ['pending', 'not_verified', 'rejected']) {
      const h = phoneHealth(phone(), waba(), business({ verification_status }), null);
      expect(h.can_send_message).toBe('LIMITED');
      expect(h.entities[2]).toMatchObject({ entity_type: 'BUSINESS', id: '201', can_send_message: 'LIMITED' });
    }
  });

  it('aggregates to the worst entity: BLOCKED beats LIMITED', () => {
    const h = phoneHealth(phone({ api: 'none' }), waba({ review_status: 'PENDING' }), business({ verification_status: 'pending' }), '301');
    expect(h.entities.map((e) => e.can_send_message)).toEqual(['BLOCKED', 'LIMITED', 'LIMITED', 'AVAILABLE']);
    expect(h.can_send_message).toBe('BLOCKED');
  });

  it('only carries errors on BLOCKED entities and additional_info on LIMITED ones', () => {
    const h = phoneHealth(phone({ api: 'none' }), waba({ review_status: 'PENDING' }), business(), '301');
    for (const e of h.entities) {
      if (e.can_send_message === 'BLOCKED') expect(e.additional_info).toBeUndefined();
      if (e.can_send_message === 'LIMITED') expect(e.errors).toBeUndefined();
      if (e.can_send_message === 'AVAILABLE') expect([e.errors, e.additional_info]).toEqual([undefined, undefined]);
    }
  });
});

describe('newNumberProblem', () => {
  it('takes country calling codes of one to three digits, and up to 15 digits in all', () => {
    for (const [cc, number] of [['1', '6315555555'], ['44', '7700900123'], ['7', '9161234567'], ['352', '621123456'], ['998', '901234567'], ['49', '1234567890123']]) {
      expect(newNumberProblem(cc!, number!), `+${cc} ${number}`).toBeUndefined();
    }
  });

  it('refuses codes no country has, so a number splits one way only', () => {
    for (const cc of ['0', '163', '999', '1234', '']) expect(newNumberProblem(cc, '5555555')?.param, cc).toBe('cc');
    expect(newNumberProblem('1', '6315555555')).toBeUndefined();
    expect(newNumberProblem('16', '315555555')?.param).toBe('cc');
  });

  it('refuses more than 15 digits with the country code', () => {
    expect(newNumberProblem('44', '7700900123456')).toBeUndefined(); // 15
    expect(newNumberProblem('44', '77009001234567')).toEqual({ param: 'phone_number', details: '+44 77009001234567 has more than 15 digits (E.164)' });
  });
});
