import { createHash, randomBytes, randomFillSync, randomInt } from 'node:crypto';

/** Graph node ids are numeric strings (OAS pattern ^[0-9]+$); ours are 15-16 random digits. */
export function newGraphId(): string {
  return String(randomInt(1, 10)) + String(randomInt(0, 1e7)).padStart(7, '0') + String(randomInt(0, 1e7)).padStart(7, '0');
}

/**
 * Message ids look like Meta's: "wamid." + base64 of a small binary record that embeds the
 * recipient. At most 128 characters (seed 003).
 */
export function newMessageId(waId: string): string {
  const random = messageIdHex();
  // One latin1 string, one buffer: the same bytes as concatenating the record's parts (hot path).
  const record = `\x15\x18${String.fromCharCode(waId.length & 0xff)}${waId}\x15\x02\x00\x11\x18${String.fromCharCode(random.length)}${random}\x00`;
  return `wamid.${Buffer.from(record, 'latin1').toString('base64')}`;
}

let lastMs = 0;
let sequence = 0;

/**
 * The 18 hex digits of a message id: milliseconds, a per-millisecond sequence, then random digits.
 * Ids made close in time sort close together, so the messages table's id index takes each insert on
 * the same few pages instead of a random one (a random id cost a page write per message at every
 * commit). The random tail keeps ids from several processes on one database apart.
 */
function messageIdHex(): string {
  const now = Math.max(Date.now(), lastMs); // never backwards, should the wall clock be set back
  sequence = now === lastMs ? (sequence + 1) & 0xfff : 0;
  lastMs = now;
  return (now.toString(16).padStart(11, '0') + sequence.toString(16).padStart(3, '0') + randomHex4()).toUpperCase();
}

// Random digits come from a pool refilled 4 KB at a time: one crypto call per thousand message ids.
const pool = new Uint16Array(2048);
let poolNext = pool.length;

function randomHex4(): string {
  if (poolNext === pool.length) {
    randomFillSync(pool);
    poolNext = 0;
  }
  return (pool[poolNext++] ?? 0).toString(16).padStart(4, '0');
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
