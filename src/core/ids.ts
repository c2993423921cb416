import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';

/** Graph node ids are numeric strings (OAS pattern ^[0-9]+$); ours are 15-16 random digits. */
export function newGraphId(): string {
  return String(randomInt(1, 10)) + String(randomInt(0, 1e7)).padStart(7, '0') + String(randomInt(0, 1e7)).padStart(7, '0');
}

/**
 * Message ids look like Meta's: "wamid." + base64 of a small binary record that embeds the
 * recipient. At most 128 characters (seed 003).
 */
export function newMessageId(waId: string): string {
  // randomUUID draws from a cached entropy pool: far cheaper per message than randomBytes (hot path).
  const random = randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase();
  const body = Buffer.concat([
    Buffer.from([0x15, 0x18, waId.length & 0xff]),
    Buffer.from(waId, 'ascii'),
    Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, random.length]),
    Buffer.from(random, 'ascii'),
    Buffer.from([0x00]),
  ]);
  return `wamid.${body.toString('base64')}`;
}

/** Access tokens look like Meta's ("EAA..."); only their hash is stored. */
export function newAccessToken(): string {
  return `EAAS${randomBytes(90).toString('base64url').replace(/[-_]/g, '')}`;
}

export function newSecret(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

export const sha256Hex = (value: string | Buffer): string => createHash('sha256').update(value).digest('hex');

export const fbtraceId = (): string => randomBytes(14).toString('base64url').slice(0, 23);

/** Six-digit verification code, as sent by SMS/voice. */
export const newVerificationCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');
