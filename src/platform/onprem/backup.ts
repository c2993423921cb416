import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { sha256Hex } from '../../core/ids.js';
import { LruCache } from '../../core/lru.js';

/**
 * The On-Premises backup blob (`/v1/settings/backup` → `settings.data`): the number's registration
 * info and settings, really encrypted with a key derived from the caller's password.
 *
 * Layout, base64: "WABS" | version 0x02 | cost (1) | salt (16) | iv (12) | GCM tag (16) | ciphertext.
 * Key: scrypt(password, salt, N=2^cost, r=8, p=1) → 32 bytes; cipher AES-256-GCM with the header
 * (magic, version, cost) as additional data, so a changed cost fails like any modified byte. A wrong
 * password and a modified blob both fail the GCM check, so they are one error. The cost is 12 unless
 * the emulator's `backup_kdf_cost` setting says otherwise (rehearsals and benchmarks of thousands of
 * migrations lower it); recording it in the blob lets any backup be restored whatever the setting is
 * now. Version 0x01 blobs (no cost byte, always 12) are still read.
 */
export interface BackupContents {
  v: 1;
  deploymentId: string;
  phoneNumberId: string;
  cc: string;
  number: string;
  verifiedName: string;
  isOfficialBusinessAccount: boolean;
  profile: Record<string, unknown>;
  shards: number;
  settings: Record<string, unknown>;
  createdAt: number;
  /** Unique per backup, so a consumed backup can be recognised if replayed. */
  nonce: string;
}

const MAGIC = Buffer.from('WABS', 'ascii');
const VERSION = 0x02;
const VERSION_1 = 0x01;
/** log2 of scrypt's N: 2^12 by default; the range keeps a crafted blob from asking for huge memory. */
export const DEFAULT_BACKUP_KDF_COST = 12;
export const BACKUP_KDF_COSTS = { min: 4, max: 14 } as const;
const TAIL = 16 + 12 + 16;

/**
 * Keys this process derived recently, by salt and password digest. A backup is usually decrypted
 * (register with backup, restore) minutes after this platform made it: reusing the key halves a
 * migration's key-derivation cost. Only the right password finds an entry, so guessing still pays
 * scrypt for every try; entries expire after 15 minutes.
 */
const recentKeys = new LruCache<string, Buffer>(10_000, 15 * 60_000);

/** Asynchronous: the derivation runs on libuv's pool, so a migration does not stall other requests. */
async function deriveKey(password: string, salt: Buffer, cost: number): Promise<Buffer> {
  const id = `${cost}:${salt.toString('hex')}:${sha256Hex(password)}`;
  const cached = recentKeys.get(id);
  if (cached) return cached;
  const params = { N: 2 ** cost, r: 8, p: 1 };
  const key = await new Promise<Buffer>((resolve, reject) => scrypt(password, salt, 32, params, (err, k) => (err ? reject(err) : resolve(k))));
  recentKeys.set(id, key);
  return key;
}

export async function encryptBackup(contents: BackupContents, password: string, cost: number = DEFAULT_BACKUP_KDF_COST): Promise<string> {
  if (!Number.isInteger(cost) || cost < BACKUP_KDF_COSTS.min || cost > BACKUP_KDF_COSTS.max) throw new RangeError(`backup KDF cost ${cost} is outside ${BACKUP_KDF_COSTS.min}–${BACKUP_KDF_COSTS.max}`);
  const header = Buffer.concat([MAGIC, Buffer.from([VERSION, cost])]);
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(password, salt, cost), iv);
  cipher.setAAD(header);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(contents), 'utf8'), cipher.final()]);
  return Buffer.concat([header, salt, iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/** The header (version 1 or 2) and the cost it records, or undefined when this is no backup we made. */
function readHeader(blob: Buffer): { header: Buffer; cost: number } | undefined {
  if (!blob.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const version = blob[MAGIC.length];
  if (version === VERSION_1) return { header: blob.subarray(0, MAGIC.length + 1), cost: DEFAULT_BACKUP_KDF_COST };
  const cost = blob[MAGIC.length + 1];
  if (version !== VERSION || cost === undefined || cost < BACKUP_KDF_COSTS.min || cost > BACKUP_KDF_COSTS.max) return undefined;
  return { header: blob.subarray(0, MAGIC.length + 2), cost };
}

/** Returns the contents, or undefined when the password is wrong or the blob was changed. */
export async function decryptBackup(data: string, password: string): Promise<BackupContents | undefined> {
  const blob = Buffer.from(data, 'base64');
  const head = readHeader(blob);
  if (!head || blob.length < head.header.length + TAIL + 1) return undefined;
  let offset = head.header.length;
  const take = (n: number): Buffer => blob.subarray(offset, (offset += n));
  const salt = take(16);
  const iv = take(12);
  const tag = take(16);
  const ciphertext = blob.subarray(offset);
  const key = await deriveKey(password, salt, head.cost);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(head.header);
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    const parsed = JSON.parse(plain) as BackupContents;
    return parsed.v === 1 ? parsed : undefined;
  } catch {
    return undefined;
  }
}
