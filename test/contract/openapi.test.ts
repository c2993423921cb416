import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONSUMER, GRAPH_VERSION, TestPlatform, addNumber, createWorld, sendInbound, type HttpResult, type World } from '../support/platform.js';
import { createApprovedTemplate } from '../support/sdk-helpers.js';
import { requestMigration, twoPartners, verifyOwnership } from '../support/waba-migration-helpers.js';

/**
 * Contract test: real responses of a running platform, validated against the response schemas of
 * the matching operations in Meta's published OpenAPI description of the WhatsApp Business Platform
 * (../shared/reference/meta-openapi/business-messaging-api_v23.0.yaml, OpenAPI 3.1 → JSON Schema
 * 2020-12). Two checks per response:
 *
 * 1. Schema validation (ajv) against the operation's schema for the returned HTTP status.
 * 2. No undocumented fields: every field we return must be declared by that schema, unless it is
 *    listed in the operation's `extras` below together with where Meta documents it. The spec's
 *    schemas are loose (few `required`, almost no `additionalProperties: false`), so without this
 *    check a response could drift far from Meta's shape and still "validate".
 *
 * Where the spec itself disagrees with Meta's docs and the SDKs, SPEC_OVERLAY patches it; each patch
 * says why, and a test proves the unpatched spec still rejects what we send (so stale patches show).
 */

const here = dirname(fileURLToPath(import.meta.url));
// The reference lives beside the project (../shared/reference), never copied in. A checkout without
// it (SWITCHBOARD_REFERENCE_DIR unset and no ../shared) skips this file loudly rather than failing.
const REFERENCE_DIR = process.env['SWITCHBOARD_REFERENCE_DIR'] ?? resolve(here, '../../../shared/reference');
const SPEC_FILE = resolve(REFERENCE_DIR, 'meta-openapi/business-messaging-api_v23.0.yaml');
const SPEC_PRESENT = existsSync(SPEC_FILE);
if (!SPEC_PRESENT) console.warn(`contract test skipped: ${SPEC_FILE} not found (set SWITCHBOARD_REFERENCE_DIR)`);
const SPEC_ID = 'meta-business-messaging';

type Schema = { [key: string]: unknown };
type Segments = readonly string[];

interface OverlayPatch {
  at: Segments;
  replace: unknown;
  why: string;
}

/** Deliberate deviations from the spec file. Everything else must validate as the spec says. */
const SPEC_OVERLAY: readonly OverlayPatch[] = [
  {
    at: ['components', 'schemas', 'WhatsAppCodeVerificationStatus', 'enum'],
    replace: ['VERIFIED', 'NOT_VERIFIED', 'EXPIRED', 'UNVERIFIED'],
    why:
      'The spec lists VERIFIED/UNVERIFIED; the Graph reference (as quoted by pywa) and @great-detail/whatsapp ' +
      'use VERIFIED/NOT_VERIFIED/EXPIRED for code_verification_status (api-facts B.1). We emit NOT_VERIFIED.',
  },
  {
    at: ['components', 'schemas', 'PhoneNumberInfo', 'properties', 'code_verification_status', 'enum'],
    replace: ['VERIFIED', 'NOT_VERIFIED', 'EXPIRED', 'UNVERIFIED'],
    why: 'Same as WhatsAppCodeVerificationStatus, inlined on GET /{Phone-Number-ID}.',
  },
  {
    at: ['components', 'schemas', 'WhatsAppPhoneNumberStatus', 'enum'],
    replace: ['PENDING', 'CONNECTED', 'DISCONNECTED', 'FLAGGED', 'RESTRICTED', 'RATE_LIMITED', 'BANNED', 'MIGRATED', 'DELETED', 'UNKNOWN', 'UNVERIFIED', 'LINKED', 'UNLINKED'],
    why:
      "The spec's enum (PENDING, LINKED, UNLINKED, ...) has no CONNECTED, yet Meta's docs show a registered " +
      'number as status CONNECTED and @great-detail/whatsapp enumerates CONNECTED/DISCONNECTED (api-facts B.1).',
  },
  {
    at: ['components', 'schemas', 'IncomingMessage'],
    replace: {
      type: 'object',
      required: ['from', 'id', 'timestamp', 'type'],
      properties: { from: { type: 'string' }, id: { type: 'string' }, timestamp: { type: 'string', pattern: '^[0-9]+$' }, type: { type: 'string' }, context: { type: 'object' } },
    },
    why:
      "The spec's inbound-message schema reuses the outbound send-request schemas (requires recipient_type and " +
      '`to`, forbids from/id/timestamp), so even its own webhook examples fail it. Replaced by the fields every ' +
      'inbound message carries per the webhook reference (api-facts C.2).',
  },
];

