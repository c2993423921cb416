import { DAY, HOUR, MINUTE, SECOND } from '../../core/clock.js';
import { errors, type ApiError } from '../../core/errors.js';
import { sha256Hex } from '../../core/ids.js';
import type { PhoneNumber, PhoneNumberPatch } from '../../store/schema.js';

/**
 * Registration rules for Cloud API (seeds 002, 003; api-facts B.4–B.8). Pure: each decision takes
 * the number and the facts around it and returns the changes to save and, possibly, an error.
 * A failed PIN guess still changes state (the failure counter), so decisions return both.
 */
export interface Decision {
  readonly patch: PhoneNumberPatch;
  readonly error?: ApiError;
}

export const REGISTER_LIMIT = 10;
export const REGISTER_WINDOW_MS = 72 * HOUR;
/** A number must be registered within 14 days of (Embedded Signup) verification (seed 003). */
export const REGISTRATION_WINDOW_MS = 14 * DAY;

/** PIN brute-force policy (Meta gives no figures; ours, documented in docs/platform.md). */
export const PIN_POLICY = {
  /** From this many consecutive failures on, guesses must be spaced out... */
  slowDownAfter: 3,
  /** ...by at least this long, else 133009 (the guess is not counted). */
  minSpacingMs: 10 * SECOND,
  /** This many consecutive failures lock the PIN... */
  lockAfter: 5,
  /** ...for this long (133008). */
  lockMs: 1 * HOUR,
} as const;

export const hashPin = (numberId: string, pin: string): string => sha256Hex(`${numberId}:${pin}`);

export const isSixDigitPin = (pin: unknown): pin is string => typeof pin === 'string' && /^\d{6}$/.test(pin);

/**
 * Checks a PIN guess against the number's two-step PIN, applying lockout and spacing. When two-step
 * verification is off any PIN passes (and becomes the PIN on success).
 */
export function checkPin(n: PhoneNumber, pin: string, now: number): Decision {
  if (n.pin_locked_until !== null && n.pin_locked_until > now) {
    return { patch: {}, error: errors.tooManyPinGuesses((n.pin_locked_until - now) / 1000) };
  }
  if (!n.two_step_enabled || n.pin_hash === null) return { patch: {} };
  const spacing = n.pin_last_attempt_at === null ? Infinity : now - n.pin_last_attempt_at;
  if (n.pin_failures >= PIN_POLICY.slowDownAfter && spacing < PIN_POLICY.minSpacingMs) {
    return { patch: {}, error: errors.pinGuessedTooFast((PIN_POLICY.minSpacingMs - spacing) / 1000) };
  }
  if (hashPin(n.id, pin) === n.pin_hash) return { patch: { pin_failures: 0, pin_last_attempt_at: now, pin_locked_until: null } };
  const failures = n.pin_failures + 1;
  const locked = failures >= PIN_POLICY.lockAfter;
  return {
    patch: { pin_failures: locked ? 0 : failures, pin_last_attempt_at: now, pin_locked_until: locked ? now + PIN_POLICY.lockMs : null },
    error: locked ? errors.tooManyPinGuesses(PIN_POLICY.lockMs / 1000) : errors.pinMismatch(),
  };
}

export interface RegisterFacts {
  readonly now: number;
  readonly termsAccepted: boolean;
  /** Register calls for this number in the last 72 hours. */
  readonly recentRegistrations: number;
  /** True when a valid On-Prem backup was passed: ownership is proven without an OTP (seed 000). */
  readonly ownershipProvenByBackup: boolean;
}

