import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRetryable } from '../../src/controlplane/errors.js';
import { otpSource } from '../../src/controlplane/otp/otp-source.js';

const dir = mkdtempSync(join(tmpdir(), 'cp-otp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rejects with the error `work` throws, so its retry verdict can be checked. */
async function failure(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('OTP sources', () => {
  it('env: reads <prefix><id>, strips the hyphen, waits (transient) while unset', async () => {
    const source = otpSource({ source: 'env', prefix: 'OTP_' }, { env: { OTP_42: '123-456' }, rehearsal: undefined });
    expect(await source.code('42')).toBe('123456');
    const missing = await failure(source.code('43'));
    expect(isRetryable(missing)).toBe(true);
    expect((missing as Error).message).toBe('waiting for the verification code in environment variable OTP_43');
  });

  it('file: a JSON map edited while the run waits; a malformed code is permanent', async () => {
    const path = join(dir, 'codes.json');
    const source = otpSource({ source: 'file', path }, { env: {}, rehearsal: undefined });
    expect(isRetryable(await failure(source.code('7')))).toBe(true);
    writeFileSync(path, JSON.stringify({ '7': '654321', '8': '12ab' }));
    expect(await source.code('7')).toBe('654321');
    expect(isRetryable(await failure(source.code('8')))).toBe(false);
  });

  it('no source configured: permanent', async () => {
    expect(isRetryable(await failure(otpSource(undefined, { env: {}, rehearsal: undefined }).code('1')))).toBe(false);
  });
});
