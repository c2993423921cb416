import { describe, expect, it } from 'vitest';
import { DAY, HOUR, SECOND } from '../../core/clock.js';
import type { PhoneNumber } from '../../store/schema.js';
import { newNumberRow } from '../phone-numbers/domain.js';
import { PIN_POLICY, REGISTER_LIMIT, decideCloudRegistration, hashPin, isBackupCurrent, type BackupFacts, type CloudRegisterFacts, type Decision } from './domain.js';

/**
 * `decideCloudRegistration`: `POST /{PHONE_NUMBER_ID}/register` including the On-Prem → Cloud
 * migration rules (seeds 000, 002; api-facts D.4).
 */

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const ID = '106540352242922';
const PIN = '123456';
const WRONG = '000000';
const DOWNTIME = 3 * SECOND;
const PROFILE = { about: 'Fresh plants daily', websites: ['https://luckyshrub.example'] };

/** A number registered on Cloud API with PIN 123456. */
function phone(over: Partial<PhoneNumber> = {}): PhoneNumber {
  return {
    ...newNumberRow(ID, '102290129340398', { cc: '1', phoneNumber: '6315555555', verifiedName: 'Lucky Shrub' }, NOW - 60 * DAY),
    name_status: 'APPROVED',
    quality_rating: 'GREEN',
    messaging_limit_tier: 'TIER_1K',
    api: 'cloud',
    status: 'CONNECTED',
    pin_hash: hashPin(ID, PIN),
    two_step_enabled: 1,
    code_verification_status: 'VERIFIED',
    verified_at: NOW - 30 * DAY,
    registered_at: NOW - 20 * DAY,
    last_onboarded_at: NOW - 20 * DAY,
    ...over,
  };
}

/** The same number, registered on an On-Prem deployment (as an OBA with a profile) since 20 days. */
const onPrem = (over: Partial<PhoneNumber> = {}): PhoneNumber =>
  phone({ api: 'onprem', onprem_deployment_id: 'dep-a', is_official_business_account: 1, profile: JSON.stringify(PROFILE), ...over });

const backupOf = (n: PhoneNumber, over: Partial<BackupFacts> = {}): BackupFacts => ({
  cc: n.cc,
  number: n.number,
  isOfficialBusinessAccount: n.is_official_business_account === 1,
  profile: JSON.parse(n.profile) as Record<string, unknown>,
  shards: 1,
  createdAt: NOW,
  nonce: 'backup-nonce',
  ...over,
});

const facts = (over: Partial<CloudRegisterFacts> = {}): CloudRegisterFacts => ({ now: NOW, termsAccepted: true, recentRegistrations: 0, downtimeMs: DOWNTIME, ...over });

const codeOf = (d: Decision): number | undefined => d.error?.spec.code;

/** The registration itself (same for every success). */
const registeredOnCloud = { api: 'cloud', onprem_deployment_id: null, status: 'CONNECTED', two_step_enabled: 1, registered_at: NOW, last_onboarded_at: NOW };

describe('decideCloudRegistration: the backup', () => {
  it('a backup of another number is refused (code 100, "different phone number") and changes nothing', () => {
    const n = onPrem();
    for (const b of [backupOf(n, { number: '6315550000' }), backupOf(n, { cc: '44' })]) {
      const d = decideCloudRegistration(n, PIN, facts({ backup: b }));
      expect(codeOf(d)).toBe(100);
      expect(d.error?.details).toMatch(/different phone number/);
      expect(d.patch).toEqual({});
    }
  });

  it('a backup proves ownership: no fresh verification needed, even if the code status is not VERIFIED', () => {
    const n = onPrem({ code_verification_status: 'NOT_VERIFIED', verified_at: null });
    const d = decideCloudRegistration(n, PIN, facts({ backup: backupOf(n) }));
    expect(d.error).toBeUndefined();
    expect(d.patch).toMatchObject(registeredOnCloud);
  });

  it('a backup also lifts the 14-day registration window', () => {
    const n = onPrem({ verified_at: NOW - 100 * DAY, signup_at: NOW - 100 * DAY, registered_at: null });
    expect(decideCloudRegistration(n, PIN, facts({ backup: backupOf(n) })).error).toBeUndefined();
  });
});

