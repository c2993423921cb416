import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPlatform, createWorld, sharedPlatform, type HttpResult, type World } from '../support/platform.js';
import { createTemplate, expectGraphError, settle, templateBody, uniqueName } from '../support/message-helpers.js';

interface TemplateNode {
  id: string;
  name?: string;
  language?: string;
  status?: string;
  category?: string;
  parameter_format?: string;
  components?: unknown[];
  rejected_reason?: string;
  quality_score?: { score: string; date: number };
}
interface ListBody {
  data: TemplateNode[];
  paging?: { cursors: { before: string; after: string } };
}
interface TemplateEvent {
  event: string;
  message_template_id: number;
  message_template_name: string;
  message_template_language: string;
  reason: string;
  message_template_category?: string;
}

/** `GET|POST|DELETE /{WABA_ID}/message_templates`, `GET /{TEMPLATE_ID}` and their webhooks. */
describe('message templates', () => {
  let tp: TestPlatform;
  let world: World;

  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
  });
  afterAll(async () => {
    await world.receiver.stop();
    await tp.stop();
  });

  const post = (body: unknown, wabaId = world.wabaId, token = world.token): Promise<HttpResult> => tp.graph('POST', `${wabaId}/message_templates`, token, body);
  const list = (query = '', wabaId = world.wabaId): Promise<HttpResult<ListBody>> => tp.graph<ListBody>('GET', `${wabaId}/message_templates${query}`, world.token);
  const del = (query: string, wabaId = world.wabaId): Promise<HttpResult> => tp.graph('DELETE', `${wabaId}/message_templates${query}`, world.token);

  /** A WABA of the same client, managed by the same partner (so the world's token reaches it). */
  async function freshWaba(extra: Record<string, unknown> = {}): Promise<string> {
    const waba = await tp.control<{ id: string }>('POST', 'wabas', { name: 'Template WABA', owner_business_id: world.businessId, partner_business_id: world.partnerId, ...extra });
    return waba.id;
  }

  function templateEvents(): TemplateEvent[] {
    return world.receiver.changes('message_template_status_update') as unknown as TemplateEvent[];
  }
  async function waitEvent(predicate: (e: TemplateEvent) => boolean): Promise<TemplateEvent> {
    await world.receiver.waitFor(() => templateEvents().some(predicate));
    return templateEvents().find(predicate) as TemplateEvent;
  }

  describe('create', () => {
    it('answers {id, status, category} and stores the template as sent', async () => {
      const name = uniqueName('order_update');
      const components = [
        { type: 'HEADER', format: 'TEXT', text: 'Order update' },
        { type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.', example: { body_text: [['Pat', '#1234']] } },
        { type: 'FOOTER', text: 'Reply STOP to opt out' },
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Track it' }] },
      ];
      const res = await post({ name, language: 'en_US', category: 'UTILITY', components });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: expect.stringMatching(/^\d+$/), status: 'APPROVED', category: 'UTILITY' });

      const got = await tp.graph<TemplateNode>('GET', String(res.body['id']), world.token);
      expect(got.status).toBe(200);
      expect(got.body).toEqual({ id: res.body['id'], name, language: 'en_US', status: 'APPROVED', category: 'UTILITY', parameter_format: 'POSITIONAL', components });
    });

    it('takes category, component types and formats case-insensitively, and parameter_format', async () => {
      const res = await post({ name: uniqueName('lower'), language: 'pt_BR', category: 'marketing', parameter_format: 'named', components: [{ type: 'header', format: 'image' }, { type: 'body', text: 'Hello {{first_name}}!' }] });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ status: 'APPROVED', category: 'MARKETING' });
      const got = await tp.graph<TemplateNode>('GET', `${String(res.body['id'])}?fields=parameter_format,components`, world.token);
      expect(got.body.parameter_format).toBe('NAMED');
      expect(got.body.components).toEqual([{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Hello {{first_name}}!' }]);
    });

    it('accepts a form-encoded body with components as JSON', async () => {
      const form = new URLSearchParams({ name: uniqueName('form'), language: 'en_US', category: 'UTILITY', components: JSON.stringify([{ type: 'BODY', text: 'Your code is ready.' }]) }).toString();
      const res = await tp.request('POST', `/v23.0/${world.wabaId}/message_templates`, { token: world.token, body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ status: 'APPROVED', category: 'UTILITY' });
    });

    it('requires name, language, category and components', async () => {
      const full = templateBody(uniqueName('req'));
      for (const key of ['name', 'language', 'category', 'components']) {
        const body = { ...full };
        delete body[key];
        expectGraphError(await post(body), { status: 400, code: 100, message: `(#100) The parameter ${key} is required.` });
      }
    });

    it('rejects invalid names, categories and languages with 100', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ name: 'Order Update' }, /name/],
        [{ name: 'order-update' }, /name/],
        [{ name: 'a'.repeat(513) }, /name/],
        [{ name: '' }, /name/],
        [{ category: 'PROMOTIONAL' }, /category/],
        [{ category: 'TRANSACTIONAL' }, /category/],
        [{ language: 'english' }, /language/],
        [{ language: 'en-US' }, /language/],
      ];
      for (const [patch, field] of cases) {
        const res = await post({ ...templateBody(uniqueName('bad')), ...patch });
        expectGraphError(res, { status: 400, code: 100, message: '(#100) Invalid parameter', details: field });
      }
      // 512 characters is fine.
      expect((await post({ ...templateBody('x'), name: `a${'b'.repeat(511)}` })).status).toBe(200);
    });

    it('rejects components without exactly one BODY, unknown component types and over-long texts with 100', async () => {
      const cases: unknown[][] = [
        [],
        [{ type: 'HEADER', format: 'TEXT', text: 'Only a header' }],
        [{ type: 'FOOTER', text: 'Only a footer' }],
        [
          { type: 'BODY', text: 'One' },
          { type: 'BODY', text: 'Two' },
        ],
        [{ type: 'BODY', text: 'Body' }, { type: 'SIDEBAR', text: 'Nope' }],
        [{ type: 'BODY', text: 'x'.repeat(1025) }],
        [{ type: 'BODY', text: '' }],
        [{ type: 'BODY', text: 'Body' }, { type: 'FOOTER', text: 'f'.repeat(61) }],
        [{ type: 'HEADER', format: 'GIF' }, { type: 'BODY', text: 'Body' }],
        [{ type: 'BODY', text: 'Body' }, { type: 'BUTTONS', buttons: [] }],
      ];
      for (const components of cases) {
        const res = await post({ ...templateBody(uniqueName('comp')), components });
        expectGraphError(res, { status: 400, code: 100, message: '(#100) Invalid parameter', details: /components/ });
      }
      // A component without a type names the missing key.
      const untyped = await post({ ...templateBody(uniqueName('comp')), components: [{ text: 'no type' }] });
      expectGraphError(untyped, { status: 400, code: 100, message: '(#100) The parameter components.0.type is required.' });
    });

    it('refuses a second template with the same name and language (subcode 2388024), but not in another language', async () => {
      const name = uniqueName('dup');
      await createTemplate(tp, world, templateBody(name, { language: 'en_US' }));
      const dup = await post(templateBody(name, { language: 'en_US', text: 'Different text' }));
      const err = expectGraphError(dup, { status: 400, code: 100, subcode: 2388024, details: new RegExp(name) });
      expect(err.error_user_title).toEqual(expect.any(String));
      expect(err.error_user_msg).toEqual(expect.any(String));
      // Another language of the same name is a new translation.
      const es = await post(templateBody(name, { language: 'es' }));
      expect(es.status).toBe(200);
      // The same name in another WABA is independent.
      expect((await post(templateBody(name), await freshWaba())).status).toBe(200);
    });

    it('enforces the WABA template limit (subcode 2388019)', async () => {
      const wabaId = await freshWaba({ template_limit: 2 });
      const first = await createTemplate(tp, world, templateBody(uniqueName('lim')), wabaId);
      await createTemplate(tp, world, templateBody(uniqueName('lim')), wabaId);
      const third = await post(templateBody(uniqueName('lim')), wabaId);
      const err = expectGraphError(third, { status: 400, code: 100, subcode: 2388019, details: /\b2\b/ });
      expect(err.error_user_title).toBe('Message Template Limit Exceeded');
      // Rejected templates count too, and deleting one frees a slot.
      const firstName = (await tp.graph<TemplateNode>('GET', `${first.id}?fields=name`, world.token)).body.name ?? '';
      expect((await del(`?name=${firstName}`, wabaId)).body).toEqual({ success: true });
      expect((await post(templateBody(uniqueName('lim')), wabaId)).status).toBe(200);
    });

    it('a WABA with template_limit 0 cannot create any', async () => {
      const wabaId = await freshWaba({ template_limit: 0 });
      expectGraphError(await post(templateBody(uniqueName('zero')), wabaId), { status: 400, code: 100, subcode: 2388019 });
    });

    it('needs whatsapp_business_management and a WABA the token can see', async () => {
      const { access_token } = await tp.control<{ access_token: string }>('POST', 'tokens', { app_id: world.appId, business_ids: [world.partnerId], permissions: ['whatsapp_business_messaging'] });
      expectGraphError(await post(templateBody(uniqueName('perm')), world.wabaId, access_token), { status: 403, code: 200, message: /whatsapp_business_management/ });
      expectGraphError(await tp.graph('GET', `${world.wabaId}/message_templates`, access_token), { status: 403, code: 200 });
      const stranger = await createWorld(tp);
      try {
        expectGraphError(await post(templateBody(uniqueName('perm')), world.wabaId, stranger.token), { status: 400, code: 100, subcode: 33, type: 'GraphMethodException' });
      } finally {
        await stranger.receiver.stop();
      }
    });
  });

  describe('categorisation check', () => {
    it('rejects promotional wording outside MARKETING with INCORRECT_CATEGORY', async () => {
      for (const [category, text] of [
        ['UTILITY', 'Your order shipped. Get 20% off your next purchase!'],
        ['UTILITY', 'Use this discount code on your next visit.'],
        ['AUTHENTICATION', 'Your code is 123456. Big SALE this weekend.'],
      ] as const) {
        const res = await post(templateBody(uniqueName('promo'), { category, text }));
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ id: expect.any(String), status: 'REJECTED', category });
        const node = await tp.graph<TemplateNode>('GET', `${String(res.body['id'])}?fields=status,rejected_reason`, world.token);
        expect(node.body).toEqual({ id: res.body['id'], status: 'REJECTED', rejected_reason: 'INCORRECT_CATEGORY' });
      }
    });

    it('approves the same wording as MARKETING, and plain utility text', async () => {
      const marketing = await post(templateBody(uniqueName('promo_ok'), { category: 'MARKETING', text: 'Get 20% off with this discount!' }));
      expect(marketing.body).toMatchObject({ status: 'APPROVED', category: 'MARKETING' });
      const utility = await post(templateBody(uniqueName('plain'), { category: 'UTILITY', text: 'Your appointment is confirmed for {{1}}.' }));
      expect(utility.body).toMatchObject({ status: 'APPROVED', category: 'UTILITY' });
      const node = await tp.graph<TemplateNode>('GET', `${String(utility.body['id'])}?fields=rejected_reason`, world.token);
      expect(node.body.rejected_reason).toBe('NONE');
    });

    it('looks at every component, not only the body', async () => {
      const res = await post({
        name: uniqueName('footer_promo'),
        language: 'en_US',
        category: 'UTILITY',
        components: [
          { type: 'BODY', text: 'Your package arrives tomorrow.' },
          { type: 'FOOTER', text: 'Use promo code SHIP10' },
        ],
      });
      expect(res.body).toMatchObject({ status: 'REJECTED' });
    });
  });

  describe('list', () => {
    let wabaId: string;
    const names: string[] = [];

    beforeAll(async () => {
      wabaId = await freshWaba();
      const base = uniqueName('list');
      for (const [suffix, category, text] of [
        ['alpha', 'UTILITY', 'Plain alpha'],
        ['beta', 'UTILITY', 'Plain beta'],
        ['gamma', 'MARKETING', 'Gamma sale 50% off'],
        ['delta', 'UTILITY', 'Delta 10% off'],
        ['epsilon', 'UTILITY', 'Plain epsilon'],
      ] as const) {
        const name = `${base}_${suffix}`;
        names.push(name);
        await createTemplate(tp, world, templateBody(name, { category, text }), wabaId);
      }
    });

    it('lists every template of the WABA with the default fields', async () => {
      const res = await list('', wabaId);
      expect(res.status).toBe(200);
      expect(res.body.data.map((t) => t.name).sort()).toEqual([...names].sort());
      for (const t of res.body.data) {
        expect(Object.keys(t).sort()).toEqual(['category', 'components', 'id', 'language', 'name', 'parameter_format', 'status']);
      }
      expect(res.body.paging?.cursors).toEqual({ before: expect.any(String), after: expect.any(String) });
    });

    it('returns only the requested fields (plus id), and rejects unknown ones', async () => {
      const res = await list('?fields=name,status', wabaId);
      expect(res.status).toBe(200);
      for (const t of res.body.data) expect(Object.keys(t).sort()).toEqual(['id', 'name', 'status']);
      const bad = await list('?fields=name,colour', wabaId);
      expectGraphError(bad, { status: 400, code: 100, message: '(#100) Tried accessing nonexisting field (colour) on node type (WhatsAppMessageTemplate)' });
    });

    it('filters by status (any case, comma-separated), name and category', async () => {
      const rejected = await list('?status=REJECTED&fields=name,status', wabaId);
      expect(rejected.body.data.map((t) => t.name)).toEqual([names[3]]);
      const approved = await list('?status=approved&fields=name', wabaId);
      expect(approved.body.data.map((t) => t.name).sort()).toEqual([names[0], names[1], names[2], names[4]].sort());
      const both = await list('?status=APPROVED,REJECTED', wabaId);
      expect(both.body.data).toHaveLength(5);
      const byName = await list(`?name=${names[1] ?? ''}`, wabaId);
      expect(byName.body.data.map((t) => t.name)).toEqual([names[1]]);
      const byCategory = await list('?category=marketing', wabaId);
      expect(byCategory.body.data.map((t) => t.name)).toEqual([names[2]]);
      const none = await list('?status=PAUSED', wabaId);
      expect(none.status).toBe(200);
      expect(none.body).toEqual({ data: [] });
    });

    it('pages with limit and cursors, without gaps or repeats', async () => {
      const all = (await list('?fields=name', wabaId)).body.data.map((t) => t.id);
      const seen: string[] = [];
      let query = '?fields=name&limit=2';
      for (let page = 0; page < 5; page++) {
        const res = await list(query, wabaId);
        expect(res.status).toBe(200);
        if (res.body.data.length === 0) break;
        expect(res.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.data.map((t) => t.id));
        query = `?fields=name&limit=2&after=${res.body.paging?.cursors.after ?? ''}`;
      }
      expect(seen).toEqual(all);

      const second = await list(`?fields=name&limit=2&after=${(await list('?fields=name&limit=2', wabaId)).body.paging?.cursors.after ?? ''}`, wabaId);
      const back = await list(`?fields=name&limit=2&before=${second.body.paging?.cursors.before ?? ''}`, wabaId);
      expect(back.body.data.map((t) => t.id)).toEqual(all.slice(0, 2));

      expectGraphError(await list('?limit=0', wabaId), { status: 400, code: 100 });
      expectGraphError(await list('?limit=abc', wabaId), { status: 400, code: 100 });
    });
  });

  describe('GET /{TEMPLATE_ID}', () => {
    it('answers fields=quality_score as {quality_score:{score,date}, id}', async () => {
      const { id } = await createTemplate(tp, world, templateBody(uniqueName('quality')));
      const res = await tp.graph<TemplateNode>('GET', `${id}?fields=quality_score`, world.token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ quality_score: { score: 'UNKNOWN', date: expect.any(Number) }, id });
      const date = res.body.quality_score?.date ?? 0;
      expect(Math.abs(date - Date.now() / 1000)).toBeLessThan(3600 * 24 * 400);
      expect(Number.isInteger(date)).toBe(true);
    });

    it('an unknown or deleted template id is 100/33', async () => {
      expectGraphError(await tp.graph('GET', '123123123123123', world.token), { status: 400, code: 100, subcode: 33, type: 'GraphMethodException' });
      const name = uniqueName('gone');
      const { id } = await createTemplate(tp, world, templateBody(name));
      await del(`?name=${name}`);
      expectGraphError(await tp.graph('GET', id, world.token), { status: 400, code: 100, subcode: 33, type: 'GraphMethodException' });
    });
  });

  describe('delete', () => {
    it('by name deletes every language', async () => {
      const name = uniqueName('multi');
      const en = await createTemplate(tp, world, templateBody(name, { language: 'en_US' }));
      const fr = await createTemplate(tp, world, templateBody(name, { language: 'fr' }));
      const res = await del(`?name=${name}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true });
      expect((await list(`?name=${name}`)).body.data).toEqual([]);
      for (const id of [en.id, fr.id]) expect((await tp.graph('GET', id, world.token)).status).toBe(400);
    });

    it('by hsm_id and name deletes only that translation', async () => {
      const name = uniqueName('one');
      const en = await createTemplate(tp, world, templateBody(name, { language: 'en_US' }));
      const de = await createTemplate(tp, world, templateBody(name, { language: 'de' }));
      expect((await del(`?name=${name}&hsm_id=${de.id}`)).body).toEqual({ success: true });
      const left = await list(`?name=${name}&fields=language`);
      expect(left.body.data).toEqual([{ language: 'en_US', id: en.id }]);
      // An hsm_id that does not go with the name deletes nothing.
      expectGraphError(await del(`?name=other_name&hsm_id=${en.id}`), { status: 400, code: 100 });
      expect((await tp.graph('GET', en.id, world.token)).status).toBe(200);
    });

    it('requires name, refuses an unknown name and a disabled template', async () => {
      expectGraphError(await del(''), { status: 400, code: 100, message: '(#100) The parameter name is required.' });
      expectGraphError(await del('?name=never_created_here'), { status: 400, code: 100, details: /never_created_here/ });
      const name = uniqueName('disabled');
      const { id } = await createTemplate(tp, world, templateBody(name));
      await tp.control('POST', `templates/${id}/status`, { status: 'DISABLED' });
      expectGraphError(await del(`?name=${name}`), { status: 400, code: 100, details: /[Dd]isabled/ });
      expect((await tp.graph('GET', id, world.token)).status).toBe(200);
    });
  });

  describe('message_template_status_update webhooks', () => {
    it('announces creation, status changes and deletion, with message_template_id as a JSON number', async () => {
      const name = uniqueName('hooked');
      const { id } = await createTemplate(tp, world, templateBody(name, { category: 'UTILITY' }));
      const approved = await waitEvent((e) => e.message_template_name === name && e.event === 'APPROVED');
      expect(approved).toEqual({ event: 'APPROVED', message_template_id: Number(id), message_template_name: name, message_template_language: 'en_US', reason: 'NONE', message_template_category: 'UTILITY' });
      expect(typeof approved.message_template_id).toBe('number');
      const delivery = world.receiver.received.find((r) => r.raw.includes(`"message_template_name":"${name}"`));
      expect(delivery?.raw).toContain(`"message_template_id":${id},`);
      expect(delivery?.validSignature).toBe(true);
      expect(delivery?.body).toMatchObject({ object: 'whatsapp_business_account', entry: [{ id: world.wabaId, time: expect.any(Number), changes: [{ field: 'message_template_status_update' }] }] });

      await tp.control('POST', `templates/${id}/status`, { status: 'PAUSED', reason: 'LOW_QUALITY' });
      expect(await waitEvent((e) => e.message_template_name === name && e.event === 'PAUSED')).toMatchObject({ message_template_id: Number(id), reason: 'LOW_QUALITY' });

      await tp.control('POST', `templates/${id}/status`, { status: 'APPROVED' });
      await del(`?name=${name}`);
      expect(await waitEvent((e) => e.message_template_name === name && e.event === 'DELETED')).toMatchObject({ message_template_id: Number(id), reason: 'NONE' });
      expect(templateEvents().filter((e) => e.message_template_name === name).map((e) => e.event)).toEqual(['APPROVED', 'PAUSED', 'APPROVED', 'DELETED']);
    });

    it('announces a rejection with its reason', async () => {
      const name = uniqueName('hooked_rej');
      await createTemplate(tp, world, templateBody(name, { category: 'UTILITY', text: 'Flash sale today only' }));
      expect(await waitEvent((e) => e.message_template_name === name)).toMatchObject({ event: 'REJECTED', reason: 'INCORRECT_CATEGORY', message_template_category: 'UTILITY' });
    });

    it('refused requests send nothing', async () => {
      const name = uniqueName('silent');
      await createTemplate(tp, world, templateBody(name));
      await waitEvent((e) => e.message_template_name === name);
      await post(templateBody(name));
      await post({ ...templateBody(uniqueName('silent')), category: 'NOPE' });
      await settle(tp);
      expect(templateEvents().filter((e) => e.message_template_name === name)).toHaveLength(1);
    });
  });
});

/** `POST /{TEMPLATE_ID}`: edits (api-facts B.10). Its own platform: the 24 h limit moves the clock. */
describe('POST /{TEMPLATE_ID} (edit)', () => {
  const shared = sharedPlatform();

  const edit = (id: string, body: Record<string, unknown>): Promise<HttpResult> => shared.tp.graph('POST', id, shared.world.token, body);
  const node = async (id: string): Promise<TemplateNode> => (await shared.tp.graph<TemplateNode>('GET', `${id}?fields=status,category,components,rejected_reason`, shared.world.token)).body;
  const body = (text: string) => [{ type: 'BODY', text }];

  it('replaces the components, reviews them again and announces the outcome', async () => {
    const name = uniqueName('edited');
    const { id } = await createTemplate(shared.tp, shared.world, templateBody(name));
    expect(await edit(id, { components: body('Your parcel {{1}} is on its way.') })).toMatchObject({ status: 200, body: { success: true } });
    expect(await node(id)).toMatchObject({ status: 'APPROVED', category: 'UTILITY', components: body('Your parcel {{1}} is on its way.') });
    await shared.tp.control('POST', 'clock/advance', { seconds: 25 * 3600 });
    expect(await edit(id, { components: body('Flash sale: 50% off today') })).toMatchObject({ status: 200, body: { success: true } });
    expect(await node(id)).toMatchObject({ status: 'REJECTED', rejected_reason: 'INCORRECT_CATEGORY' });
    await shared.world.receiver.waitFor(() => shared.world.receiver.received.some((r) => r.raw.includes(`"message_template_name":"${name}"`) && r.raw.includes('"event":"REJECTED"')));
  });

  it('lets a rejected template change category; not an approved one', async () => {
    const rejected = await createTemplate(shared.tp, shared.world, templateBody(uniqueName('recat'), { category: 'UTILITY', text: 'Big sale this weekend' }));
    expect(rejected.status).toBe('REJECTED');
    expect((await edit(rejected.id, { category: 'MARKETING' })).status).toBe(200);
    expect(await node(rejected.id)).toMatchObject({ status: 'APPROVED', category: 'MARKETING' });

    const approved = await createTemplate(shared.tp, shared.world, templateBody(uniqueName('keepcat')));
    expectGraphError(await edit(approved.id, { category: 'MARKETING' }), { status: 400, code: 100, details: /^The category of an approved template cannot be edited$/ });
    expect(await node(approved.id)).toMatchObject({ category: 'UTILITY' });
  });

  it('edits an approved template once in 24 hours and 10 times in 30 days', async () => {
    const { id } = await createTemplate(shared.tp, shared.world, templateBody(uniqueName('limits')));
    expect((await edit(id, { components: body('Edit 1') })).status).toBe(200);
    expectGraphError(await edit(id, { components: body('Too soon') }), { status: 400, code: 100, details: /^An approved template can be edited once in 24 hours$/ });
    for (let n = 2; n <= 10; n++) {
      await shared.tp.control('POST', 'clock/advance', { seconds: 24 * 3600 + 1 });
      expect((await edit(id, { components: body(`Edit ${n}`) })).status, `edit ${n}`).toBe(200);
    }
    await shared.tp.control('POST', 'clock/advance', { seconds: 24 * 3600 + 1 });
    expectGraphError(await edit(id, { components: body('Edit 11') }), { status: 400, code: 100, details: /^An approved template can be edited 10 times in 30 days$/ });
    expect((await node(id)).components).toEqual(body('Edit 10'));
  });

  it('refuses templates in other statuses, bad input, and ids it cannot reach', async () => {
    const { id } = await createTemplate(shared.tp, shared.world, templateBody(uniqueName('disabled_edit')));
    await shared.tp.control('POST', `templates/${id}/status`, { status: 'DISABLED' });
    expectGraphError(await edit(id, { components: body('Hi') }), { status: 400, code: 100, details: /^A template with status DISABLED cannot be edited$/ });
    const ok = await createTemplate(shared.tp, shared.world, templateBody(uniqueName('bad_edit')));
    expectGraphError(await edit(ok.id, {}), { status: 400, code: 100 });
    expectGraphError(await edit(ok.id, { components: [{ type: 'FOOTER', text: 'no body' }] }), { status: 400, code: 100 });
    expectGraphError(await edit(ok.id, { category: 'NOPE' }), { status: 400, code: 100 });
    expectGraphError(await edit('123123123123123', { components: body('Hi') }), { status: 400, code: 100, subcode: 33, type: 'GraphMethodException' });
    // Another WABA's template answers like a missing one; a messaging-only token may not manage templates.
    const other = await createWorld(shared.tp);
    shared.track(other);
    const theirs = await createTemplate(shared.tp, other, templateBody(uniqueName('theirs')));
    expectGraphError(await edit(theirs.id, { components: body('Mine now') }), { status: 400, code: 100, subcode: 33, type: 'GraphMethodException' });
    const messaging = await shared.tp.control<{ access_token: string }>('POST', 'tokens', { waba_ids: [shared.world.wabaId], permissions: ['whatsapp_business_messaging'] });
    expectGraphError(await shared.tp.graph('POST', ok.id, messaging.access_token, { components: body('Hi') }), { status: 403, code: 200 });
    // Neither refusal changed anything.
    expect((await shared.tp.graph<TemplateNode>('GET', `${theirs.id}?fields=components`, other.token)).body.components).toEqual(body('Your order is ready.'));
    expect((await node(ok.id)).components).toEqual(body('Your order is ready.'));
  });
});
