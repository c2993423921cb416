import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectGraphError } from '../support/graph-helpers.js';
import { TestPlatform } from '../support/platform.js';

/** The emulator-only control API can be protected by its own token or switched off (issue 8). */
describe('control API access', () => {
  const TOKEN = 'control-token-0123456789';

  describe('with a control token', () => {
    let tp: TestPlatform;
    beforeAll(async () => {
      tp = await TestPlatform.start({ control: { mode: 'token', token: TOKEN } });
    });
    afterAll(() => tp.stop());

    it('refuses calls without the token or with a wrong one (190, 401), and changes nothing', async () => {
      expectGraphError(await tp.request('GET', '/_switchboard/state'), { status: 401, code: 190 });
      expectGraphError(await tp.request('POST', '/_switchboard/businesses', { body: { name: 'Sneaky' }, token: 'control-token-wrong-value' }), { status: 401, code: 190 });
      const state = await tp.request<{ businesses: unknown[] }>('GET', '/_switchboard/state', { token: TOKEN });
      expect(state.status).toBe(200);
      expect(state.body.businesses).toEqual([]);
    });

    it('cannot be bypassed with a percent-encoded path', async () => {
      for (const path of ['/%5Fswitchboard/demo', '/_%73witchboard/state', '/_switchboar%64/reset']) {
        expectGraphError(await tp.request('POST', path, { body: { seed: 'empty' } }), { status: 401, code: 190 });
      }
    });

    it('accepts the token as Bearer or X-Switchboard-Token', async () => {
      expect((await tp.request('POST', '/_switchboard/businesses', { body: { name: 'Partner' }, token: TOKEN })).status).toBe(200);
      expect((await tp.request('GET', '/_switchboard/clock', { headers: { 'x-switchboard-token': TOKEN } })).status).toBe(200);
    });

    it('keeps the webhook sink open to webhook deliveries and handshakes, but not its listing', async () => {
      expect((await tp.request('POST', '/_switchboard/sink/demo', { body: { object: 'whatsapp_business_account', entry: [] } })).status).toBe(200);
      const handshake = await tp.request('GET', '/_switchboard/sink/demo?hub.mode=subscribe&hub.challenge=42&hub.verify_token=x');
      expect(handshake).toMatchObject({ status: 200, body: 42 });
      expectGraphError(await tp.request('GET', '/_switchboard/sink/demo'), { status: 401, code: 190 });
    });

    it('leaves the Graph API alone (its own tokens)', async () => {
      expectGraphError(await tp.request('GET', '/v23.0/123456789012345'), { status: 400, code: 104 });
    });
  });

  describe('disabled', () => {
    let tp: TestPlatform;
    beforeAll(async () => {
      tp = await TestPlatform.start({ control: { mode: 'disabled' } });
    });
    afterAll(() => tp.stop());

    it('answers every control path with 404, token or not', async () => {
      for (const path of ['/_switchboard/state', '/_switchboard/reset', '/_switchboard/sink/demo', '/%5Fswitchboard/reset']) {
        expectGraphError(await tp.request('POST', path, { body: {}, token: TOKEN }), { status: 404, code: 100, message: /control API is disabled/ });
      }
    });
  });
});