describe('decideCloudRegistration: On-Prem without a backup', () => {
  it('needs a fresh verification (133006) and changes nothing', () => {
    const d = decideCloudRegistration(onPrem(), PIN, facts());
    expect(codeOf(d)).toBe(133006);
    expect(d.error?.details).toMatch(/On-Premises/);
    expect(d.patch).toEqual({});
  });

  it('a verification older than the On-Prem registration does not count', () => {
    const d = decideCloudRegistration(onPrem({ verified_at: NOW - 21 * DAY, registered_at: NOW - 20 * DAY }), PIN, facts());
    expect(codeOf(d)).toBe(133006);
  });

  it('after request_code/verify_code (verified after the registration) it registers, losing OBA status and profile', () => {
    const n = onPrem({ verified_at: NOW - HOUR, registered_at: NOW - 20 * DAY, throughput_level: 'HIGH' });
    const d = decideCloudRegistration(n, PIN, facts());
    expect(d.error).toBeUndefined();
    expect(d.patch).toMatchObject({ ...registeredOnCloud, is_official_business_account: 0, profile: '{}', downtime_until: NOW + DOWNTIME });
    // Throughput is not touched without a backup.
    expect(d.patch).not.toHaveProperty('throughput_level');
  });
});

describe('decideCloudRegistration: what the backup carries over', () => {
  it('keeps OBA status and the profile', () => {
    const n = onPrem();
    const d = decideCloudRegistration(n, PIN, facts({ backup: backupOf(n) }));
    expect(d.patch).toMatchObject({ is_official_business_account: 1, profile: JSON.stringify(PROFILE) });
  });

  it('takes OBA status and profile from the backup, not from the row', () => {
    const n = onPrem();
    const d = decideCloudRegistration(n, PIN, facts({ backup: backupOf(n, { isOfficialBusinessAccount: false, profile: { about: 'from backup' } }) }));
    expect(d.patch).toMatchObject({ is_official_business_account: 0, profile: JSON.stringify({ about: 'from backup' }) });
    const up = decideCloudRegistration(phone({ api: 'onprem', onprem_deployment_id: 'dep-a' }), PIN, facts({ backup: backupOf(n) }));
    expect(up.patch).toMatchObject({ is_official_business_account: 1 });
  });

  it('2 or more shards become HIGH throughput; 1 shard keeps the current level', () => {
    const n = onPrem();
    for (const shards of [2, 4, 8, 16, 32]) {
      expect(decideCloudRegistration(n, PIN, facts({ backup: backupOf(n, { shards }) })).patch.throughput_level).toBe('HIGH');
    }
    expect(decideCloudRegistration(n, PIN, facts({ backup: backupOf(n, { shards: 1 }) })).patch.throughput_level).toBe('STANDARD');
    const high = onPrem({ throughput_level: 'HIGH' });
    expect(decideCloudRegistration(high, PIN, facts({ backup: backupOf(high, { shards: 1 }) })).patch.throughput_level).toBe('HIGH');
  });

  it('a plain Cloud re-registration carries nothing over', () => {
    const n = phone({ is_official_business_account: 1, profile: JSON.stringify(PROFILE), throughput_level: 'HIGH' });
    const d = decideCloudRegistration(n, PIN, facts());
    expect(d.error).toBeUndefined();
    for (const key of ['is_official_business_account', 'profile', 'throughput_level', 'downtime_until']) expect(d.patch).not.toHaveProperty(key);
  });
});

