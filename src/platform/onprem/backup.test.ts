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
});