/** Fields we return that an operation's schema does not declare, with where Meta documents them. */
const EXTRAS: Readonly<Record<'phoneNode' | 'phoneList' | 'templateList' | 'subscribedApps' | 'markRead' | 'graphError', readonly string[]>> = {
  /** GET /{Phone-Number-ID} default fields: the MD "about the platform" example also returns these. */
  phoneNode: ['platform_type', 'throughput', 'webhook_configuration'],
  /** List items: the spec's item schema calls the platform `host_platform`; MD, pywa and both SDKs use platform_type. */
  phoneList: ['data[].platform_type', 'data[].throughput', 'data[].webhook_configuration', 'data[].is_pin_enabled', 'data[].name_status'],
  /** MD list response and @great-detail/whatsapp: parameter_format, previous_category, sub_category on each template. */
  templateList: ['data[].parameter_format', 'data[].previous_category', 'data[].sub_category'],
  /** MD subscribed_apps reference and @great-detail/whatsapp wrap the app in whatsapp_business_api_data. */
  subscribedApps: ['data[].whatsapp_business_api_data', 'data[].override_callback_uri'],
  /** Mark-as-read answers {success:true}: the spec's own example "Send typing indicator and read receipt". */
  markRead: ['success'],
  /** WhatsApp errors carry error_data {messaging_product, details} (MD error codes; whatsapp-api-js ServerErrorResponse). */
  graphError: ['error.error_data'],
};

const OP = {
  listPhoneNumbers: ['/{Version}/{WABA-ID}/phone_numbers', 'get'],
  addPhoneNumber: ['/{Version}/{WABA-ID}/phone_numbers', 'post'],
  getPhoneNumber: ['/{Version}/{Phone-Number-ID}', 'get'],
  register: ['/{Version}/{Phone-Number-ID}/register', 'post'],
  requestCode: ['/{Version}/{Phone-Number-ID}/request_code', 'post'],
  verifyCode: ['/{Version}/{Phone-Number-ID}/verify_code', 'post'],
  sendMessage: ['/{Version}/{Phone-Number-ID}/messages', 'post'],
  listTemplates: ['/{Version}/{WABA-ID}/message_templates', 'get'],
  createTemplate: ['/{Version}/{WABA-ID}/message_templates', 'post'],
  deleteTemplates: ['/{Version}/{WABA-ID}/message_templates', 'delete'],
  getTemplate: ['/{Version}/{TEMPLATE_ID}', 'get'],
  listSubscribedApps: ['/{Version}/{WABA-ID}/subscribed_apps', 'get'],
  subscribeApp: ['/{Version}/{WABA-ID}/subscribed_apps', 'post'],
  unsubscribeApp: ['/{Version}/{WABA-ID}/subscribed_apps', 'delete'],
  uploadMedia: ['/{Version}/{Phone-Number-ID}/media', 'post'],
  getMedia: ['/{Version}/{Media-ID}', 'get'],
  deleteMedia: ['/{Version}/{Media-ID}', 'delete'],
} as const satisfies Record<string, readonly [string, string]>;
type Operation = (typeof OP)[keyof typeof OP];