describe('decideCloudRegistration: the PIN', () => {
  it('a wrong PIN with a backup takes the On-Prem deployment down (seed 002)', () => {
    const d = decideCloudRegistration(onPrem(), WRONG, facts({ backup: backupOf(onPrem()) }));
    expect(codeOf(d)).toBe(133005);
    expect(d.patch).toEqual({ api: 'none', status: 'DISCONNECTED', pin_failures: 1, pin_last_attempt_at: NOW, pin_locked_until: null });
    // The deployment it left is remembered (not in the patch), and nothing was registered.
    expect(d.patch).not.toHaveProperty('onprem_deployment_id');
  });

  it('a number a wrong PIN took off its deployment is still treated as On-Prem', () => {
    const down = onPrem({ api: 'none', status: 'DISCONNECTED', onprem_deployment_id: 'dep-a' });
    // Without the backup: fresh verification needed.
    expect(codeOf(decideCloudRegistration(down, PIN, facts()))).toBe(133006);
    // After verify_code: registers, losing OBA and profile.
    const verified = decideCloudRegistration({ ...down, verified_at: NOW - HOUR }, PIN, facts());
    expect(verified.error).toBeUndefined();
    expect(verified.patch).toMatchObject({ ...registeredOnCloud, is_official_business_account: 0, profile: '{}' });
    // With the backup and the right PIN: registers with OBA and profile kept.
    const retried = decideCloudRegistration(down, PIN, facts({ backup: backupOf(down, { shards: 2 }) }));
    expect(retried.error).toBeUndefined();
    expect(retried.patch).toMatchObject({ ...registeredOnCloud, is_official_business_account: 1, profile: JSON.stringify(PROFILE), throughput_level: 'HIGH' });
    // A second wrong PIN only counts (the deployment is already down).
    const again = decideCloudRegistration(down, WRONG, facts({ backup: backupOf(down) }));
    expect(codeOf(again)).toBe(133005);
    expect(again.patch).toEqual({ pin_failures: 1, pin_last_attempt_at: NOW, pin_locked_until: null });
  });

  it('a wrong PIN without a backup, or on a number not on On-Prem, only counts the failure', () => {
    const cloud = decideCloudRegistration(phone(), WRONG, facts());
    expect(codeOf(cloud)).toBe(133005);
    expect(cloud.patch).toEqual({ pin_failures: 1, pin_last_attempt_at: NOW, pin_locked_until: null });

    const none = phone({ api: 'none', status: 'DISCONNECTED' });
    const withBackup = decideCloudRegistration(none, WRONG, facts({ backup: backupOf(none) }));
    expect(codeOf(withBackup)).toBe(133005);
    expect(withBackup.patch).not.toHaveProperty('api');
    expect(withBackup.patch).not.toHaveProperty('status');

    const freshlyVerified = onPrem({ verified_at: NOW - HOUR });
    const noBackup = decideCloudRegistration(freshlyVerified, WRONG, facts());
    expect(codeOf(noBackup)).toBe(133005);
    expect(noBackup.patch).not.toHaveProperty('api');
  });

  it('other failures with a backup (locked PIN, rate limit, terms) leave the deployment running', () => {
    const locked = onPrem({ pin_locked_until: NOW + HOUR });
    const l = decideCloudRegistration(locked, WRONG, facts({ backup: backupOf(locked) }));
    expect(codeOf(l)).toBe(133008);
    expect(l.patch).toEqual({});

    const r = decideCloudRegistration(onPrem(), PIN, facts({ backup: backupOf(onPrem()), recentRegistrations: REGISTER_LIMIT }));
    expect(codeOf(r)).toBe(133016);
    expect(r.patch).toEqual({});

    const t = decideCloudRegistration(onPrem(), PIN, facts({ backup: backupOf(onPrem()), termsAccepted: false }));
    expect(t.error?.spec.httpStatus).toBe(403);
    expect(t.patch).toEqual({});
  });

  it('the fifth wrong PIN with a backup locks the PIN and is 133008, not a disconnect', () => {
    const n = onPrem({ pin_failures: PIN_POLICY.lockAfter - 1, pin_last_attempt_at: NOW - HOUR });
    const d = decideCloudRegistration(n, WRONG, facts({ backup: backupOf(n) }));
    expect(codeOf(d)).toBe(133008);
    expect(d.patch).toMatchObject({ pin_locked_until: NOW + PIN_POLICY.lockMs });
    expect(d.patch).not.toHaveProperty('api');
  });

  it('with two-step off on On-Prem, the PIN given becomes the PIN; with it on, the PIN is kept', () => {
    const off = onPrem({ two_step_enabled: 0, pin_hash: null });
    expect(decideCloudRegistration(off, '654321', facts({ backup: backupOf(off) })).patch).toMatchObject({ two_step_enabled: 1, pin_hash: hashPin(ID, '654321') });
    expect(decideCloudRegistration(onPrem(), PIN, facts({ backup: backupOf(onPrem()) })).patch.pin_hash).toBe(hashPin(ID, PIN));
  });
});

