import { describe, expect, it } from 'vitest';
import { CODE_MAX_WRONG_GUESSES } from '../../src/platform/registration/domain.js';
import { codeInbox, expectGraphError, expectSuccess } from '../support/graph-helpers.js';
import { expectOnpremError, expectOnpremOk, OnpremClient } from '../support/onprem-helpers.js';
import { addNumber, sharedPlatform, type HttpResult } from '../support/platform.js';
import { requestMigration, twoPartners } from '../support/waba-migration-helpers.js';

/**
 * A 6-digit code must not be brute-forceable (issue 8): each code survives a few wrong guesses, the
 * last one burns it, and the right code no longer works after that. Wrong guesses are counted even
 * though the request fails (the count is committed before the error is returned).
 */
describe('verification codes survive only a few wrong guesses', () => {
  const shared = sharedPlatform();

  const wrongOf = (code: string): string => (code === '000000' ? '111111' : '000000');

  /** Guesses wrong until the code burns, then tries the right code. */
  async function exhaust(guess: (code: string) => Promise<HttpResult<unknown>>, code: string, check: (res: HttpResult<unknown>, last: boolean) => void): Promise<HttpResult<unknown>> {
    for (let i = 1; i <= CODE_MAX_WRONG_GUESSES; i++) check(await guess(wrongOf(code)), i === CODE_MAX_WRONG_GUESSES);
    return guess(code);
  }

  it('Graph verify_code: the last wrong guess burns the code; a new code works', async () => {
    const { tp, world } = shared;
    const number = await addNumber(tp, world, { register_pin: undefined, code_verified: false });
    const verify = (code: string) => tp.graph('POST', `${number.id}/verify_code`, world.token, { code });
    expectSuccess(await tp.graph('POST', `${number.id}/request_code`, world.token, { code_method: 'SMS', language: 'en_US' }));
    const [first] = await codeInbox(tp, number.id);
    const right = await exhaust(verify, first?.code ?? '', (res, last) => expectGraphError(res, { status: 400, code: 136025, details: last ? /too many times/ : /wrong code\.$/ }));
    expectGraphError(right, { status: 400, code: 136025, details: /No verification code/ });

    expectSuccess(await tp.graph('POST', `${number.id}/request_code`, world.token, { code_method: 'SMS', language: 'en_US' }));
    const [second] = await codeInbox(tp, number.id);
    expectSuccess(await verify(second?.code ?? ''));
  });

  it('migration verify_code: wrong guesses count against the destination\'s code too', async () => {
    const { tp } = shared;
    const p = await twoPartners(tp);
    shared.track(p.source, p.dest);
    expect((await requestMigration(tp, p)).status).toBe(200);
    expectSuccess(await tp.graph('POST', `${p.number.id}/request_code`, p.dest.token, { code_method: 'SMS', language: 'en_US' }));
    const [code] = await codeInbox(tp, p.number.id);
    const verify = (c: string) => tp.graph('POST', `${p.number.id}/verify_code`, p.dest.token, { code: c });
    const right = await exhaust(verify, code?.code ?? '', (res) => expectGraphError(res, { status: 400, code: 136025 }));
    expectGraphError(right, { status: 400, code: 136025, details: /No verification code/ });
    const state = await tp.control<{ waba_id: string }>('GET', `phone-numbers/${p.number.id}`);
    expect(state.waba_id).toBe(p.source.wabaId);
  });

  it('On-Prem /v1/account/verify: the same limit', async () => {
    const { tp, world } = shared;
    const number = await addNumber(tp, world, { register_pin: undefined });
    const dep = await OnpremClient.create(tp);
    expectOnpremOk(await dep.requestAccount(number), 202);
    const [code] = await codeInbox(tp, number.id);
    const verify = (c: string) => dep.call('POST', 'account/verify', { code: c });
    const right = await exhaust(verify, code?.code ?? '', (res) => expectOnpremError(res, 400, 1009, 'Parameter value is not valid'));
    expectOnpremError(right, 400, 1009, 'Parameter value is not valid');
  });
});
