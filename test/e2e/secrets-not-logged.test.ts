import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Secrets never reach the logs (issue 8): the platform runs as its own process, every secret it is
 * handed or makes goes through it, and nothing it prints contains one.
 */
describe('secrets are never logged', () => {
  const CONTROL_TOKEN = 'ctl-token-never-printed-42';
  let child: ChildProcess;
  let output = '';
  let base = '';
  let dir = '';

  const call = async <T>(method: string, path: string, body?: unknown, token = CONTROL_TOKEN): Promise<T> => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-secrets-'));
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--port', '0', '--no-seed', '--db', join(dir, 'p.sqlite'), '--control-token', CONTROL_TOKEN], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`platform did not start: ${output}`)), 20_000);
      child.stdout?.on('data', () => {
        const m = /Control API \(emulator only\):\s+(http:\/\/\S+)\/_switchboard\//.exec(output);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
  }, 30_000);

  afterAll(() => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints no token, app secret, PIN, backup password or code, even when calls fail', async () => {
    const business = await call<{ id: string }>('POST', '/_switchboard/businesses', { name: 'B' });
    const waba = await call<{ id: string }>('POST', '/_switchboard/wabas', { name: 'W', owner_business_id: business.id });
    const app = await call<{ id: string; app_secret: string }>('POST', '/_switchboard/apps', { name: 'A', business_id: business.id, callback_url: 'http://127.0.0.1:9/unreachable', skip_verification: true });
    await call('POST', `/_switchboard/wabas/${waba.id}/subscribed_apps/${app.id}`);
    const { access_token } = await call<{ access_token: string }>('POST', '/_switchboard/tokens', { app_id: app.id, business_ids: [business.id] });
    const number = await call<{ id: string }>('POST', '/_switchboard/phone-numbers', { waba_id: waba.id, cc: '1', phone_number: '5550001111', verified_name: 'Shop', register_pin: '864213' });
    await call('POST', `/v23.0/${number.id}/register`, { messaging_product: 'whatsapp', pin: '999999' }, access_token);
    await call('POST', `/v23.0/${number.id}/register`, { messaging_product: 'whatsapp', pin: '864213', backup: { password: 'backup-pass-xyz', data: 'V0FCUw==' } }, access_token);
    await call('POST', `/v23.0/${number.id}/request_code`, { code_method: 'SMS', language: 'en_US' }, access_token);
    const codes = await call<{ data: { code: string }[] }>('GET', `/_switchboard/code-inbox?phone_number_id=${number.id}`);
    await call('POST', '/_switchboard/inbound', { phone_number_id: number.id, from: '16505550000', text: { body: 'hi' } });
    await call('GET', '/_switchboard/state', undefined, 'wrong-token-wrong-token');
    await call('GET', `/v23.0/${waba.id}/phone_numbers`, undefined, 'EAASnot-a-real-token');
    // Let the dispatcher fail against the unreachable callback at least once.
    await new Promise((r) => setTimeout(r, 1500));

    const secrets = [CONTROL_TOKEN, access_token, app.app_secret, '864213', 'backup-pass-xyz', 'wrong-token-wrong-token', 'EAASnot-a-real-token', ...codes.data.map((c) => c.code)];
    for (const s of secrets) expect(output, `secret ${s.slice(0, 6)}… leaked`).not.toContain(s);
    expect(output).toContain('Switchboard platform is running');
  });
});
