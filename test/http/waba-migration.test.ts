import { beforeAll, describe, expect, it } from 'vitest';
import { TestPlatform, addNumber, createWorld, type HttpResult, type World, sharedPlatform } from '../support/platform.js';
import { advanceClock, codeInbox, createToken, expectGraphError, expectSuccess, expectUnsupportedRequest, graphForm, numberState, type GraphErrorObject } from '../support/graph-helpers.js';
import { migrationsOf, requestMigration, twoPartners, verifyOwnership, type MigrationRow, type TwoPartners } from '../support/waba-migration-helpers.js';

/**
 * Seed 004 over HTTP: `POST /{DEST_WABA_ID}/phone_numbers migrate_phone_number=true`, then
 * `request_code` / `verify_code` by the destination. Every eligibility rule is refused with the exact
 * Graph error and leaves everything as it was.
 */
describe('WABA-to-WABA migration over HTTP (seed 004)', () => {
  const shared = sharedPlatform({ world: false });
  let tp: TestPlatform;
  beforeAll(() => {
    tp = shared.tp;
  });

  // --- local helpers ---------------------------------------------------------------------------

  async function partners(numberOptions: Record<string, unknown> = {}): Promise<TwoPartners> {
    const p = await twoPartners(tp, numberOptions);
    shared.track(p.source, p.dest);
    return p;
  }

  /** Another partner's WABA, ready to receive a migrated number (approved, paid-up, subscribed). */
  async function anotherDest(options: { subscribe?: boolean } = {}): Promise<World> {
    const w = await createWorld(tp, options);
    shared.track(w);
    await tp.control('PATCH', `wabas/${w.wabaId}`, { payment_method: 'credit_line' });
    return w;
  }

  /** A seed-004 refusal: HTTP 400, code 100, the subcode and user title; the user message is also the details. */
  function expectRefused(res: HttpResult<unknown>, subcode: number, title: string): GraphErrorObject {
    const err = expectGraphError(res, { status: 400, code: 100, subcode, type: 'OAuthException', message: '(#100) Invalid parameter' });
    expect(err.error_user_title).toBe(title);
    expect(err.error_user_msg).toMatch(/^[A-Z].{30,}\.$/);
    expect(err.error_data?.details).toBe(err.error_user_msg);
    return err;
  }

  const notEligible = (res: HttpResult<unknown>, title: string): GraphErrorObject => expectRefused(res, 2388103, title);

  const idsIn = async (w: World): Promise<string[]> => {
    const res = await tp.graph<{ data: { id: string }[] }>('GET', `${w.wabaId}/phone_numbers`, w.token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data.map((n) => n.id);
  };

  const migrationsTo = async (w: World): Promise<MigrationRow[]> => (await tp.control<{ data: MigrationRow[] }>('GET', `migrations?waba_id=${w.wabaId}`)).data;

  /** Nothing moved: the number is in the source WABA only, and the destination holds no claim. */
  async function expectNothingChanged(p: TwoPartners, dest: World = p.dest): Promise<void> {
    expect(await idsIn(p.source)).toEqual([p.number.id]);
    expect(await idsIn(dest)).toEqual([]);
    expect((await numberState(tp, p.number.id))['waba_id']).toBe(p.source.wabaId);
    expect(await migrationsTo(dest)).toEqual([]);
  }

  const requestCode = (numberId: string, token: string): Promise<HttpResult> => tp.graph('POST', `${numberId}/request_code`, token, { code_method: 'SMS', language: 'en_US' });
  const verifyCode = (numberId: string, token: string, code: string): Promise<HttpResult> => tp.graph('POST', `${numberId}/verify_code`, token, { code });
  const newestCode = async (numberId: string): Promise<string> => {
    const [latest] = await codeInbox(tp, numberId);
    if (!latest) throw new Error(`no code sent to ${numberId}`);
    return latest.code;
  };

  /** Requests the migration as `dest` and asserts the claim was taken. */
  async function claim(p: TwoPartners, dest: World = p.dest): Promise<void> {
    const res = await requestMigration(tp, { dest, number: p.number });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ id: p.number.id });
  }

  /** The number ended up in `owner` only. */
  async function expectOwnedBy(p: TwoPartners, owner: World, others: World[]): Promise<void> {
    expect(await idsIn(owner)).toEqual([p.number.id]);
    for (const w of others) expect(await idsIn(w)).toEqual([]);
    expect((await numberState(tp, p.number.id))['waba_id']).toBe(owner.wabaId);
  }

  // --- eligibility rules ---------------------------------------------------------------------------

  describe('each eligibility rule is refused with its own error and changes nothing', () => {
    it('destination business not verified', async () => {
      const p = await partners();
      await tp.control('PATCH', `businesses/${p.dest.businessId}`, { verification_status: 'pending' });
      notEligible(await requestMigration(tp, p), 'Business Verification Required');
      await expectNothingChanged(p);
    });

    it('destination WABA not approved', async () => {
      const p = await partners();
      await tp.control('PATCH', `wabas/${p.dest.wabaId}`, { review_status: 'PENDING' });
      notEligible(await requestMigration(tp, p), 'Destination Account Not Approved');
      await expectNothingChanged(p);
    });

    it('destination WABA without a payment method', async () => {
      const p = await partners();
      await tp.control('PATCH', `wabas/${p.dest.wabaId}`, { payment_method: null });
      const err = notEligible(await requestMigration(tp, p), 'No Payment Method');
      expect(err.error_user_msg).toMatch(/payment method/);
      await expectNothingChanged(p);
    });

    it('a number unknown to the platform (it can be added directly)', async () => {
      const dest = await anotherDest();
      const res = await requestMigration(tp, { dest, number: { id: 'none', cc: '1', phone_number: '5550009999' } });
      const err = notEligible(res, 'Phone Number Can Be Added Directly');
      expect(err.error_user_msg).toMatch(/not registered on the WhatsApp Business Platform/);
      expect(await idsIn(dest)).toEqual([]);
      expect(await migrationsTo(dest)).toEqual([]);
    });

    it('a number already in the destination WABA (2388012)', async () => {
      const p = await partners();
      const own = await addNumber(tp, p.dest);
      await tp.control('PATCH', `phone-numbers/${own.id}`, { two_step_enabled: false });
      expectRefused(await requestMigration(tp, { dest: p.dest, number: own }), 2388012, 'Phone Number Already Exists');
      expect(await idsIn(p.dest)).toEqual([own.id]);
      expect(await migrationsTo(p.dest)).toEqual([]);
    });

    it('a test number', async () => {
      const p = await partners({ is_test_number: true });
      notEligible(await requestMigration(tp, p), 'Test Number Cannot Be Migrated');
      await expectNothingChanged(p);
    });

    it('a WhatsApp Business App number', async () => {
      const p = await partners({ is_on_biz_app: true });
      notEligible(await requestMigration(tp, p), 'WhatsApp Business App Number');
      await expectNothingChanged(p);
    });

    it('a number not registered with its WABA', async () => {
      const p = await partners({ register_pin: undefined });
      expect((await numberState(tp, p.number.id))['api']).toBe('none');
      const err = notEligible(await requestMigration(tp, p), 'Phone Number Can Be Added Directly');
      expect(err.error_user_msg).toMatch(/not registered with its current WhatsApp Business Account/);
      await expectNothingChanged(p);
    });

    it('source business not verified', async () => {
      const p = await partners();
      await tp.control('PATCH', `businesses/${p.source.businessId}`, { verification_status: 'not_verified' });
      notEligible(await requestMigration(tp, p), 'Source Account Not Set Up Correctly');
      await expectNothingChanged(p);
    });

    it('source WABA not approved', async () => {
      const p = await partners();
      await tp.control('PATCH', `wabas/${p.source.wabaId}`, { review_status: 'REJECTED' });
      notEligible(await requestMigration(tp, p), 'Source Account Not Set Up Correctly');
      await expectNothingChanged(p);
    });

    it('two-step verification on (2388001)', async () => {
      const p = await partners();
      await tp.control('PATCH', `phone-numbers/${p.number.id}`, { pin: '246810' });
      const err = expectRefused(await requestMigration(tp, p), 2388001, 'Two-Step Verification Is On');
      expect(err.error_user_msg).toMatch(/two-step authentication is disabled/);
      await expectNothingChanged(p);
    });

    it('display name not APPROVED', async () => {
      const p = await partners();
      await tp.control('PATCH', `phone-numbers/${p.number.id}`, { name_status: 'PENDING_REVIEW' });
      notEligible(await requestMigration(tp, p), 'Display Name Not Approved');
      await expectNothingChanged(p);
    });

    it('a pending display-name change', async () => {
      const p = await partners();
      await tp.control('POST', `phone-numbers/${p.number.id}/display-name`, { verified_name: 'Test Shop Two' });
      expect((await numberState(tp, p.number.id))['name_status']).toBe('APPROVED');
      notEligible(await requestMigration(tp, p), 'Display Name Not Approved');
      await expectNothingChanged(p);
    });

    it('a Cloud API number to a destination without a subscribed app', async () => {
      const p = await partners();
      const dest = await anotherDest({ subscribe: false });
      const err = notEligible(await requestMigration(tp, { dest, number: p.number }), 'No Webhook Subscription');
      expect(err.error_user_msg).toMatch(/subscribed_apps/);
      await expectNothingChanged(p, dest);
    });
  });

  describe('who may ask, and how', () => {
    it('a token without whatsapp_business_management gets code 200, HTTP 403', async () => {
      const p = await partners();
      const token = await createToken(tp, { app_id: p.dest.appId, business_ids: [p.dest.partnerId], permissions: ['whatsapp_business_messaging'] });
      expectGraphError(await requestMigration(tp, p, token), {
        status: 403,
        code: 200,
        subcode: null,
        type: 'OAuthException',
        message: '(#200) Requires whatsapp_business_management permission to manage the object',
      });
      await expectNothingChanged(p);
    });

    it('a token not scoped to the destination WABA gets "Unsupported post request" (100/33)', async () => {
      const p = await partners();
      // The source partner's own token: it manages the number, but not the destination.
      expectUnsupportedRequest(await requestMigration(tp, p, p.source.token), 'POST', p.dest.wabaId);
      await expectNothingChanged(p);
    });

    it('accepts a form-encoded request, as Meta documents it with curl -d', async () => {
      const p = await partners();
      const res = await graphForm(tp, 'POST', `${p.dest.wabaId}/phone_numbers`, { cc: p.number.cc, phone_number: p.number.phone_number, migrate_phone_number: 'true' }, p.dest.token);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({ id: p.number.id });
      expect(await migrationsOf(tp, p.number.id)).toEqual([expect.objectContaining({ status: 'pending', source_waba_id: p.source.wabaId, dest_waba_id: p.dest.wabaId, source_api: 'cloud' })]);
      expectSuccess(await verifyOwnership(tp, p));
      await expectOwnedBy(p, p.dest, [p.source]);
    });

    it.each(['cc', 'phone_number'])('migrate_phone_number=true without %s is refused by name', async (missing) => {
      const p = await partners();
      const body: Record<string, unknown> = { cc: p.number.cc, phone_number: p.number.phone_number, migrate_phone_number: true };
      delete body[missing];
      const res = await tp.graph('POST', `${p.dest.wabaId}/phone_numbers`, p.dest.token, body);
      expectGraphError(res, { status: 400, code: 100, subcode: null, message: `(#100) The parameter ${missing} is required.` });
      await expectNothingChanged(p);
    });
  });

  // --- codes and claims --------------------------------------------------------------------------

  describe('ownership codes and the claim', () => {
    it('request_code and verify_code by the destination before any migration request are unsupported (100/33)', async () => {
      const p = await partners();
      expectUnsupportedRequest(await requestCode(p.number.id, p.dest.token), 'POST', p.number.id);
      expectUnsupportedRequest(await verifyCode(p.number.id, p.dest.token, '123456'), 'POST', p.number.id);
      expect(await codeInbox(tp, p.number.id)).toEqual([]);
      await expectNothingChanged(p);
    });

    it('an expired claim: verify_code gives 2388093 and request_code 2388091', async () => {
      const p = await partners();
      await claim(p);
      expectSuccess(await requestCode(p.number.id, p.dest.token));
      const code = await newestCode(p.number.id);
      await advanceClock(tp, 3601);
      const verifyErr = expectRefused(await verifyCode(p.number.id, p.dest.token, code), 2388093, 'Phone Number Not Being Migrated');
      expect(verifyErr.error_user_msg).toMatch(/not eligible to verify a registration code/);
      const requestErr = expectRefused(await requestCode(p.number.id, p.dest.token), 2388091, 'Phone Number Not Being Migrated');
      expect(requestErr.error_user_msg).toMatch(/not eligible to receive a registration code/);
      expect(await codeInbox(tp, p.number.id)).toHaveLength(1);
      expect(await idsIn(p.source)).toEqual([p.number.id]);
      expect(await idsIn(p.dest)).toEqual([]);
    });

    it('a wrong code is 136025, the number stays, and the right code still works', async () => {
      const p = await partners();
      await claim(p);
      expectSuccess(await requestCode(p.number.id, p.dest.token));
      const code = await newestCode(p.number.id);
      const wrong = code === '000000' ? '111111' : '000000';
      expectGraphError(await verifyCode(p.number.id, p.dest.token, wrong), {
        status: 400,
        code: 136025,
        subcode: null,
        message: '(#136025) Verify code error',
        details: "Code couldn't be verified, You have entered wrong code.",
      });
      expect(await idsIn(p.source)).toEqual([p.number.id]);
      expect(await idsIn(p.dest)).toEqual([]);
      expect((await migrationsOf(tp, p.number.id)).map((m) => m.status)).toEqual(['pending']);
      expectSuccess(await verifyCode(p.number.id, p.dest.token, code));
      await expectOwnedBy(p, p.dest, [p.source]);
    });

    it("a code requested by the source owner cannot complete the destination's migration", async () => {
      const p = await partners();
      await claim(p);
      expectSuccess(await requestCode(p.number.id, p.source.token));
      const sourceCode = await newestCode(p.number.id);
      expectGraphError(await verifyCode(p.number.id, p.dest.token, sourceCode), { status: 400, code: 136025, details: /No verification code was requested/ });
      expect(await idsIn(p.source)).toEqual([p.number.id]);
      expect(await idsIn(p.dest)).toEqual([]);
      expect((await migrationsOf(tp, p.number.id)).map((m) => m.status)).toEqual(['pending']);
    });

    it('repeating the request returns the same id and renews the one claim', async () => {
      const p = await partners();
      await claim(p);
      await advanceClock(tp, 45 * 60);
      await claim(p);
      const rows = await migrationsOf(tp, p.number.id);
      expect(rows).toHaveLength(1);
      // 45 + 30 minutes after the first request: alive only because the second one renewed it.
      await advanceClock(tp, 30 * 60);
      expectSuccess(await verifyOwnership(tp, p));
      expect((await migrationsOf(tp, p.number.id)).map((m) => [m.id, m.status])).toEqual([[rows[0]?.id, 'completed']]);
      await expectOwnedBy(p, p.dest, [p.source]);
    });

    it('a second destination is refused while the first claim lives, and may claim the number once it expired', async () => {
      const p = await partners();
      const second = await anotherDest();
      await claim(p);
      notEligible(await requestMigration(tp, { dest: second, number: p.number }), 'Migration In Progress');
      expect(await migrationsTo(second)).toEqual([]);

      await advanceClock(tp, 3601);
      await claim(p, second);
      expect((await migrationsOf(tp, p.number.id)).map((m) => [m.dest_waba_id, m.status])).toEqual([
        [second.wabaId, 'pending'],
        [p.dest.wabaId, 'expired'],
      ]);
      // The first destination's claim has lapsed: it has no access to the number any more.
      expectUnsupportedRequest(await requestCode(p.number.id, p.dest.token), 'POST', p.number.id);
      expectSuccess(await verifyOwnership(tp, { dest: second, number: p.number }));
      await expectOwnedBy(p, second, [p.source, p.dest]);
    });

    it('a deleted destination WABA releases its claim at once', async () => {
      const p = await partners();
      const second = await anotherDest();
      await claim(p);
      await tp.control('DELETE', `wabas/${p.dest.wabaId}`);
      await claim(p, second);
      expect((await migrationsOf(tp, p.number.id)).map((m) => [m.dest_waba_id, m.status])).toEqual([
        [second.wabaId, 'pending'],
        [p.dest.wabaId, 'expired'],
      ]);
    });

    it('two-step verification turned on between request and verify: verify fails with 2388001 and nothing moves', async () => {
      const p = await partners();
      await claim(p);
      expectSuccess(await requestCode(p.number.id, p.dest.token));
      const code = await newestCode(p.number.id);
      await tp.control('PATCH', `phone-numbers/${p.number.id}`, { pin: '135790' });
      expectRefused(await verifyCode(p.number.id, p.dest.token, code), 2388001, 'Two-Step Verification Is On');
      expect(await idsIn(p.source)).toEqual([p.number.id]);
      expect(await idsIn(p.dest)).toEqual([]);
      expect((await numberState(tp, p.number.id))['waba_id']).toBe(p.source.wabaId);
      expect((await migrationsOf(tp, p.number.id)).map((m) => m.status)).toEqual(['pending']);
      // The code was not spent by the refused attempt.
      expect((await codeInbox(tp, p.number.id))[0]?.consumed_at).toBeNull();
    });
  });

  // --- race ------------------------------------------------------------------------------------------

  describe('two destinations racing for one number', () => {
    /** request_code then verify_code as `dest`; the first failure is the answer. */
    async function takeOwnership(numberId: string, dest: World): Promise<HttpResult> {
      const requested = await requestCode(numberId, dest.token);
      if (requested.status !== 200) return requested;
      return verifyCode(numberId, dest.token, await newestCode(numberId));
    }

    it('exactly one claims and owns the number; the other gets precise errors', async () => {
      const p = await partners();
      const rival = await anotherDest();
      const contenders = [p.dest, rival];

      const asked = await Promise.all(contenders.map((dest) => requestMigration(tp, { dest, number: p.number })));
      const winnerIndex = asked.findIndex((r) => r.status === 200);
      expect(winnerIndex, JSON.stringify(asked.map((r) => r.body))).toBeGreaterThanOrEqual(0);
      const winner = contenders[winnerIndex] as World;
      const loser = contenders[1 - winnerIndex] as World;
      expect(asked[winnerIndex]?.body).toEqual({ id: p.number.id });
      notEligible(asked[1 - winnerIndex] as HttpResult, 'Migration In Progress');

      const [winnerResult, loserResult] = await Promise.all([takeOwnership(p.number.id, winner), takeOwnership(p.number.id, loser)]);
      expectSuccess(winnerResult as HttpResult);
      expectUnsupportedRequest(loserResult as HttpResult, 'POST', p.number.id);

      await expectOwnedBy(p, winner, [p.source, loser]);
      expect((await migrationsOf(tp, p.number.id)).map((m) => [m.dest_waba_id, m.status])).toEqual([[winner.wabaId, 'completed']]);
    });
  });
});