/** `POST /{PHONE_NUMBER_ID}/register` without its On-Prem backup part. */
export function decideRegister(n: PhoneNumber, pin: string, facts: RegisterFacts): Decision {
  if (!facts.termsAccepted) return { patch: {}, error: errors.termsNotAccepted() };
  if (facts.recentRegistrations >= REGISTER_LIMIT) return { patch: {}, error: errors.registerRateLimited() };
  if (!facts.ownershipProvenByBackup) {
    if (n.code_verification_status !== 'VERIFIED') {
      return { patch: {}, error: errors.reverificationNeeded('The phone number has not been verified. Request and verify a code with /request_code and /verify_code, then register.') };
    }
    const verifiedAt = n.verified_at ?? n.signup_at;
    if (n.registered_at === null && facts.now - verifiedAt > REGISTRATION_WINDOW_MS) {
      return { patch: {}, error: errors.reverificationNeeded('The 14-day registration window after signup has passed. Verify the phone number again, then register.') };
    }
  }
  const pinCheck = checkPin(n, pin, facts.now);
  if (pinCheck.error) return pinCheck;
  return {
    patch: {
      ...pinCheck.patch,
      api: 'cloud',
      onprem_deployment_id: null,
      status: 'CONNECTED',
      two_step_enabled: 1,
      pin_hash: n.two_step_enabled && n.pin_hash ? n.pin_hash : hashPin(n.id, pin),
      registered_at: facts.now,
      last_onboarded_at: facts.now,
    },
  };
}

export function decideDeregister(n: PhoneNumber, recentDeregistrations: number): Decision {
  if (recentDeregistrations >= REGISTER_LIMIT) return { patch: {}, error: errors.registerRateLimited() };
  if (n.api !== 'cloud') return { patch: {}, error: errors.invalidParameter('Phone number is not currently linked in Facebook Hosted System') };
  return { patch: { api: 'none', status: 'DISCONNECTED' } };
}

/** `POST /{PHONE_NUMBER_ID}` with `pin`: sets or changes the two-step PIN (no old PIN needed via API). */
export function decideSetPin(n: PhoneNumber, pin: string): Decision {
  return { patch: { pin_hash: hashPin(n.id, pin), two_step_enabled: 1, pin_failures: 0, pin_locked_until: null } };
}

export const CODE_TTL_MS = 10 * MINUTE;
export const CODE_REQUEST_LIMIT = 5;
export const CODE_REQUEST_WINDOW_MS = 1 * HOUR;
export const CODE_METHODS = ['SMS', 'VOICE'] as const;

/** What the SMS or voice call "says"; Meta's SMS reads "WhatsApp code 123-830". */
export function codeMessage(method: string, code: string, language: string): string {
  const spaced = `${code.slice(0, 3)}-${code.slice(3)}`;
  return method === 'VOICE'
    ? `[voice call, ${language}] Your WhatsApp code is ${code.split('').join(' ')}. Again: ${code.split('').join(' ')}.`
    : `WhatsApp code ${spaced}`;
}

export function decideRequestCode(recentRequests: number): ApiError | undefined {
  if (recentRequests >= CODE_REQUEST_LIMIT) {
    return errors.requestCodeError('Too many verification codes requested for this phone number. Wait 1 hour before requesting a new code.');
  }
  return undefined;
}

export interface PendingCode {
  readonly code: string;
  readonly expires_at: number;
  readonly failed_attempts?: number;
}

/** Wrong guesses one code survives; the last one burns it (Meta gives no figure: ours, so 6 digits can't be brute-forced). */
export const CODE_MAX_WRONG_GUESSES = 5;

export interface CodeVerdict {
  readonly error?: ApiError;
  /** The guess was wrong and counts against the code. */
  readonly wrong: boolean;
  /** The code is used up (by this wrong guess, or because it was right). */
  readonly burn: boolean;
}

/** One guess at the newest unused code: no code, expired, wrong (counted), or right. */
export function judgeCodeGuess(pending: PendingCode | undefined, guess: string, now: number): CodeVerdict {
  if (!pending) return { error: errors.verifyCodeError('No verification code was requested for this phone number, or it has already been used. Request a new code.'), wrong: false, burn: false };
  if (pending.expires_at <= now) return { error: errors.verifyCodeError('The verification code has expired. Request a new code.'), wrong: false, burn: false };
  if (pending.code === guess.replace(/-/g, '')) return { wrong: false, burn: true };
  const last = (pending.failed_attempts ?? 0) + 1 >= CODE_MAX_WRONG_GUESSES;
  const details = last ? "Code couldn't be verified, You have entered wrong code too many times. Request a new code." : "Code couldn't be verified, You have entered wrong code.";
  return { error: errors.verifyCodeError(details), wrong: true, burn: last };
}

