import { createCipheriv, randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptBackup, encryptBackup, type BackupContents } from './backup.js';

const contents: BackupContents = {
  v: 1,
  deploymentId: 'dep',
  phoneNumberId: '123',
  cc: '1',
  number: '6315550000',
  verifiedName: "Jasper's Market",
  isOfficialBusinessAccount: true,
  profile: { about: 'hello' },
  shards: 2,
  settings: { webhooks: { url: 'http://x' } },
  createdAt: 1,
  nonce: 'n',
};

describe('On-Prem backup blob', () => {
  it('round-trips with the right password and starts like Meta\'s ("V0FC", i.e. "WAB")', async () => {
    const data = await encryptBackup(contents, 'tacocat');
    expect(data.startsWith('V0FC')).toBe(true);
    expect(await decryptBackup(data, 'tacocat')).toEqual(contents);
  });

  it('is really encrypted: the plaintext does not show through', async () => {
    const raw = Buffer.from(await encryptBackup(contents, 'tacocat'), 'base64').toString('latin1');
    expect(raw).not.toContain('Jasper');
  });

  it('rejects a wrong password', async () => {
    expect(await decryptBackup(await encryptBackup(contents, 'tacocat'), 'tacodog')).toBeUndefined();
  });

  it('rejects any modified byte', async () => {
    const blob = Buffer.from(await encryptBackup(contents, 'tacocat'), 'base64');
    for (const i of [5, 20, 40, blob.length - 1]) {
      const copy = Buffer.from(blob);
      copy[i] = (copy[i] ?? 0) ^ 0x01;
      expect(await decryptBackup(copy.toString('base64'), 'tacocat')).toBeUndefined();
    }
  });

  it('rejects garbage', async () => {
    expect(await decryptBackup('not a backup', 'x')).toBeUndefined();
    expect(await decryptBackup('', 'x')).toBeUndefined();
  });

  it('records its key-derivation cost (version 2): a cheap backup restores whatever the default is', async () => {
    const strong = Buffer.from(await encryptBackup(contents, 'tacocat'), 'base64');
    expect([...strong.subarray(0, 6)]).toEqual([...Buffer.from('WABS'), 0x02, 12]);
    const cheap = await encryptBackup(contents, 'tacocat', 4);
    expect(Buffer.from(cheap, 'base64')[5]).toBe(4);
    expect(await decryptBackup(cheap, 'tacocat')).toEqual(contents);
    expect(await decryptBackup(cheap, 'tacodog')).toBeUndefined();
  });

  it('refuses a cost outside 4–14, in a blob (no huge scrypt on crafted input) or as a setting', async () => {
    const blob = Buffer.from(await encryptBackup(contents, 'tacocat', 4), 'base64');
    for (const cost of [5, 3, 15, 40, 255]) {
      const copy = Buffer.from(blob);
      copy[5] = cost;
      // 5: in range but not what the GCM tag covers; the others are refused before any derivation.
      expect(await decryptBackup(copy.toString('base64'), 'tacocat')).toBeUndefined();
    }
    await expect(encryptBackup(contents, 'tacocat', 3)).rejects.toThrow(RangeError);
    await expect(encryptBackup(contents, 'tacocat', 15)).rejects.toThrow(RangeError);
  });

  it('still reads version 1 blobs (no cost byte, N = 2^12), e.g. kept by a control plane across an upgrade', async () => {
    const header = Buffer.from('WABS\x01', 'latin1');
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', scryptSync('tacocat', salt, 32, { N: 1 << 12, r: 8, p: 1 }), iv);
    cipher.setAAD(header);
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(contents), 'utf8'), cipher.final()]);
    const v1 = Buffer.concat([header, salt, iv, cipher.getAuthTag(), ciphertext]).toString('base64');
    expect(await decryptBackup(v1, 'tacocat')).toEqual(contents);
  });
});
