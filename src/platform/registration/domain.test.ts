import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, SECOND } from '../../core/clock.js';
import type { PhoneNumber } from '../../store/schema.js';
import { newNumberRow } from '../phone-numbers/domain.js';
import {
  CODE_REQUEST_LIMIT,
  PIN_POLICY,
  REGISTER_LIMIT,
  REGISTRATION_WINDOW_MS,
  checkPin,
  codeMessage,
  decideDeregister,
  decideRegister,
  decideRequestCode,
  decideSetPin,
  judgeCodeGuess,
  codeVerified,
  CODE_MAX_WRONG_GUESSES,
  hashPin,
  isSixDigitPin,
  type Decision,
  type RegisterFacts,
} from './domain.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const ID = '106540352242922';
const PIN = '123456';

/** A verified number registered on Cloud API with PIN 123456, as a plain row. */
function phone(over: Partial<PhoneNumber> = {}): PhoneNumber {
  return {
    ...newNumberRow(ID, '102290129340398', { cc: '1', phoneNumber: '6315555555', verifiedName: 'Lucky Shrub' }, NOW - 2 * DAY),
    name_status: 'APPROVED',
    quality_rating: 'GREEN',
    messaging_limit_tier: 'TIER_1K',
    api: 'cloud',
    status: 'CONNECTED',
    pin_hash: hashPin(ID, PIN),
    two_step_enabled: 1,
    code_verification_status: 'VERIFIED',
    verified_at: NOW - DAY,
    registered_at: NOW - DAY,
    last_onboarded_at: NOW - DAY,
    ...over,
  };
}

/** Verified a day ago, never registered, no two-step PIN. */
const fresh = (over: Partial<PhoneNumber> = {}): PhoneNumber =>
  phone({ api: 'none', status: 'PENDING', pin_hash: null, two_step_enabled: 0, registered_at: null, last_onboarded_at: null, ...over });

const facts = (over: Partial<RegisterFacts> = {}): RegisterFacts => ({ now: NOW, termsAccepted: true, recentRegistrations: 0, ownershipProvenByBackup: false, ...over });

const codeOf = (d: Decision): number | undefined => d.error?.spec.code;