/** The number's ownership is proven by a code: verified now (and a never-registered number's 14-day window restarts). */
export function codeVerified(n: PhoneNumber, now: number): Decision {
  return { patch: { code_verification_status: 'VERIFIED', verified_at: now, signup_at: n.registered_at === null ? now : n.signup_at } };
}

/** What a decrypted On-Prem backup contributes to a Cloud registration. */
export interface BackupFacts {
  readonly cc: string;
  readonly number: string;
  readonly isOfficialBusinessAccount: boolean;
  readonly profile: Record<string, unknown>;
  readonly shards: number;
  /** When the backup was made (emulator clock). */
  readonly createdAt: number;
  /** Unique per backup. */
  readonly nonce: string;
}

/**
 * A backup is good only while the number has not been registered anywhere since it was made: so a
 * backup cannot be replayed after it served, nor a stale one take a number back (issue 8; Meta is
 * silent, our rule).
 */
export const isBackupCurrent = (createdAt: number, n: Pick<PhoneNumber, 'last_onboarded_at'>): boolean => createdAt >= (n.last_onboarded_at ?? 0);

export interface CloudRegisterFacts extends Omit<RegisterFacts, 'ownershipProvenByBackup'> {
  readonly backup?: BackupFacts | undefined;
  readonly downtimeMs: number;
}

/**
 * `POST /{PHONE_NUMBER_ID}/register`, including the On-Prem → Cloud migration (seeds 000, 002):
 * - an unmodified backup proves ownership: no OTP needed;
 * - without one, a number on On-Prem must first be verified again (request_code/verify_code);
 * - OBA status and profile survive only with the backup; 2+ shards become HIGH throughput;
 * - a wrong PIN with a backup takes the On-Prem deployment down (seed 002);
 * - moving from another API starts the downtime window.
 */
export function decideCloudRegistration(n: PhoneNumber, pin: string, facts: CloudRegisterFacts): Decision {
  const b = facts.backup;
  if (b && (b.cc !== n.cc || b.number !== n.number)) return { patch: {}, error: errors.backupForAnotherNumber() };
  if (b && !isBackupCurrent(b.createdAt, n)) {
    // The same backup again on the number it already put on Cloud API: a retry, answered as done.
    if (n.api === 'cloud' && n.onboarded_by_backup === b.nonce) return { patch: {} };
    return { patch: {}, error: errors.backupOutdated() };
  }
  const freshlyVerified = n.verified_at !== null && n.registered_at !== null && n.verified_at > n.registered_at;
  // A number a wrong PIN took off its deployment (below) is still an On-Prem number: the same rules apply.
  const onOnprem = n.api === 'onprem' || (n.api === 'none' && n.onprem_deployment_id !== null);
  if (!b && onOnprem && !freshlyVerified) {
    return {
      patch: {},
      error: errors.reverificationNeeded('The number is registered on the On-Premises API. Include its backup (backup.data and backup.password), or verify ownership with /request_code and /verify_code first.'),
    };
  }
  const d = decideRegister(n, pin, { ...facts, ownershipProvenByBackup: b !== undefined });
  if (d.error) {
    if (b && n.api === 'onprem' && d.error.spec.code === 133005) {
      // The deployment it left is kept, so a later register without the backup still needs the OTP and loses OBA/profile.
      return { patch: { ...d.patch, api: 'none', status: 'DISCONNECTED' }, error: d.error };
    }
    return d;
  }
  const fromOnprem = onOnprem || b !== undefined;
  // Cloud API never saw the On-Prem deployment's messages and media: ids from there do not carry over.
  const carried: PhoneNumberPatch = !fromOnprem
    ? {}
    : b
      ? { is_official_business_account: b.isOfficialBusinessAccount ? 1 : 0, profile: JSON.stringify(b.profile), throughput_level: b.shards >= 2 ? 'HIGH' : n.throughput_level, history_since: facts.now }
      : { is_official_business_account: 0, profile: '{}', history_since: facts.now };
  const onboardedBy: PhoneNumberPatch = { onboarded_by_backup: b?.nonce ?? null };
  const downtime: PhoneNumberPatch = n.api !== 'cloud' && n.api !== 'none' ? { downtime_until: facts.now + facts.downtimeMs } : {};
  return { patch: { ...d.patch, ...carried, ...downtime, ...onboardedBy } };
}