describe('decideCloudRegistration: downtime', () => {
  it('starts only when the number moves from another API (On-Prem)', () => {
    const n = onPrem();
    expect(decideCloudRegistration(n, PIN, facts({ backup: backupOf(n) })).patch.downtime_until).toBe(NOW + DOWNTIME);
    expect(decideCloudRegistration(n, PIN, facts({ backup: backupOf(n), downtimeMs: 0 })).patch.downtime_until).toBe(NOW);
  });

  it('not for a number already on Cloud API, or on no API, even with a backup', () => {
    const cloud = phone();
    expect(decideCloudRegistration(cloud, PIN, facts()).patch).not.toHaveProperty('downtime_until');
    expect(decideCloudRegistration(cloud, PIN, facts({ backup: backupOf(cloud) })).patch).not.toHaveProperty('downtime_until');
    const none = phone({ api: 'none', status: 'DISCONNECTED' });
    expect(decideCloudRegistration(none, PIN, facts()).patch).not.toHaveProperty('downtime_until');
    expect(decideCloudRegistration(none, PIN, facts({ backup: backupOf(none) })).patch).not.toHaveProperty('downtime_until');
  });
});

describe('backups are good once, and only until the number registers again (issue 8)', () => {
  it('refuses a backup made before the number\'s latest registration: replayed or superseded', () => {
    const n = onPrem({ last_onboarded_at: NOW - 1000 });
    expect(decideCloudRegistration(n, PIN, facts({ backup: backupOf(n, { createdAt: NOW - 500 }) })).error).toBeUndefined();
    const stale = decideCloudRegistration(n, PIN, facts({ backup: backupOf(n, { createdAt: NOW - 2000 }) }));
    expect(stale.error?.spec.code).toBe(100);
    expect(stale.error?.details).toMatch(/out of date/);
    expect(stale.patch).toEqual({});
  });

  it('answers a retry with the backup that put the number on Cloud API as done, changing nothing', () => {
    const n = phone({ api: 'cloud', last_onboarded_at: NOW - 1000, onboarded_by_backup: 'backup-nonce' });
    expect(decideCloudRegistration(n, PIN, facts({ backup: backupOf(n, { createdAt: NOW - 2000 }) }))).toEqual({ patch: {} });
    const other = decideCloudRegistration(n, PIN, facts({ backup: backupOf(n, { createdAt: NOW - 2000, nonce: 'another' }) }));
    expect(other.error?.details).toMatch(/out of date/);
  });

  it('accepts a backup made in the same instant as the registration it follows', () => {
    expect(isBackupCurrent(NOW, { last_onboarded_at: NOW })).toBe(true);
    expect(isBackupCurrent(NOW, { last_onboarded_at: null })).toBe(true);
    expect(isBackupCurrent(NOW - 1, { last_onboarded_at: NOW })).toBe(false);
  });
});