describe('isSixDigitPin / hashPin', () => {
  it('accepts exactly six ASCII digits', () => {
    expect(isSixDigitPin('000000')).toBe(true);
    expect(isSixDigitPin('123456')).toBe(true);
    for (const v of ['12345', '1234567', '12345a', ' 23456', '١٢٣٤٥٦', 123456, null, undefined]) expect(isSixDigitPin(v)).toBe(false);
  });

  it('salts the PIN hash with the number id', () => {
    expect(hashPin(ID, PIN)).toBe(hashPin(ID, PIN));
    expect(hashPin(ID, PIN)).not.toBe(hashPin('1', PIN));
    expect(hashPin(ID, PIN)).not.toBe(hashPin(ID, '654321'));
    expect(hashPin(ID, PIN)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('checkPin', () => {
  it('passes any PIN when two-step verification is off, changing nothing', () => {
    expect(checkPin(fresh(), '999999', NOW)).toEqual({ patch: {} });
    expect(checkPin(phone({ two_step_enabled: 1, pin_hash: null }), '999999', NOW)).toEqual({ patch: {} });
    expect(checkPin(phone({ two_step_enabled: 0 }), '999999', NOW)).toEqual({ patch: {} });
  });

  it('accepts the right PIN and resets the failure counter', () => {
    const d = checkPin(phone({ pin_failures: 2, pin_last_attempt_at: NOW - MINUTE }), PIN, NOW);
    expect(d.error).toBeUndefined();
    expect(d.patch).toEqual({ pin_failures: 0, pin_last_attempt_at: NOW, pin_locked_until: null });
  });

  it('answers 133005 for a wrong PIN and counts the failure', () => {
    const d = checkPin(phone(), '654321', NOW);
    expect(codeOf(d)).toBe(133005);
    expect(d.error?.spec.httpStatus).toBe(400);
    expect(d.error?.spec.message).toBe('(#133005) Two step verification PIN Mismatch');
    expect(d.patch).toEqual({ pin_failures: 1, pin_last_attempt_at: NOW, pin_locked_until: null });
  });

  it('lets guesses come quickly before the slow-down threshold', () => {
    const d = checkPin(phone({ pin_failures: PIN_POLICY.slowDownAfter - 1, pin_last_attempt_at: NOW }), '654321', NOW);
    expect(codeOf(d)).toBe(133005);
    expect(d.patch.pin_failures).toBe(PIN_POLICY.slowDownAfter);
  });

  it('answers 133009 for a guess too soon after the threshold, without counting it', () => {
    const n = phone({ pin_failures: PIN_POLICY.slowDownAfter, pin_last_attempt_at: NOW - 4 * SECOND });
    for (const pin of ['654321', PIN]) {
      const d = checkPin(n, pin, NOW);
      expect(codeOf(d)).toBe(133009);
      expect(d.patch).toEqual({});
      expect(d.error?.details).toBe(`Try again after ${Math.ceil((PIN_POLICY.minSpacingMs - 4 * SECOND) / 1000)} seconds.`);
    }
  });

  it('evaluates a guess spaced exactly the minimum apart', () => {
    const n = phone({ pin_failures: PIN_POLICY.slowDownAfter, pin_last_attempt_at: NOW - PIN_POLICY.minSpacingMs });
    expect(codeOf(checkPin(n, '654321', NOW))).toBe(PIN_POLICY.slowDownAfter + 1 >= PIN_POLICY.lockAfter ? 133008 : 133005);
    expect(checkPin(n, PIN, NOW).error).toBeUndefined();
  });

  it('locks the PIN with 133008 on the last allowed failure', () => {
    const d = checkPin(phone({ pin_failures: PIN_POLICY.lockAfter - 1, pin_last_attempt_at: NOW - HOUR }), '654321', NOW);
    expect(codeOf(d)).toBe(133008);
    expect(d.error?.spec.message).toBe('(#133008) Too many two step verification PIN guesses for this phone number');
    expect(d.error?.details).toBe(`Try again after ${PIN_POLICY.lockMs / MINUTE} minutes.`);
    expect(d.patch).toEqual({ pin_failures: 0, pin_last_attempt_at: NOW, pin_locked_until: NOW + PIN_POLICY.lockMs });
  });

  it('refuses every guess, even the right one, while locked', () => {
    const n = phone({ pin_locked_until: NOW + 30 * MINUTE });
    for (const pin of [PIN, '654321']) {
      const d = checkPin(n, pin, NOW);
      expect(codeOf(d)).toBe(133008);
      expect(d.patch).toEqual({});
      expect(d.error?.details).toBe('Try again after 30 minutes.');
    }
    expect(checkPin(phone({ pin_locked_until: NOW + 30 * SECOND }), PIN, NOW).error?.details).toBe('Try again after 30 seconds.');
  });

  it('evaluates guesses again once the lock has expired', () => {
    expect(checkPin(phone({ pin_locked_until: NOW }), PIN, NOW).error).toBeUndefined();
    expect(codeOf(checkPin(phone({ pin_locked_until: NOW - 1 }), '654321', NOW))).toBe(133005);
  });

  it('walks the whole policy: mismatches, too fast, lock', () => {
    let n = phone();
    let t = NOW;
    const seen: number[] = [];
    const guess = (pin: string): void => {
      const d = checkPin(n, pin, t);
      seen.push(codeOf(d) ?? 0);
      n = { ...n, ...d.patch } as PhoneNumber;
    };
    for (let i = 0; i < PIN_POLICY.slowDownAfter; i++) guess('000000');
    guess('000000'); // too fast
    while (n.pin_locked_until === null) {
      t += PIN_POLICY.minSpacingMs;
      guess('000000');
    }
    expect(seen).toEqual([...Array(PIN_POLICY.slowDownAfter).fill(133005), 133009, ...Array(PIN_POLICY.lockAfter - PIN_POLICY.slowDownAfter - 1).fill(133005), 133008]);
    t += PIN_POLICY.lockMs;
    guess(PIN);
    expect(seen.at(-1)).toBe(0);
    expect(n.pin_failures).toBe(0);
  });
});

describe('decideRegister', () => {
  it('registers a verified number without two-step, making the given PIN its PIN', () => {
    const d = decideRegister(fresh(), '654321', facts());
    expect(d.error).toBeUndefined();
    expect(d.patch).toEqual({
      api: 'cloud',
      onprem_deployment_id: null,
      status: 'CONNECTED',
      two_step_enabled: 1,
      pin_hash: hashPin(ID, '654321'),
      registered_at: NOW,
      last_onboarded_at: NOW,
    });
  });

  it('keeps the existing PIN hash of a number with two-step verification', () => {
    const d = decideRegister(phone({ api: 'none', status: 'DISCONNECTED' }), PIN, facts());
    expect(d.error).toBeUndefined();
    expect(d.patch).toMatchObject({ api: 'cloud', status: 'CONNECTED', pin_hash: hashPin(ID, PIN), pin_failures: 0, pin_last_attempt_at: NOW });
  });

  it('takes a number off On-Premises when it registers on Cloud', () => {
    const d = decideRegister(phone({ api: 'onprem', onprem_deployment_id: 'dep-1' }), PIN, facts());
    expect(d.patch).toMatchObject({ api: 'cloud', onprem_deployment_id: null });
  });

  it('refuses with code 200 / HTTP 403 when the Terms of Service are not accepted, before anything else', () => {
    const d = decideRegister(fresh({ code_verification_status: 'NOT_VERIFIED' }), PIN, facts({ termsAccepted: false, recentRegistrations: REGISTER_LIMIT }));
    expect(codeOf(d)).toBe(200);
    expect(d.error?.spec.httpStatus).toBe(403);
    expect(d.patch).toEqual({});
  });

  it('answers 133016 from the 10th recent registration on, before checking the PIN', () => {
    expect(decideRegister(phone(), PIN, facts({ recentRegistrations: REGISTER_LIMIT - 1 })).error).toBeUndefined();
    for (const recent of [REGISTER_LIMIT, REGISTER_LIMIT + 5]) {
      const d = decideRegister(phone(), 'wrong!', facts({ recentRegistrations: recent }));
      expect(codeOf(d)).toBe(133016);
      expect(d.error?.spec.httpStatus).toBe(400);
      expect(d.patch).toEqual({});
    }
  });

  it('answers 133006 for an unverified number', () => {
    for (const status of ['NOT_VERIFIED', 'EXPIRED', 'UNVERIFIED']) {
      const d = decideRegister(fresh({ code_verification_status: status, verified_at: null }), PIN, facts());
      expect(codeOf(d)).toBe(133006);
      expect(d.error?.details).toMatch(/not been verified/);
      expect(d.patch).toEqual({});
    }
  });

  it('answers 133006 once the 14-day window after verification has passed', () => {
    const ok = decideRegister(fresh({ verified_at: NOW - REGISTRATION_WINDOW_MS }), PIN, facts());
    expect(ok.error).toBeUndefined();
    const late = decideRegister(fresh({ verified_at: NOW - REGISTRATION_WINDOW_MS - 1 }), PIN, facts());
    expect(codeOf(late)).toBe(133006);
    expect(late.error?.details).toMatch(/14-day/);
  });

  it('measures the window from signup when there is no verification time', () => {
    expect(codeOf(decideRegister(fresh({ verified_at: null, signup_at: NOW - 15 * DAY }), PIN, facts()))).toBe(133006);
    expect(decideRegister(fresh({ verified_at: null, signup_at: NOW - 13 * DAY }), PIN, facts()).error).toBeUndefined();
  });

  it('does not apply the window to a number registered before', () => {
    const n = phone({ api: 'none', verified_at: NOW - 100 * DAY, registered_at: NOW - 99 * DAY });
    expect(decideRegister(n, PIN, facts()).error).toBeUndefined();
  });

  it('skips verification checks when a valid backup proves ownership, but still checks the PIN', () => {
    const n = phone({ api: 'onprem', code_verification_status: 'NOT_VERIFIED', verified_at: null, registered_at: null, signup_at: NOW - 100 * DAY });
    expect(decideRegister(n, PIN, facts({ ownershipProvenByBackup: true })).error).toBeUndefined();
    expect(codeOf(decideRegister(n, '654321', facts({ ownershipProvenByBackup: true })))).toBe(133005);
  });

  it('answers 133005 for a wrong PIN, keeping only the failure count', () => {
    const d = decideRegister(phone({ api: 'none', status: 'DISCONNECTED' }), '654321', facts());
    expect(codeOf(d)).toBe(133005);
    expect(d.patch).toEqual({ pin_failures: 1, pin_last_attempt_at: NOW, pin_locked_until: null });
  });

  it('passes the PIN lock through', () => {
    expect(codeOf(decideRegister(phone({ pin_locked_until: NOW + MINUTE }), PIN, facts()))).toBe(133008);
    expect(codeOf(decideRegister(phone({ pin_failures: PIN_POLICY.slowDownAfter, pin_last_attempt_at: NOW }), PIN, facts()))).toBe(133009);
  });
});

describe('decideDeregister', () => {
  it('takes a Cloud API number off Cloud API', () => {
    expect(decideDeregister(phone(), 0)).toEqual({ patch: { api: 'none', status: 'DISCONNECTED' } });
    expect(decideDeregister(phone(), REGISTER_LIMIT - 1).error).toBeUndefined();
  });

  it('answers 100 for a number not on Cloud API', () => {
    for (const api of ['none', 'onprem']) {
      const d = decideDeregister(phone({ api }), 0);
      expect(codeOf(d)).toBe(100);
      expect(d.error?.details).toBe('Phone number is not currently linked in Facebook Hosted System');
      expect(d.patch).toEqual({});
    }
  });

  it('answers 133016 from the 10th recent deregistration on, even for an unregistered number', () => {
    expect(codeOf(decideDeregister(phone(), REGISTER_LIMIT))).toBe(133016);
    expect(codeOf(decideDeregister(phone({ api: 'none' }), REGISTER_LIMIT))).toBe(133016);
  });
});

describe('decideSetPin', () => {
  it('sets the PIN and clears any lock', () => {
    const d = decideSetPin(fresh({ pin_failures: 3, pin_locked_until: NOW + HOUR }), '246810');
    expect(d).toEqual({ patch: { pin_hash: hashPin(ID, '246810'), two_step_enabled: 1, pin_failures: 0, pin_locked_until: null } });
  });
});

describe('request_code rules', () => {
  it('allows up to the hourly limit', () => {
    expect(decideRequestCode(0)).toBeUndefined();
    expect(decideRequestCode(CODE_REQUEST_LIMIT - 1)).toBeUndefined();
    const refused = decideRequestCode(CODE_REQUEST_LIMIT);
    expect(refused?.spec.code).toBe(136024);
    expect(refused?.spec.message).toBe('(#136024) Request code error');
  });

  it('writes the SMS as Meta does and spells the code out on voice calls', () => {
    expect(codeMessage('SMS', '123456', 'en_US')).toBe('WhatsApp code 123-456');
    const voice = codeMessage('VOICE', '123456', 'pt_BR');
    expect(voice).toContain('1 2 3 4 5 6');
    expect(voice).toContain('pt_BR');
  });
});

describe('judgeCodeGuess and codeVerified', () => {
  const pending = { code: '123456', expires_at: NOW + MINUTE, failed_attempts: 0 };

  it('accepts the right code, with or without a hyphen, and burns it', () => {
    for (const code of ['123456', '123-456']) expect(judgeCodeGuess(pending, code, NOW)).toEqual({ wrong: false, burn: true });
  });

  it('verifies the number, restarting the signup clock of a never-registered number only', () => {
    expect(codeVerified(fresh({ code_verification_status: 'NOT_VERIFIED' }), NOW).patch).toEqual({ code_verification_status: 'VERIFIED', verified_at: NOW, signup_at: NOW });
    const n = phone({ signup_at: NOW - 50 * DAY });
    expect(codeVerified(n, NOW).patch).toEqual({ code_verification_status: 'VERIFIED', verified_at: NOW, signup_at: NOW - 50 * DAY });
  });

  it('answers 136025 for a wrong code and counts it', () => {
    const v = judgeCodeGuess(pending, '654321', NOW);
    expect(v.error?.spec.code).toBe(136025);
    expect(v.error?.spec.message).toBe('(#136025) Verify code error');
    expect(v).toMatchObject({ wrong: true, burn: false });
  });

  it(`burns the code at the ${CODE_MAX_WRONG_GUESSES}th wrong guess`, () => {
    const v = judgeCodeGuess({ ...pending, failed_attempts: CODE_MAX_WRONG_GUESSES - 1 }, '654321', NOW);
    expect(v).toMatchObject({ wrong: true, burn: true });
    expect(v.error?.details).toMatch(/too many times/);
    expect(judgeCodeGuess({ ...pending, failed_attempts: CODE_MAX_WRONG_GUESSES - 2 }, '654321', NOW).burn).toBe(false);
  });

  it('answers 136025 when no code is pending (not counted)', () => {
    const v = judgeCodeGuess(undefined, '123456', NOW);
    expect(v.error?.spec.code).toBe(136025);
    expect(v.error?.details).toMatch(/No verification code/);
    expect(v.wrong).toBe(false);
  });

  it('answers 136025 for an expired code, even the right one', () => {
    for (const expires_at of [NOW, NOW - 1]) {
      const v = judgeCodeGuess({ code: '123456', expires_at }, '123456', NOW);
      expect(v.error?.spec.code).toBe(136025);
      expect(v.error?.details).toMatch(/expired/);
    }
    expect(judgeCodeGuess({ code: '123456', expires_at: NOW + 1 }, '123456', NOW).error).toBeUndefined();
  });
});
