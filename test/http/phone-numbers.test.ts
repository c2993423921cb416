import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPlatform, addNumber, createWorld, registerNumber, type World } from '../support/platform.js';
import { advanceClock, expectGraphError, expectSuccess, expectUnsupportedRequest, graphForm, numberState, stopWorlds } from '../support/graph-helpers.js';

interface PhoneNode {
  id: string;
  [field: string]: unknown;
}
interface Listing {
  data: PhoneNode[];
  paging?: { cursors: { before: string; after: string } };
}

const DEFAULT_FIELDS = ['verified_name', 'code_verification_status', 'display_phone_number', 'quality_rating', 'platform_type', 'throughput', 'webhook_configuration', 'id'];

let seq = 0;
/** A fresh 10-digit US number for POST /{WABA_ID}/phone_numbers: 202-555-0xxx. */
const freshNumber = (): string => `2025550${String(++seq).padStart(3, '0')}`;
const display = (national: string): string => `+1 ${national.slice(0, 3)}-${national.slice(3, 6)}-${national.slice(6)}`;

describe('phone numbers (Business Management API)', () => {
  let tp: TestPlatform;
  let world: World;
  let other: World;
  const extraWorlds: World[] = [];

  const newWorld = async (): Promise<World> => {
    const w = await createWorld(tp);
    extraWorlds.push(w);
    return w;
  };

  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
    other = await createWorld(tp);
  });
  afterAll(async () => {
    await stopWorlds(world, other, ...extraWorlds);
    await tp.stop();
  });

  describe('GET /{WABA_ID}/phone_numbers', () => {
    it('lists the numbers with the default fields only', async () => {
      const w = await newWorld();
      const registered = await addNumber(tp, w);
      const res = await tp.graph<Listing>('GET', `${w.wabaId}/phone_numbers`, w.token);
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(1);
      const node = res.body.data[0]!;
      expect(Object.keys(node).sort()).toEqual([...DEFAULT_FIELDS].sort());
      expect(node).toEqual({
        id: registered.id,
        verified_name: 'Test Shop',
        code_verification_status: 'VERIFIED',
        display_phone_number: display(registered.phone_number),
        quality_rating: 'GREEN',
        platform_type: 'CLOUD_API',
        throughput: { level: 'STANDARD' },
        webhook_configuration: { application: w.receiver.url },
      });
    });

    it('answers an empty list for a WABA without numbers', async () => {
      const w = await newWorld();
      const res = await tp.graph<Listing>('GET', `${w.wabaId}/phone_numbers`, w.token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: [] });
    });

    it('only lists the numbers of that WABA', async () => {
      const mine = await addNumber(tp, world);
      const theirs = await addNumber(tp, other);
      const res = await tp.graph<Listing>('GET', `${world.wabaId}/phone_numbers`, world.token);
      const ids = res.body.data.map((n) => n.id);
      expect(ids).toContain(mine.id);
      expect(ids).not.toContain(theirs.id);
    });

    it('returns exactly the requested fields (plus id) with fields=', async () => {
      const n = await addNumber(tp, world);
      const res = await tp.graph<Listing>('GET', `${world.wabaId}/phone_numbers?fields=display_phone_number,status,name_status`, world.token);
      expect(res.status).toBe(200);
      const node = res.body.data.find((x) => x.id === n.id);
      expect(node).toEqual({ display_phone_number: display(n.phone_number), status: 'CONNECTED', name_status: 'APPROVED', id: n.id });
      for (const row of res.body.data) expect(Object.keys(row).sort()).toEqual(['display_phone_number', 'id', 'name_status', 'status']);
    });

    it('accepts nested field selections such as health_status{can_send_message}', async () => {
      const n = await addNumber(tp, world);
      const res = await tp.graph<Listing>('GET', `${world.wabaId}/phone_numbers?fields=id,health_status{can_send_message}`, world.token);
      expect(res.status).toBe(200);
      expect(res.body.data.find((x) => x.id === n.id)?.['health_status']).toMatchObject({ can_send_message: 'AVAILABLE' });
    });

    it('answers 100 for a nonexisting field', async () => {
      await addNumber(tp, world);
      const res = await tp.graph('GET', `${world.wabaId}/phone_numbers?fields=id,bogus_field`, world.token);
      expectGraphError(res, { status: 400, code: 100, subcode: null, type: 'OAuthException', message: '(#100) Tried accessing nonexisting field (bogus_field) on node type (WhatsAppBusinessPhoneNumber)' });
    });

    it('answers 100 for a nonexisting field even when the WABA has no numbers', async () => {
      const w = await newWorld();
      const res = await tp.graph('GET', `${w.wabaId}/phone_numbers?fields=bogus_field`, w.token);
      expectGraphError(res, { status: 400, code: 100, message: '(#100) Tried accessing nonexisting field (bogus_field) on node type (WhatsAppBusinessPhoneNumber)' });
    });

    it('lists the most recently onboarded number first', async () => {
      const w = await newWorld();
      const never = await addNumber(tp, w, { register_pin: undefined });
      await advanceClock(tp, 1);
      const first = await addNumber(tp, w);
      await advanceClock(tp, 1);
      const second = await addNumber(tp, w);
      const order = async (): Promise<string[]> => (await tp.graph<Listing>('GET', `${w.wabaId}/phone_numbers?fields=id`, w.token)).body.data.map((n) => n.id);
      expect(await order()).toEqual([second.id, first.id, never.id]);
      await advanceClock(tp, 1);
      expectSuccess(await registerNumber(tp, w, never.id, '111111'));
      expect(await order()).toEqual([never.id, second.id, first.id]);
    });

    describe('paging', () => {
      let w: World;
      let all: string[];

      beforeAll(async () => {
        w = await newWorld();
        for (let i = 0; i < 5; i++) await addNumber(tp, w);
        const full = await tp.graph<Listing>('GET', `${w.wabaId}/phone_numbers?fields=id`, w.token);
        all = full.body.data.map((n) => n.id);
        expect(all).toHaveLength(5);
        expect(full.body.paging?.cursors.before).toEqual(expect.any(String));
      });

      const page = (query: string): Promise<{ status: number; body: Listing }> => tp.graph<Listing>('GET', `${w.wabaId}/phone_numbers?fields=id&${query}`, w.token);

      it('walks forward with limit and after cursors, without gaps or repeats', async () => {
        const p1 = await page('limit=2');
        expect(p1.status).toBe(200);
        expect(p1.body.data.map((n) => n.id)).toEqual(all.slice(0, 2));
        expect(p1.body.paging?.cursors).toEqual({ before: expect.any(String), after: expect.any(String) });

        const p2 = await page(`limit=2&after=${p1.body.paging!.cursors.after}`);
        expect(p2.body.data.map((n) => n.id)).toEqual(all.slice(2, 4));

        const p3 = await page(`limit=2&after=${p2.body.paging!.cursors.after}`);
        expect(p3.body.data.map((n) => n.id)).toEqual(all.slice(4));

        const p4 = await page(`limit=2&after=${p3.body.paging!.cursors.after}`);
        expect(p4.status).toBe(200);
        expect(p4.body.data).toEqual([]);
        expect(p4.body.paging).toBeUndefined();
      });

      it('walks back with the before cursor', async () => {
        const p1 = await page('limit=2');
        const p2 = await page(`limit=2&after=${p1.body.paging!.cursors.after}`);
        const back = await page(`limit=2&before=${p2.body.paging!.cursors.before}`);
        expect(back.body.data.map((n) => n.id)).toEqual(all.slice(0, 2));
        const p3 = await page(`limit=2&after=${p2.body.paging!.cursors.after}`);
        const back2 = await page(`limit=2&before=${p3.body.paging!.cursors.before}`);
        expect(back2.body.data.map((n) => n.id)).toEqual(all.slice(2, 4));
      });

      it('gives cursors of the first and last item of the page', async () => {
        const p = await page('limit=3');
        const onlySecond = await page(`limit=1&after=${p.body.paging!.cursors.before}`);
        expect(onlySecond.body.data.map((n) => n.id)).toEqual([all[1]]);
        const fourth = await page(`limit=1&after=${p.body.paging!.cursors.after}`);
        expect(fourth.body.data.map((n) => n.id)).toEqual([all[3]]);
      });

      it('returns everything when limit exceeds the count', async () => {
        const p = await page('limit=100');
        expect(p.body.data.map((n) => n.id)).toEqual(all);
      });

      it('answers 100 for a zero, negative or non-numeric limit', async () => {
        for (const limit of ['0', '-1', 'abc', '1.5']) {
          const res = await tp.graph('GET', `${w.wabaId}/phone_numbers?limit=${limit}`, w.token);
          expectGraphError(res, { status: 400, code: 100, message: '(#100) Invalid parameter' });
        }
      });
    });
  });

  describe('GET /{PHONE_NUMBER_ID}', () => {
    it('returns the default fields', async () => {
      const n = await addNumber(tp, world);
      const res = await tp.graph<PhoneNode>('GET', n.id, world.token);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual([...DEFAULT_FIELDS].sort());
      expect(res.body).toMatchObject({ id: n.id, display_phone_number: display(n.phone_number), platform_type: 'CLOUD_API' });
    });

    it('returns the status fields of a registered number', async () => {
      const n = await addNumber(tp, world);
      const res = await tp.graph('GET', `${n.id}?fields=throughput,platform_type,name_status,quality_rating,code_verification_status,status`, world.token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        throughput: { level: 'STANDARD' },
        platform_type: 'CLOUD_API',
        name_status: 'APPROVED',
        quality_rating: 'GREEN',
        code_verification_status: 'VERIFIED',
        status: 'CONNECTED',
        id: n.id,
      });
    });

    it('reflects control-plane changes (HIGH throughput, YELLOW quality)', async () => {
      const n = await addNumber(tp, world, { throughput_level: 'HIGH', quality_rating: 'YELLOW' });
      const res = await tp.graph('GET', `${n.id}?fields=throughput,quality_rating`, world.token);
      expect(res.body).toEqual({ throughput: { level: 'HIGH' }, quality_rating: 'YELLOW', id: n.id });
    });

    it('reports health_status AVAILABLE for a number registered on Cloud API', async () => {
      const n = await addNumber(tp, world);
      const res = await tp.graph<{ health_status: { can_send_message: string; entities: { entity_type: string; id: string; can_send_message: string; errors?: unknown }[] } }>(
        'GET',
        `${n.id}?fields=health_status`,
        world.token,
      );
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['health_status', 'id']);
      expect(res.body.health_status.can_send_message).toBe('AVAILABLE');
      expect(res.body.health_status.entities).toEqual([
        { entity_type: 'PHONE_NUMBER', id: n.id, can_send_message: 'AVAILABLE' },
        { entity_type: 'WABA', id: world.wabaId, can_send_message: 'AVAILABLE' },
        { entity_type: 'BUSINESS', id: world.businessId, can_send_message: 'AVAILABLE' },
        { entity_type: 'APP', id: world.appId, can_send_message: 'AVAILABLE' },
      ]);
    });

    it('reports health_status BLOCKED for a number not registered on Cloud API', async () => {
      const n = await addNumber(tp, world, { register_pin: undefined });
      const res = await tp.graph<{ health_status: { can_send_message: string; entities: { entity_type: string; can_send_message: string; errors?: { error_code: number }[] }[] } }>(
        'GET',
        `${n.id}?fields=health_status,platform_type,status`,
        world.token,
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ platform_type: 'NOT_APPLICABLE', status: 'PENDING' });
      expect(res.body.health_status.can_send_message).toBe('BLOCKED');
      const phone = res.body.health_status.entities.find((e) => e.entity_type === 'PHONE_NUMBER');
      expect(phone?.can_send_message).toBe('BLOCKED');
      expect(phone?.errors?.[0]?.error_code).toBe(133010);
      expect(res.body.health_status.entities.filter((e) => e.entity_type !== 'PHONE_NUMBER').every((e) => e.can_send_message === 'AVAILABLE')).toBe(true);
    });

    it('moves from BLOCKED to AVAILABLE on register and back to BLOCKED on deregister', async () => {
      const n = await addNumber(tp, world, { register_pin: undefined });
      const health = async (): Promise<string> => ((await tp.graph<{ health_status: { can_send_message: string } }>('GET', `${n.id}?fields=health_status`, world.token)).body.health_status.can_send_message);
      expect(await health()).toBe('BLOCKED');
      expectSuccess(await registerNumber(tp, world, n.id));
      expect(await health()).toBe('AVAILABLE');
      expectSuccess(await tp.graph('POST', `${n.id}/deregister`, world.token));
      expect(await health()).toBe('BLOCKED');
    });

    it('reports LIMITED for a registered number whose display name is not approved', async () => {
      const n = await addNumber(tp, world, { name_status: 'PENDING_REVIEW' });
      const res = await tp.graph<{ health_status: { can_send_message: string; entities: { entity_type: string; additional_info?: string[] }[] } }>('GET', `${n.id}?fields=health_status`, world.token);
      expect(res.body.health_status.can_send_message).toBe('LIMITED');
      expect(res.body.health_status.entities.find((e) => e.entity_type === 'PHONE_NUMBER')?.additional_info).toEqual(['Display name status is PENDING_REVIEW.']);
    });

    it('reports BLOCKED when the WABA review was rejected, even for a registered number', async () => {
      const w = await newWorld();
      const n = await addNumber(tp, w);
      await tp.control('PATCH', `wabas/${w.wabaId}`, { review_status: 'REJECTED' });
      const res = await tp.graph<{ health_status: { can_send_message: string; entities: { entity_type: string; can_send_message: string; errors?: { error_code: number }[] }[] } }>('GET', `${n.id}?fields=health_status`, w.token);
      expect(res.body.health_status.can_send_message).toBe('BLOCKED');
      const waba = res.body.health_status.entities.find((e) => e.entity_type === 'WABA');
      expect(waba).toMatchObject({ can_send_message: 'BLOCKED', errors: [{ error_code: 368 }] });
    });

    it('answers 100 for a nonexisting field', async () => {
      const n = await addNumber(tp, world);
      const res = await tp.graph('GET', `${n.id}?fields=status,nope`, world.token);
      expectGraphError(res, { status: 400, code: 100, message: '(#100) Tried accessing nonexisting field (nope) on node type (WhatsAppBusinessPhoneNumber)' });
    });

    it('does not expose object internals through prototype names in fields=', async () => {
      const n = await addNumber(tp, world);
      for (const field of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        const res = await tp.graph('GET', `${n.id}?fields=${field}`, world.token);
        expectGraphError(res, { status: 400, code: 100, message: `(#100) Tried accessing nonexisting field (${field}) on node type (WhatsAppBusinessPhoneNumber)` });
      }
    });
  });

  describe('POST /{WABA_ID}/phone_numbers', () => {
    it('adds an unverified, unregistered number and returns its id', async () => {
      const national = freshNumber();
      const res = await tp.graph<{ id: string }>('POST', `${world.wabaId}/phone_numbers`, world.token, { cc: '1', phone_number: national, verified_name: "Jasper's Market" });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['id']);
      expect(res.body.id).toMatch(/^\d{15,16}$/);

      const node = await tp.graph('GET', `${res.body.id}?fields=display_phone_number,verified_name,code_verification_status,name_status,quality_rating,platform_type,status,health_status{can_send_message}`, world.token);
      expect(node.status).toBe(200);
      expect(node.body).toMatchObject({
        id: res.body.id,
        display_phone_number: display(national),
        verified_name: "Jasper's Market",
        code_verification_status: 'NOT_VERIFIED',
        name_status: 'PENDING_REVIEW',
        quality_rating: 'NA',
        platform_type: 'NOT_APPLICABLE',
        status: 'PENDING',
        health_status: { can_send_message: 'BLOCKED' },
      });
      const list = await tp.graph<Listing>('GET', `${world.wabaId}/phone_numbers?fields=id`, world.token);
      expect(list.body.data.map((n) => n.id)).toContain(res.body.id);
    });

    it('accepts a form body and numeric JSON values', async () => {
      const viaForm = await graphForm<{ id: string }>(tp, 'POST', `${world.wabaId}/phone_numbers`, { cc: '1', phone_number: freshNumber(), verified_name: 'Form Shop' }, world.token);
      expect(viaForm.status).toBe(200);
      expect(viaForm.body.id).toMatch(/^\d+$/);
      const numeric = await tp.graph<{ id: string }>('POST', `${world.wabaId}/phone_numbers`, world.token, { cc: 1, phone_number: Number(freshNumber()), verified_name: 'Numeric Shop' });
      expect(numeric.status).toBe(200);
    });

    it('answers "(#100) The parameter cc is required." without cc', async () => {
      const res = await tp.graph('POST', `${world.wabaId}/phone_numbers`, world.token, { phone_number: freshNumber(), verified_name: 'Shop' });
      expectGraphError(res, { status: 400, code: 100, type: 'OAuthException', message: '(#100) The parameter cc is required.' });
    });

    it('answers "(#100) The parameter phone_number is required." without phone_number', async () => {
      const res = await tp.graph('POST', `${world.wabaId}/phone_numbers`, world.token, { cc: '1', verified_name: 'Shop' });
      expectGraphError(res, { status: 400, code: 100, message: '(#100) The parameter phone_number is required.' });
    });

    it('answers "(#100) The parameter verified_name is required." without verified_name', async () => {
      const national = freshNumber();
      const res = await tp.graph('POST', `${world.wabaId}/phone_numbers`, world.token, { cc: '1', phone_number: national });
      expectGraphError(res, { status: 400, code: 100, message: '(#100) The parameter verified_name is required.' });
      // Nothing was created: the same number can still be added.
      expect((await tp.graph('POST', `${world.wabaId}/phone_numbers`, world.token, { cc: '1', phone_number: national, verified_name: 'Shop' })).status).toBe(200);
    });

    it('answers "(#100) Invalid parameter" for malformed values', async () => {
      for (const body of [
        { cc: '+1', phone_number: freshNumber(), verified_name: 'Shop' },
        { cc: '1', phone_number: '202-555-0100', verified_name: 'Shop' },
        { cc: '1', phone_number: freshNumber(), verified_name: 'S' },
        { cc: '1', phone_number: freshNumber(), verified_name: 'x'.repeat(76) },
        { cc: '1', phone_number: freshNumber(), verified_name: 42 },
      ]) {
        const res = await tp.graph('POST', `${world.wabaId}/phone_numbers`, world.token, body);
        expectGraphError(res, { status: 400, code: 100, message: '(#100) Invalid parameter' });
      }
    });

    it('answers subcode 2388012 for a number already in the same WABA', async () => {
      const national = freshNumber();
      const first = await tp.graph('POST', `${world.wabaId}/phone_numbers`, world.token, { cc: '1', phone_number: national, verified_name: 'Shop' });
      expect(first.status).toBe(200);
      const again = await tp.graph('POST', `${world.wabaId}/phone_numbers`, world.token, { cc: '1', phone_number: national, verified_name: 'Shop Again' });
      const err = expectGraphError(again, { status: 400, code: 100, subcode: 2388012, type: 'OAuthException', message: '(#100) Invalid parameter' });
      expect(err.error_user_title).toBe('Phone Number Already Exists');
      expect(err.error_user_msg).toBe('This phone number already exists in your list of phone numbers.');
    });

    // Split another way ("163" + "15555555" for +1 631-555-5555) a number was taken as new: a second copy of it.
    it('refuses a cc that is no country calling code, and numbers longer than E.164 allows, adding nothing', async () => {
      const n = await addNumber(tp, world);
      const digits = `${n.cc}${n.phone_number}`;
      for (const [body, details] of [
        [{ cc: digits.slice(0, 3), phone_number: digits.slice(3) }, new RegExp(`^Param cc is invalid: ${digits.slice(0, 3)} is not a country calling code$`)],
        [{ cc: '0', phone_number: '0' }, /^Param cc is invalid: 0 is not a country calling code$/],
        [{ cc: '44', phone_number: '77009001234567' }, /^Param phone_number is invalid: \+44 77009001234567 has more than 15 digits \(E\.164\)$/],
      ] as const) {
        const res = await tp.graph('POST', `${world.wabaId}/phone_numbers`, world.token, { ...body, verified_name: 'Copy' });
        expectGraphError(res, { status: 400, code: 100, message: '(#100) Invalid parameter', details });
      }
      const listed = await tp.graph<Listing>('GET', `${world.wabaId}/phone_numbers?fields=display_phone_number&limit=100`, world.token);
      expect(listed.body.data.filter((x) => (x as { display_phone_number?: string }).display_phone_number?.replace(/\D/g, '') === digits)).toHaveLength(1);
    });

    it('answers 2388012 for a number provisioned (and registered) in the same WABA', async () => {
      const n = await addNumber(tp, world);
      const res = await tp.graph('POST', `${world.wabaId}/phone_numbers`, world.token, { cc: n.cc, phone_number: n.phone_number, verified_name: 'Shop' });
      expectGraphError(res, { status: 400, code: 100, subcode: 2388012 });
    });

    it('refuses a number that belongs to another WABA, leaving it where it is', async () => {
      const theirs = await addNumber(tp, other);
      const res = await tp.graph('POST', `${world.wabaId}/phone_numbers`, world.token, { cc: theirs.cc, phone_number: theirs.phone_number, verified_name: 'Mine Now' });
      const err = expectGraphError(res, { status: 400, code: 100, subcode: null, message: '(#100) Invalid parameter', details: /another WhatsApp Business Account/ });
      expect(err.error_subcode).toBeUndefined();
      expect((await numberState(tp, theirs.id))['waba_id']).toBe(other.wabaId);
      const mine = await tp.graph<Listing>('GET', `${world.wabaId}/phone_numbers?fields=id`, world.token);
      expect(mine.body.data.map((n) => n.id)).not.toContain(theirs.id);
    });

    it("answers 100/33 when adding to a WABA the token can't reach", async () => {
      const res = await tp.graph('POST', `${other.wabaId}/phone_numbers`, world.token, { cc: '1', phone_number: freshNumber(), verified_name: 'Shop' });
      expectUnsupportedRequest(res, 'POST', other.wabaId);
    });
  });

  describe('POST /{PHONE_NUMBER_ID} (two-step verification PIN)', () => {
    it('sets the PIN on a number without two-step verification', async () => {
      const n = await addNumber(tp, world, { register_pin: undefined });
      expect((await tp.graph('GET', `${n.id}?fields=is_pin_enabled`, world.token)).body).toEqual({ is_pin_enabled: false, id: n.id });
      expectSuccess(await tp.graph('POST', n.id, world.token, { pin: '246810' }));
      expect((await tp.graph('GET', `${n.id}?fields=is_pin_enabled`, world.token)).body).toEqual({ is_pin_enabled: true, id: n.id });
      // The new PIN is now the one registration checks.
      expectGraphError(await registerNumber(tp, world, n.id, '123456'), { status: 400, code: 133005 });
      expectSuccess(await registerNumber(tp, world, n.id, '246810'));
    });

    it('changes an existing PIN without the old one', async () => {
      const n = await addNumber(tp, world);
      expectSuccess(await tp.graph('POST', n.id, world.token, { pin: '999888' }));
      expectGraphError(await registerNumber(tp, world, n.id, '123456'), { status: 400, code: 133005 });
      expectSuccess(await registerNumber(tp, world, n.id, '999888'));
    });

    it('accepts the PIN as a form body', async () => {
      const n = await addNumber(tp, world);
      expectSuccess(await graphForm(tp, 'POST', n.id, { pin: '135790' }, world.token));
      expectSuccess(await registerNumber(tp, world, n.id, '135790'));
    });

    it('answers 100 for a PIN that is not six digits', async () => {
      const n = await addNumber(tp, world);
      for (const pin of ['12345', '1234567', 'abcdef', '12 456', '', '12345a']) {
        const res = await tp.graph('POST', n.id, world.token, { pin });
        expectGraphError(res, { status: 400, code: 100, message: '(#100) Invalid parameter', details: /pin/ });
      }
      // The PIN is unchanged.
      expectSuccess(await registerNumber(tp, world, n.id, '123456'));
    });

    it('answers 100 for a body with nothing to update', async () => {
      const n = await addNumber(tp, world);
      expectGraphError(await tp.graph('POST', n.id, world.token, {}), { status: 400, code: 100, message: '(#100) Invalid parameter' });
    });
  });

  describe('GET /{WABA_ID}', () => {
    it('returns the default fields', async () => {
      const res = await tp.graph('GET', world.wabaId, world.token);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['currency', 'id', 'message_template_namespace', 'name', 'timezone_id']);
      expect(res.body).toMatchObject({ id: world.wabaId, name: 'Client WABA', currency: 'USD', timezone_id: '1' });
      expect(res.body['message_template_namespace']).toMatch(/^[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}$/);
    });

    it('returns requested fields', async () => {
      const res = await tp.graph('GET', `${world.wabaId}?fields=account_review_status,business_verification_status,owner_business_info`, world.token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        account_review_status: 'APPROVED',
        business_verification_status: 'verified',
        owner_business_info: { id: world.businessId, name: 'Client' },
        id: world.wabaId,
      });
    });

    it('answers 100 for a nonexisting field on WhatsAppBusinessAccount', async () => {
      const res = await tp.graph('GET', `${world.wabaId}?fields=name,display_phone_number`, world.token);
      expectGraphError(res, { status: 400, code: 100, message: '(#100) Tried accessing nonexisting field (display_phone_number) on node type (WhatsAppBusinessAccount)' });
    });
  });
});