const GRAPH_ERROR: Segments = ['components', 'schemas', 'GraphAPIError'];

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Meta's OpenAPI document loaded into ajv, with helpers to find and apply response schemas. */
class OpenApiContract {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly doc: Schema) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    // ajv-formats is CommonJS: under NodeNext its default import is module.exports, the plugin is `.default`.
    ajvFormats.default(this.ajv);
    // Header-format names misplaced into `format` by the spec's template schemas; not JSON Schema formats.
    for (const f of ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION']) this.ajv.addFormat(f, true);
    this.ajv.addSchema(doc, SPEC_ID);
  }

  at(segments: Segments): unknown {
    let node: unknown = this.doc;
    for (const s of segments) node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[s] : undefined;
    return node;
  }

  /** The JSON schema location of an operation's response body for an HTTP status. */
  responseSchema([path, method]: Operation, status: number): Segments {
    const base = ['paths', path, method, 'responses'];
    if (!isObject(this.at(base))) throw new Error(`no operation ${method.toUpperCase()} ${path} in the spec`);
    let response = [...base, String(status)];
    const ref = (this.at(response) as Schema | undefined)?.['$ref'];
    if (typeof ref === 'string') response = ref.replace(/^#\//, '').split('/');
    const schema = [...response, 'content', 'application/json', 'schema'];
    if (this.at(schema) !== undefined) return schema;
    // messages, message_templates, media and TEMPLATE_ID declare only their 200; every Graph error
    // is the same envelope, so errors not declared per operation are checked against GraphAPIError.
    if (status >= 400) return GRAPH_ERROR;
    throw new Error(`${method.toUpperCase()} ${path} declares no JSON response for HTTP ${status}`);
  }

  /** ajv's complaints, formatted; empty when valid. */
  validate(segments: Segments, value: unknown): string[] {
    const key = segments.join('\u0000');
    let fn = this.compiled.get(key);
    if (!fn) {
      const pointer = segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
      fn = this.ajv.compile({ $ref: `${SPEC_ID}#/${pointer}` });
      this.compiled.set(key, fn);
    }
    return fn(value) ? [] : (fn.errors ?? []).map(formatError);
  }

  /** Paths (`a.b`, `data[].c`) of fields in `value` that the schema at `segments` does not declare. */
  undocumented(segments: Segments, value: unknown): string[] {
    const out = new Set<string>();
    this.walk(this.at(segments), value, '', out);
    return [...out];
  }

  private deref(schema: unknown): Schema {
    let s = schema;
    for (let i = 0; isObject(s) && typeof s['$ref'] === 'string' && i < 20; i++) s = this.at((s['$ref'] as string).replace(/^#\//, '').split('/'));
    return isObject(s) ? s : {};
  }

  /** Declared properties of a schema and of its allOf/oneOf/anyOf branches; undefined if it declares none. */
  private properties(schema: unknown): Record<string, unknown> | undefined {
    const s = this.deref(schema);
    let props: Record<string, unknown> | undefined = isObject(s['properties']) ? { ...s['properties'] } : undefined;
    for (const k of ['allOf', 'oneOf', 'anyOf']) {
      for (const branch of Array.isArray(s[k]) ? (s[k] as unknown[]) : []) {
        const more = this.properties(branch);
        if (more) props = { ...props, ...more };
      }
    }
    return props;
  }

  private walk(schema: unknown, value: unknown, path: string, out: Set<string>): void {
    const s = this.deref(schema);
    if (Array.isArray(value)) {
      for (const item of value) this.walk(s['items'], item, `${path}[]`, out);
      return;
    }
    if (!isObject(value)) return;
    const props = this.properties(s);
    if (!props) return; // a free-form object in the spec: nothing to compare against
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      if (k in props) this.walk(props[k], v, p, out);
      else out.add(p);
    }
  }
}

function formatError(e: ErrorObject): string {
  return `${e.instancePath || '(root)'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`;
}

function loadSpec(): { raw: Schema; patched: Schema } {
  const raw = parse(readFileSync(SPEC_FILE, 'utf8')) as Schema;
  const patched = structuredClone(raw);
  for (const patch of SPEC_OVERLAY) {
    const parent = patch.at.slice(0, -1).reduce<unknown>((node, s) => (isObject(node) ? node[s] : undefined), patched);
    const last = patch.at[patch.at.length - 1] ?? '';
    if (!isObject(parent) || !(last in parent)) throw new Error(`overlay target missing: ${patch.at.join('/')}`);
    parent[last] = structuredClone(patch.replace);
  }
  return { raw, patched };
}

describe.skipIf(!SPEC_PRESENT)('Graph responses conform to Meta OpenAPI (business-messaging-api v23.0)', () => {
  let spec: OpenApiContract;
  let rawSpec: OpenApiContract;
  let tp: TestPlatform;
  let world: World;
  let numberId: string;

  /** Both checks for one real response. */
  const expectConforms = (op: Operation, res: HttpResult<unknown>, extras: readonly string[] = []): void => {
    const schema = spec.responseSchema(op, res.status);
    const label = `${op[1].toUpperCase()} ${op[0]} → HTTP ${res.status} ${JSON.stringify(res.body)}`;
    expect(spec.validate(schema, res.body), label).toEqual([]);
    expect(
      spec.undocumented(schema, res.body).filter((p) => !extras.includes(p)),
      `${label}: fields the spec does not declare`,
    ).toEqual([]);
  };
  const expectGraphError = (op: Operation, res: HttpResult<unknown>, status: number, code: number): void => {
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error: { code, fbtrace_id: expect.any(String) as unknown } });
    expectConforms(op, res, EXTRAS.graphError);
  };
  const graph = <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<HttpResult<T>> => tp.graph<T>(method, path, world.token, body);

  beforeAll(async () => {
    const { raw, patched } = loadSpec();
    spec = new OpenApiContract(patched);
    rawSpec = new OpenApiContract(raw);
    tp = await TestPlatform.start();
    world = await createWorld(tp);
    numberId = (await addNumber(tp, world)).id;
    await sendInbound(tp, numberId, 'Hello from the contract test');
  });

  afterAll(async () => {
    await world?.receiver.stop();
    await tp?.stop();
  });

  it('has a validator that really checks (refs resolve, wrong shapes fail)', () => {
    expect(spec.validate(GRAPH_ERROR, { error: { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100 } })).toEqual([]);
    expect(spec.validate(GRAPH_ERROR, { error: { message: 'x', type: 'OAuthException', code: '100' } })).toEqual([expect.stringContaining('/error/code must be integer')]);
    const list = spec.responseSchema(OP.listPhoneNumbers, 200);
    expect(spec.validate(list, { data: [{ id: '1' }] }).join('\n')).toMatch(/display_phone_number/);
    expect(spec.validate(spec.responseSchema(OP.getMedia, 200), { id: '1', file_size: 70 })).toEqual([expect.stringContaining('/file_size must be string')]);
    expect(spec.undocumented(list, { data: [{ id: '1', display_phone_number: '+1', status: 'PENDING', surprise: true }] })).toEqual(['data[].surprise']);
    expect(() => spec.responseSchema(OP.sendMessage, 201)).toThrow(/declares no JSON response/);
  });

  it('needs every overlay patch: the unpatched spec rejects what we and Meta send', () => {
    const pending = { data: [{ id: '1', display_phone_number: '+1 631-555-0000', status: 'CONNECTED', code_verification_status: 'NOT_VERIFIED' }] };
    const errors = rawSpec.validate(rawSpec.responseSchema(OP.listPhoneNumbers, 200), pending).join('\n');
    expect(errors).toMatch(/\/data\/0\/status must be equal to one of the allowed values/);
    expect(errors).toMatch(/\/data\/0\/code_verification_status must be equal to one of the allowed values/);
    expect(rawSpec.validate(rawSpec.responseSchema(OP.getPhoneNumber, 200), { code_verification_status: 'NOT_VERIFIED' })).not.toEqual([]);
    // The spec's own "Text Message" webhook example fails its own inbound-message schema.
    const example = rawSpec.at(['paths', '/whatsapp/webhooks', 'post', 'requestBody', 'content', 'application/json', 'examples', 'Text Message', 'value']);
    expect(example).toBeDefined();
    expect(rawSpec.validate(['components', 'schemas', 'WebhookPayload'], example)).not.toEqual([]);
    expect(spec.validate(['components', 'schemas', 'WebhookPayload'], example)).toEqual([]);
  });

  it('GET /{WABA_ID}/phone_numbers', async () => {
    const fields = 'id,display_phone_number,verified_name,status,quality_rating,code_verification_status,account_mode,messaging_limit_tier,is_official_business_account,country_dial_code,name_status,platform_type,is_pin_enabled';
    const res = await graph('GET', `${world.wabaId}/phone_numbers?fields=${fields}`);
    expect(res.status).toBe(200);
    expectConforms(OP.listPhoneNumbers, res, EXTRAS.phoneList);

    // Default fields: the spec marks `status` required on list items, but Graph's default field set for
    // this edge (MD examples, pywa capture) does not include it; clients ask for it with fields=.
    const byDefault = await graph('GET', `${world.wabaId}/phone_numbers`);
    expect(byDefault.status).toBe(200);
    const schema = spec.responseSchema(OP.listPhoneNumbers, 200);
    expect(spec.validate(schema, byDefault.body).filter((e) => !e.endsWith('must have required property \'status\' {"missingProperty":"status"}'))).toEqual([]);
    expect(spec.undocumented(schema, byDefault.body).filter((p) => !EXTRAS.phoneList.includes(p))).toEqual([]);
  });

  it('GET /{PHONE_NUMBER_ID}', async () => {
    const byDefault = await graph('GET', numberId);
    expect(byDefault.status).toBe(200);
    expectConforms(OP.getPhoneNumber, byDefault, EXTRAS.phoneNode);
    const named = await graph('GET', `${numberId}?fields=id,display_phone_number,verified_name,quality_rating,code_verification_status,name_status`);
    expect(named.status).toBe(200);
    expectConforms(OP.getPhoneNumber, named);
  });

  it('POST /{WABA_ID}/phone_numbers, request_code, verify_code, register (and their errors)', async () => {
    const phone = `555${String(Date.now()).slice(-7)}`;
    const added = await graph<{ id: string }>('POST', `${world.wabaId}/phone_numbers`, { cc: '1', phone_number: phone, verified_name: 'Contract Shop' });
    expect(added.status).toBe(200);
    expectConforms(OP.addPhoneNumber, added);
    const id = added.body.id;

    const fresh = await graph('GET', `${id}?fields=id,display_phone_number,verified_name,quality_rating,code_verification_status,name_status`);
    expect(fresh.body).toMatchObject({ code_verification_status: 'NOT_VERIFIED', name_status: 'PENDING_REVIEW' });
    expectConforms(OP.getPhoneNumber, fresh);

    expectGraphError(OP.register, await graph('POST', `${id}/register`, { messaging_product: 'whatsapp', pin: '123456' }), 400, 133006);
    expectGraphError(OP.requestCode, await graph('POST', `${id}/request_code`, { language: 'en_US' }), 400, 100);

    const requested = await graph('POST', `${id}/request_code`, { code_method: 'SMS', language: 'en_US' });
    expect(requested.status).toBe(200);
    expectConforms(OP.requestCode, requested);
    const inbox = await tp.control<{ data: { code: string }[] }>('GET', `code-inbox?phone_number_id=${id}`);
    const code = inbox.data[0]?.code ?? '';
    expect(code).toMatch(/^\d{6}$/);

    expectGraphError(OP.verifyCode, await graph('POST', `${id}/verify_code`, { code: code === '000000' ? '111111' : '000000' }), 400, 136025);
    const verified = await graph('POST', `${id}/verify_code`, { code });
    expect(verified.status).toBe(200);
    expectConforms(OP.verifyCode, verified);

    expectGraphError(OP.register, await graph('POST', `${id}/register`, { messaging_product: 'whatsapp', pin: '12' }), 400, 100);
    const registered = await graph('POST', `${id}/register`, { messaging_product: 'whatsapp', pin: '123456' });
    expect(registered).toMatchObject({ status: 200, body: { success: true } });
    expectConforms(OP.register, registered);

    const after = await graph('GET', `${world.wabaId}/phone_numbers?fields=id,display_phone_number,status,code_verification_status,platform_type`);
    expect((after.body['data'] as { id: string }[]).find((n) => n.id === id)).toMatchObject({ status: 'CONNECTED', code_verification_status: 'VERIFIED', platform_type: 'CLOUD_API' });
    expectConforms(OP.listPhoneNumbers, after, EXTRAS.phoneList);
  });

  it('POST /{WABA_ID}/phone_numbers with migrate_phone_number (seed 004), and its errors', async () => {
    const p = await twoPartners(tp);
    try {
      await tp.control('PATCH', `phone-numbers/${p.number.id}`, { pin: '123456' });
      expectGraphError(OP.addPhoneNumber, await requestMigration(tp, p), 400, 100);
      await tp.control('PATCH', `phone-numbers/${p.number.id}`, { two_step_enabled: false });
      const requested = await requestMigration(tp, p);
      expect(requested).toMatchObject({ status: 200, body: { id: p.number.id } });
      expectConforms(OP.addPhoneNumber, requested);
      const verified = await verifyOwnership(tp, p);
      expect(verified.status).toBe(200);
      expectConforms(OP.verifyCode, verified);
      const list = await tp.graph('GET', `${p.dest.wabaId}/phone_numbers?fields=id,display_phone_number,status,code_verification_status,platform_type`, p.dest.token);
      expect(list.body).toMatchObject({ data: [{ id: p.number.id, status: 'MIGRATED', code_verification_status: 'VERIFIED' }] });
      expectConforms(OP.listPhoneNumbers, list, EXTRAS.phoneList);
    } finally {
      await p.source.receiver.stop();
      await p.dest.receiver.stop();
    }
  });

  it('POST /{PHONE_NUMBER_ID}/messages: text, template, mark as read (and errors)', async () => {
    const strict = ['components', 'schemas', 'MessageResponse'];
    const text = await graph('POST', `${numberId}/messages`, { messaging_product: 'whatsapp', to: CONSUMER, type: 'text', text: { body: 'Contract reply' } });
    expect(text.status).toBe(200);
    expectConforms(OP.sendMessage, text);
    // The operation's schema requires nothing; the spec's MessageResponse (used by POST /{Phone-Number-ID}) does.
    expect(spec.validate(strict, text.body)).toEqual([]);

    await createApprovedTemplate(tp, world, 'contract_order_update');
    const template = await graph('POST', `${numberId}/messages`, {
      messaging_product: 'whatsapp',
      to: CONSUMER,
      type: 'template',
      template: { name: 'contract_order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-1' }] }] },
    });
    expect(template.status).toBe(200);
    expectConforms(OP.sendMessage, template);
    expect(spec.validate(strict, template.body)).toEqual([]);

    const messages = await tp.control<{ data: { id: string; direction: string }[] }>('GET', `messages?phone_number_id=${numberId}`);
    const inboundId = messages.data.find((m) => m.direction === 'inbound')?.id ?? '';
    const read = await graph('POST', `${numberId}/messages`, { messaging_product: 'whatsapp', status: 'read', message_id: inboundId });
    expect(read).toMatchObject({ status: 200, body: { success: true } });
    expectConforms(OP.sendMessage, read, EXTRAS.markRead);

    expectGraphError(OP.sendMessage, await graph('POST', `${numberId}/messages`, { to: CONSUMER, text: { body: 'x' } }), 400, 100);
    expectGraphError(
      OP.sendMessage,
      await graph('POST', `${numberId}/messages`, { messaging_product: 'whatsapp', to: CONSUMER, type: 'template', template: { name: 'nope', language: { code: 'en_US' } } }),
      404,
      132001,
    );
  });

  it('GET/POST/DELETE /{WABA_ID}/message_templates and GET /{TEMPLATE_ID}', async () => {
    const created = await graph<{ id: string }>('POST', `${world.wabaId}/message_templates`, {
      name: 'contract_welcome',
      category: 'UTILITY',
      language: 'en_US',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Welcome' },
        { type: 'BODY', text: 'Hi {{1}}, your account is ready.', example: { body_text: [['Kerry']] } },
        { type: 'FOOTER', text: 'Reply STOP to opt out' },
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Thanks' }] },
      ],
    });
    expect(created).toMatchObject({ status: 200, body: { status: 'APPROVED', category: 'UTILITY' } });
    expectConforms(OP.createTemplate, created);

    const list = await graph('GET', `${world.wabaId}/message_templates`);
    expect(list.status).toBe(200);
    expect(list.body['data']).toContainEqual(expect.objectContaining({ id: created.body.id, name: 'contract_welcome' }));
    expectConforms(OP.listTemplates, list, EXTRAS.templateList);

    const one = await graph('GET', `${created.body.id}?fields=name,category,components,language,status`);
    expect(one.status).toBe(200);
    expectConforms(OP.getTemplate, one);

    expectGraphError(OP.createTemplate, await graph('POST', `${world.wabaId}/message_templates`, { name: 'Bad Name', category: 'UTILITY', language: 'en_US', components: [{ type: 'BODY', text: 'x' }] }), 400, 100);

    const deleted = await graph('DELETE', `${world.wabaId}/message_templates?name=contract_welcome`);
    expect(deleted).toMatchObject({ status: 200, body: { success: true } });
    expectConforms(OP.deleteTemplates, deleted);
  });

  it('GET/POST/DELETE /{WABA_ID}/subscribed_apps', async () => {
    const subscribed = await graph('POST', `${world.wabaId}/subscribed_apps`);
    expect(subscribed).toMatchObject({ status: 200, body: { success: true } });
    expectConforms(OP.subscribeApp, subscribed);

    const list = await graph('GET', `${world.wabaId}/subscribed_apps`);
    expect(list.status).toBe(200);
    expect(list.body['data']).toHaveLength(1);
    expectConforms(OP.listSubscribedApps, list, EXTRAS.subscribedApps);

    expectGraphError(OP.subscribeApp, await graph('POST', `${world.wabaId}/subscribed_apps`, { override_callback_uri: 'https://example.invalid/hook' }), 400, 100);

    const removed = await graph('DELETE', `${world.wabaId}/subscribed_apps`);
    expect(removed).toMatchObject({ status: 200, body: { success: true } });
    expectConforms(OP.unsubscribeApp, removed);
    const empty = await graph('GET', `${world.wabaId}/subscribed_apps`);
    expect(empty.body).toEqual({ data: [] });
    expectConforms(OP.listSubscribedApps, empty);
    await graph('POST', `${world.wabaId}/subscribed_apps`);
  });

  it('POST /{PHONE_NUMBER_ID}/media, GET and DELETE /{MEDIA_ID}', async () => {
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('file', new Blob([Buffer.from('%PDF-1.4 contract test\n')], { type: 'application/pdf' }), 'contract.pdf');
    const upload = await fetch(`${tp.base}/${GRAPH_VERSION}/${numberId}/media`, { method: 'POST', headers: { authorization: `Bearer ${world.token}` }, body: form });
    const uploaded: HttpResult<{ id: string }> = { status: upload.status, body: (await upload.json()) as { id: string }, headers: upload.headers };
    expect(uploaded.status).toBe(200);
    expectConforms(OP.uploadMedia, uploaded);

    const meta = await graph('GET', `${uploaded.body.id}?phone_number_id=${numberId}`);
    expect(meta.status).toBe(200);
    expectConforms(OP.getMedia, meta);

    const removed = await graph('DELETE', uploaded.body.id);
    expect(removed).toMatchObject({ status: 200, body: { success: true } });
    expectConforms(OP.deleteMedia, removed);
    expectGraphError(OP.getMedia, await graph('GET', uploaded.body.id), 400, 100);
  });

  it('Graph errors use the spec error envelope (GraphAPIError)', async () => {
    const missingToken = await tp.request('GET', `/${GRAPH_VERSION}/${world.wabaId}/phone_numbers`);
    expectGraphError(OP.listPhoneNumbers, missingToken, 400, 104);
    const badToken = await tp.request('GET', `/${GRAPH_VERSION}/${numberId}`, { token: 'EAAnot-a-token' });
    expectGraphError(OP.getPhoneNumber, badToken, 401, 190);
    const unknownNode = await graph('GET', '999999999999999');
    expectGraphError(OP.getPhoneNumber, unknownNode, 400, 100);
    expect(unknownNode.body).toMatchObject({ error: { type: 'GraphMethodException', error_subcode: 33 } });
    const unknownField = await graph('GET', `${numberId}?fields=no_such_field`);
    expectGraphError(OP.getPhoneNumber, unknownField, 400, 100);
    // error_data, where present, has Meta's shape.
    const invalid = await graph<{ error: { error_data?: unknown } }>('POST', `${numberId}/register`, { messaging_product: 'whatsapp', pin: 'abc' });
    expect(invalid.body.error.error_data).toEqual({ messaging_product: 'whatsapp', details: expect.any(String) as unknown });
  });

  it('webhook payloads of the messages field validate against WebhookPayload', async () => {
    await world.receiver.waitFor(() => world.receiver.inboundMessages().length >= 1 && world.receiver.changes().some((v) => 'statuses' in v));
    const deliveries = world.receiver.received.filter((r) => JSON.stringify(r.body).includes('"field":"messages"'));
    expect(deliveries.length).toBeGreaterThanOrEqual(2);
    for (const d of deliveries) expect(spec.validate(['components', 'schemas', 'WebhookPayload'], d.body), d.raw).toEqual([]);
  });
});
