import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { sha256Hex } from '../../core/ids.js';
import { LruCache } from '../../core/lru.js';

/**
 * The On-Premises backup blob (`/v1/settings/backup` → `settings.data`): the number's registration
 * info and settings, really encrypted with a key derived from the caller's password.
 *
 * Layout, base64: "WABS" | version 0x01 | salt (16) | iv (12) | GCM tag (16) | ciphertext.
 * Key: scrypt(password, salt, N=2^12, r=8, p=1) → 32 bytes; cipher AES-256-GCM with the 5-byte header
 * as additional data. A wrong password and a modified blob both fail the GCM check, so they are one
 * error. N is modest so a migration stays fast; the password protects an emulator's test data.
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
const VERSION = 0x01;
const HEADER = Buffer.concat([MAGIC, Buffer.from([VERSION])]);
const SCRYPT = { N: 1 << 12, r: 8, p: 1 } as const;

/**
 * Keys this process derived recently, by salt and password digest. A backup is usually decrypted
 * (register with backup, restore) minutes after this platform made it: reusing the key halves a
 * migration's key-derivation cost. Only the right password finds an entry, so guessing still pays
 * scrypt for every try; entries expire after 15 minutes.
 */
const recentKeys = new LruCache<string, Buffer>(10_000, 15 * 60_000);

/** Asynchronous: the derivation runs on libuv's pool, so a migration does not stall other requests. */
async function deriveKey(password: string, salt: Buffer): Promise<Buffer> {
  const id = `${salt.toString('hex')}:${sha256Hex(password)}`;
  const cached = recentKeys.get(id);
  if (cached) return cached;
  const key = await new Promise<Buffer>((resolve, reject) => scrypt(password, salt, 32, SCRYPT, (err, k) => (err ? reject(err) : resolve(k))));
  recentKeys.set(id, key);
  return key;
}

export async function encryptBackup(contents: BackupContents, password: string): Promise<string> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(password, salt), iv);
  cipher.setAAD(HEADER);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(contents), 'utf8'), cipher.final()]);
  return Buffer.concat([HEADER, salt, iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/** Returns the contents, or undefined when the password is wrong or the blob was changed. */
export async function decryptBackup(data: string, password: string): Promise<BackupContents | undefined> {
  const blob = Buffer.from(data, 'base64');
  if (blob.length < HEADER.length + 16 + 12 + 16 + 1 || !blob.subarray(0, HEADER.length).equals(HEADER)) return undefined;
  let offset = HEADER.length;
  const take = (n: number): Buffer => blob.subarray(offset, (offset += n));
  const salt = take(16);
  const iv = take(12);
  const tag = take(16);
  const ciphertext = blob.subarray(offset);
  const key = await deriveKey(password, salt);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(HEADER);
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    const parsed = JSON.parse(plain) as BackupContents;
    return parsed.v === 1 ? parsed : undefined;
  } catch {
    return undefined;
  }
}
