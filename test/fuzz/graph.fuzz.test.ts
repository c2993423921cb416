/**
 * Graph fuzz (issue 8): thousands of malformed requests against every Graph edge (Cloud API and
 * Business Management API) and the lookaside download → no 5xx, no hang, Graph's error envelope,
 * no leaks, nothing changed.
 *
 * Every request that could reach a state-changing edge is built to be invalid: it carries a broken
 * required parameter, or (for edges that take no parameters: deregister, DELETE subscribed_apps) a
 * token that is refused. See README.md.
 */
import { MESSAGE_TYPES } from '../../src/platform/messages/schema.js';
import { setupFixture, snapshotTargets, type FuzzFixture } from './fixture.js';
import {
  anyValue,
  basicAuth,
  buildParams,
  carriesOf,
  encodeBody,
  INVALID_VERSIONS,
  invalidId,
  junkQuery,
  malformedAuthorization,
  nastyString,
  numberish,
  ODD_VALID_VERSIONS,
  onlyFromEnv,
  overlongSegment,
  pickBodyKind,
  pathSegment,
  pctEncode,
  queryString,
  Rng,
  scaleFromEnv,
  seedFromEnv,
  stringify,
  traversal,
  type BodyKind,
  type FieldSpec,
} from './generators.js';
import { defineFuzzSuite, safeDecode, type FuzzRequest } from './harness.js';

const SURFACE = 'graph';
const SEED = seedFromEnv();
const COUNT = Math.round(1500 * scaleFromEnv());
const ONLY = onlyFromEnv();

type Kind = 'waba' | 'phone_number' | 'template' | 'media' | 'business' | 'app';
type Method = 'GET' | 'POST' | 'DELETE';

interface RouteSpec {
  kind: Kind;
  method: Method;
  edge: string | null;
  permission: 'management' | 'messaging';
  mutating: boolean;
  /** A parameter can make every request invalid. Unbreakable mutating edges only get refused tokens. */
  breakable: boolean;
  /** Refuses tokens without an app (subscribed_apps). */
  needsApp?: boolean;
  fields: (fx: FuzzFixture) => FieldSpec[];
  fileField?: string;
  weight: number;
}

// ---- parameter specs ---------------------------------------------------------------------------

/** A `bad` generator: strings always (form/query safe); other JSON values too when allowed. */
const bad =
  (strings: readonly string[], others: readonly unknown[] = []) =>
  (rng: Rng, stringOnly: boolean): unknown =>
    stringOnly || others.length === 0 || rng.chance(0.55) ? rng.pick(strings) : rng.pick(others);

const messagingProduct: FieldSpec = {
  name: 'messaging_product',
  required: true,
  plausible: (rng) => rng.pick(['whatsapp', 'WhatsApp', 'WHATSAPP']),
  bad: bad(['', 'sms', 'whatsapp2', 'whats app', ' whatsapp', 'whatsapp\u0000', 'instagram', '["whatsapp"]', 'null', '😀'], [null, 0, 1, true, ['whatsapp'], { product: 'whatsapp' }]),
  type: 'string',
};
const badPin = bad(
  ['12345', '1234567', 'abcdef', '12345a', '', ' 123456', '123456 ', '12 3456', '-12345', '１２３４５６', '١٢٣٤٥٦', '123456\u0000', '0x1E240', '1e5', '[123456]'],
  [12345, 1234567, -123456, 123456.5, 1e21, null, true, [123456], { pin: '123456' }],
);
const pinField = (required: boolean): FieldSpec => ({ name: 'pin', required, plausible: (rng) => rng.pick(['123456', '654321', 123456, '000000']), bad: badPin });
const badUrl = bad(
  ['ftp://example.com/x', 'javascript:alert(1)', 'not a url', '', '//example.com', 'http//x', 'mailto:a@b.c', 'file:///etc/passwd', 'ws://example.com', `https://${'a'.repeat(250)}.example/`, 'http://', 'https://'],
  [1, null, true, ['https://example.com'], { url: 'https://example.com' }],
);
const digitsBad = bad(['+1', '1a', '', '-1', '1.5', ' 1', '1234567890123456', 'one', '１', '0x1', '1e3'], [-1, 1.5, null, true, [], { cc: '1' }]);

const fieldsParam: FieldSpec = {
  name: 'fields',
  plausible: (rng) =>
    rng.pick([
      'id,name',
      'verified_name,display_phone_number,quality_rating,status,platform_type,throughput',
      'name,status,category,components,quality_score',
      'id',
      'owner_business_info,account_review_status',
      'certificate,is_official_business_account',
      'name{first,last}',
      'name.limit(5)',
    ]),
  bad: bad(['__proto__', 'constructor', 'toString', ',,,,', '{', '}}}}', 'no_such_field', 'id,'.repeat(500), 'a'.repeat(1000), 'id{', 'id}}name', 'pin_hash', 'app_secret']),
};
const pagingParams: FieldSpec[] = [
  { name: 'limit', plausible: (rng) => rng.pick([1, 5, 100, '2', 1000]), bad: bad(['0', '-1', 'abc', '1.5', '1e400', '', 'NaN']) },
  { name: 'after', plausible: (rng) => Buffer.from(rng.alnum(15)).toString('base64url'), bad: bad(['%%%', '', '\u0000', 'not-base64!!']) },
  { name: 'before', plausible: (rng) => Buffer.from(rng.alnum(15)).toString('base64url'), bad: bad(['%%%', '', '\u0000']) },
];

const ROUTES: readonly RouteSpec[] = [
  { kind: 'waba', method: 'GET', edge: null, permission: 'management', mutating: false, breakable: true, weight: 1, fields: () => [fieldsParam] },
  { kind: 'waba', method: 'GET', edge: 'subscribed_apps', permission: 'management', mutating: false, breakable: true, weight: 0.6, fields: () => [fieldsParam] },
  {
    kind: 'waba',
    method: 'POST',
    edge: 'subscribed_apps',
    permission: 'management',
    mutating: true,
    breakable: true,
    needsApp: true,
    weight: 1.5,
    fields: () => [
      { name: 'override_callback_uri', plausible: () => 'ftp://example.com/never-valid', bad: badUrl },
      { name: 'verify_token', plausible: (rng) => rng.alnum(8) },
    ],
  },
  { kind: 'waba', method: 'DELETE', edge: 'subscribed_apps', permission: 'management', mutating: true, breakable: false, needsApp: true, weight: 0.7, fields: () => [] },
  { kind: 'waba', method: 'GET', edge: 'phone_numbers', permission: 'management', mutating: false, breakable: true, weight: 1, fields: () => [fieldsParam, ...pagingParams] },
  {
    kind: 'waba',
    method: 'POST',
    edge: 'phone_numbers',
    permission: 'management',
    mutating: true,
    breakable: true,
    weight: 2,
    fields: (fx) => [
      { name: 'cc', required: true, plausible: (rng) => rng.pick(['1', 1, '44']), bad: digitsBad },
      { name: 'phone_number', required: true, plausible: (rng) => rng.pick([fx.numbers.cloud.phone_number, fx.numbers.other.phone_number, '6505550000']), bad: digitsBad },
      { name: 'verified_name', plausible: (rng) => rng.pick(['Fuzz Shop', 'AB']), bad: bad(['x', 'y'.repeat(76), '']) },
      { name: 'migrate_phone_number', plausible: (rng) => rng.pick([true, 'true', false, 'false']), bad: bad(['yes', '1', 'TRUE', 'True', '', 'null'], [1, 0, null, [], {}]) },
    ],
  },
  { kind: 'phone_number', method: 'GET', edge: null, permission: 'management', mutating: false, breakable: true, weight: 1.2, fields: () => [fieldsParam] },
  {
    kind: 'phone_number',
    method: 'POST',
    edge: null,
    permission: 'management',
    mutating: true,
    breakable: true,
    weight: 1.5,
    fields: () => [
      pinField(false),
      {
        name: 'webhook_configuration',
        plausible: (rng) => ({ override_callback_uri: rng.pick(['ftp://x.example', 'not a url']), verify_token: 'x' }),
        bad: bad(['x', '', 'null', 'https://example.com'], [null, 1, [], {}, { verify_token: 'x' }, { override_callback_uri: 'javascript:alert(1)' }]),
      },
    ],
  },
  {
    kind: 'phone_number',
    method: 'POST',
    edge: 'register',
    permission: 'management',
    mutating: true,
    breakable: true,
    weight: 2,
    fields: () => [
      messagingProduct,
      pinField(true),
      { name: 'data_localization_region', plausible: (rng) => rng.pick(['DE', 'IN']), bad: bad(['us', 'USA', 'U', '', '1A', 'U S'], [1, null, []]) },
      {
        name: 'backup',
        plausible: (rng) => ({ data: rng.pick(['V0FCUwE=', rng.alnum(80)]), password: rng.alnum(6) }),
        bad: bad(['x', '', 'backup', 'null'], [null, 1, [], { data: '' , password: 'x' }, { password: 'x' }, { data: 5, password: 'x' }, { data: 'abc', password: 5 }]),
      },
    ],
  },
  { kind: 'phone_number', method: 'POST', edge: 'deregister', permission: 'management', mutating: true, breakable: false, weight: 0.8, fields: () => [] },
  {
    kind: 'phone_number',
    method: 'POST',
    edge: 'request_code',
    permission: 'management',
    mutating: true,
    breakable: true,
    weight: 1.5,
    fields: () => [
      { name: 'code_method', required: true, plausible: (rng) => rng.pick(['SMS', 'voice', 'Sms']), bad: bad(['EMAIL', 'sms ', ' SMS', 'S MS', '', 'SMS,VOICE', 'ＳＭＳ', 'smsx', 'VOICEMAIL'], [1, null, ['SMS'], {}]) },
      { name: 'language', required: true, plausible: (rng) => rng.pick(['en_US', 'pt_BR', 'en']), bad: bad(['EN', 'english', 'en-US', 'e', 'en_USAXX', '', 'en_', '../en', 'en_US\u0000'], [1, null, []]) },
    ],
  },
  {
    kind: 'phone_number',
    method: 'POST',
    edge: 'verify_code',
    permission: 'management',
    mutating: true,
    breakable: true,
    weight: 1.5,
    fields: () => [{ name: 'code', required: true, plausible: (rng) => rng.pick(['123456', '123-456', 123456]), bad: bad(['12345', '1234567', 'abc123', '123--456', '12-3456', '', '123 456', '１２３４５６'], [12345, 1234567, 123.5, null, [], {}]) }],
  },
  {
    kind: 'phone_number',
    method: 'POST',
    edge: 'messages',
    permission: 'messaging',
    mutating: true,
    breakable: true,
    weight: 3,
    fields: (fx) => [
      messagingProduct,
      { name: 'to', plausible: (rng) => rng.pick([fx.demo.consumerWaId, '+1 650-555-1234', 16505551234, `${fx.numbers.cloud.cc}${fx.numbers.cloud.phone_number}`]) },
      { name: 'type', plausible: (rng) => rng.pick(MESSAGE_TYPES) },
      { name: 'recipient_type', plausible: () => 'individual' },
      { name: 'text', plausible: (rng) => rng.pick([{ body: 'hi' }, { body: 'x', preview_url: true }, 'hello']), type: 'object' },
      { name: 'template', plausible: () => ({ name: 'fuzz_fixture_template', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: '1' }] }] }), type: 'object' },
      { name: 'image', plausible: (rng) => rng.pick([{ id: fx.mediaId }, { link: 'https://example.com/a.jpg' }, { id: fx.mediaId, link: 'https://example.com/a.jpg' }]), type: 'object' },
      { name: 'location', plausible: () => ({ latitude: 1.5, longitude: '2' }), type: 'object' },
      { name: 'context', plausible: () => ({ message_id: fx.messageId }), type: 'object' },
      { name: 'status', plausible: () => 'read' },
      { name: 'message_id', plausible: () => fx.messageId },
      { name: 'biz_opaque_callback_data', plausible: (rng) => rng.alnum(20) },
    ],
  },
  {
    kind: 'phone_number',
    method: 'POST',
    edge: 'media',
    permission: 'messaging',
    mutating: true,
    breakable: true,
    weight: 1.5,
    fileField: 'file',
    fields: () => [messagingProduct, { name: 'type', plausible: (rng) => rng.pick(['image/jpeg', 'image/png', 'application/x-fuzz']) }],
  },
  { kind: 'media', method: 'GET', edge: null, permission: 'messaging', mutating: false, breakable: true, weight: 0.7, fields: (fx) => [mediaOwnerField(fx)] },
  { kind: 'media', method: 'DELETE', edge: null, permission: 'messaging', mutating: true, breakable: true, weight: 1.2, fields: (fx) => [mediaOwnerField(fx)] },
  { kind: 'waba', method: 'GET', edge: 'message_templates', permission: 'management', mutating: false, breakable: true, weight: 1, fields: () => [fieldsParam, ...pagingParams, ...templateFilters] },
  {
    kind: 'waba',
    method: 'POST',
    edge: 'message_templates',
    permission: 'management',
    mutating: true,
    breakable: true,
    weight: 2.5,
    fields: () => [
      { name: 'name', required: true, plausible: (rng) => rng.pick(['fuzz_fixture_template', `fuzz_${rng.alnum(6).toLowerCase()}`]), bad: bad(['Hello', 'hello world', '', 'a-b', 'ümlaut', 'x'.repeat(513), 'UPPER_CASE', 'name\u0000', 'name.dot', ' lead']) },
      { name: 'category', required: true, plausible: (rng) => rng.pick(['UTILITY', 'marketing', 'AUTHENTICATION']), bad: bad(['PROMO', '', 'marketingx', 'MARKETING ', 'transactional']) },
      { name: 'language', required: true, plausible: () => 'en_US', bad: bad(['EN', 'english', 'en-US', '', 'en_USAXX']) },
      {
        name: 'components',
        required: true,
        plausible: (rng) => rng.pick([[{ type: 'BODY', text: 'Hello {{1}}' }], [{ type: 'body', text: '50% off sale' }], [{ type: 'HEADER', format: 'text', text: 'Hi' }, { type: 'BODY', text: 'x' }]]),
        bad: bad(['x', ''], [[], [{ type: 'BODY' }], [{ type: 'HEADER', format: 'TEXT' }], {}, null, [{ type: 'BODY', text: 'a' }, { type: 'BODY', text: 'b' }]]),
      },
      { name: 'parameter_format', plausible: () => 'POSITIONAL', bad: bad(['NAMEDX', '', 'POS']) },
      { name: 'allow_category_change', plausible: () => true },
    ],
  },
  {
    kind: 'waba',
    method: 'DELETE',
    edge: 'message_templates',
    permission: 'management',
    mutating: true,
    breakable: true,
    weight: 1.5,
    fields: (fx) => [
      { name: 'name', required: true, plausible: (rng) => rng.pick(['fuzz_fixture_template', 'no_such_template']), bad: bad([''], [5, null, [], {}]) },
      { name: 'hsm_id', plausible: () => fx.templateId, bad: bad(['abc', '12a', '', '-1', ' 1', '1.5'], [-1, [], {}]) },
    ],
  },
  { kind: 'template', method: 'GET', edge: null, permission: 'management', mutating: false, breakable: true, weight: 0.8, fields: () => [fieldsParam] },
];

const templateFilters: FieldSpec[] = [
  { name: 'name', plausible: () => 'fuzz', bad: bad(['\u0000']) },
  { name: 'status', plausible: (rng) => rng.pick(['approved', 'APPROVED,REJECTED']) },
  { name: 'category', plausible: () => 'utility' },
  { name: 'language', plausible: () => 'en_US' },
];

/** `phone_number_id` of media calls: the uploader's id passes; anything else is refused. */
function mediaOwnerField(fx: FuzzFixture): FieldSpec {
  return {
    name: 'phone_number_id',
    plausible: (rng) => rng.pick([fx.numbers.cloud.id, fx.numbers.onprem.id]),
    bad: bad([fx.numbers.unregistered.id, fx.numbers.onprem.id, '0', '', ' ', `${fx.numbers.cloud.id} `, 'abc'], [Number(fx.numbers.cloud.id), [fx.numbers.cloud.id], null, {}, true]),
  };
}

const KNOWN_EDGES = [...new Set(ROUTES.map((r) => r.edge).filter((e): e is string => e !== null))];
const JUNK_EDGES = ['unknown', 'phone_numbers2', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'MESSAGES', 'messages%20', '%6Dessages', 'assigned_users', 'conversation_analytics', 'whatsapp_business_profile', 'settings', 'block_users', '', '%00', '..'];

// ---- ids and tokens ------------------------------------------------------------------------------

type Owner = 'world' | 'other' | 'demo';

interface Ids {
  kindOf: Map<string, Kind>;
  ownerOf: Map<string, Owner>;
  byKind: Record<Kind, { id: string; weight: number }[]>;
}

function idsOf(fx: FuzzFixture): Ids {
  const kindOf = new Map<string, Kind>();
  const ownerOf = new Map<string, Owner>();
  const byKind: Ids['byKind'] = { waba: [], phone_number: [], template: [], media: [], business: [], app: [] };
  const add = (kind: Kind, owner: Owner, id: string, weight: number): void => {
    kindOf.set(id, kind);
    ownerOf.set(id, owner);
    byKind[kind].push({ id, weight });
  };
  add('waba', 'world', fx.world.wabaId, 7);
  add('waba', 'demo', fx.demo.wabaId, 1.5);
  add('waba', 'other', fx.other.wabaId, 1.5);
  add('phone_number', 'world', fx.numbers.cloud.id, 3);
  add('phone_number', 'world', fx.numbers.unregistered.id, 2);
  add('phone_number', 'world', fx.numbers.onprem.id, 2);
  add('phone_number', 'other', fx.numbers.other.id, 1);
  add('phone_number', 'demo', fx.demo.phoneNumberId, 0.8);
  add('phone_number', 'demo', fx.demo.unregisteredPhoneNumberId, 0.6);
  add('phone_number', 'demo', fx.demo.onpremPhoneNumberId, 0.6);
  add('template', 'world', fx.templateId, 3);
  add('template', 'other', fx.otherTemplateId, 1);
  add('media', 'world', fx.mediaId, 1);
  add('business', 'world', fx.world.partnerId, 1);
  add('business', 'world', fx.world.businessId, 1);
  add('app', 'world', fx.world.appId, 1);
  return { kindOf, ownerOf, byKind };
}

type AuthKind =
  | 'bearer'
  | 'oauth'
  | 'bearer-lower'
  | 'query'
  | 'body'
  | 'basic-header+query'
  | 'demo'
  | 'other'
  | 'mgmt-only'
  | 'msg-only'
  | 'appless'
  | 'none'
  | 'malformed'
  | 'unknown'
  | 'expired'
  | 'basic'
  | 'query-empty'
  | 'query-array'
  | 'bad-bearer+query';

const REFUSED_AUTH: readonly AuthKind[] = ['none', 'malformed', 'unknown', 'expired', 'basic', 'query-empty', 'query-array', 'bad-bearer+query'];

interface AuthPlan {
  kind: AuthKind;
  headers: Record<string, string>;
  query: [string, string][];
  /** The token goes into the body params (only with encodings that carry them). */
  bodyToken?: string;
  owner: Owner | undefined;
  permissions: ReadonlySet<'management' | 'messaging'>;
  hasApp: boolean;
}

function authPlan(rng: Rng, fx: FuzzFixture, kind: AuthKind): AuthPlan {
  const t = fx.tokens;
  const both = new Set<'management' | 'messaging'>(['management', 'messaging']);
  const none = new Set<'management' | 'messaging'>();
  const plan = (headers: Record<string, string>, owner: Owner | undefined, extra: Partial<AuthPlan> = {}): AuthPlan => ({ kind, headers, query: [], owner, permissions: owner ? both : none, hasApp: true, ...extra });
  switch (kind) {
    case 'bearer':
      return plan({ authorization: `Bearer ${t.full}` }, 'world');
    case 'oauth':
      return plan({ authorization: `OAuth ${t.full}` }, 'world');
    case 'bearer-lower':
      return plan({ authorization: `bearer ${t.full}` }, 'world');
    case 'query':
      return plan({}, 'world', { query: [['access_token', t.full]] });
    case 'body':
      return plan({}, 'world', { bodyToken: t.full });
    case 'basic-header+query':
      // Graph ignores other schemes and falls back to the access_token parameter.
      return plan({ authorization: basicAuth('admin', 'x') }, 'world', { query: [['access_token', t.full]] });
    case 'demo':
      return plan({ authorization: `Bearer ${t.demo}` }, 'demo');
    case 'other':
      return plan({ authorization: `Bearer ${t.other}` }, 'other');
    case 'mgmt-only':
      return plan({ authorization: `Bearer ${t.mgmtOnly}` }, 'world', { permissions: new Set(['management']) });
    case 'msg-only':
      return plan({ authorization: `Bearer ${t.msgOnly}` }, 'world', { permissions: new Set(['messaging']) });
    case 'appless':
      return plan({ authorization: `Bearer ${t.appless}` }, 'world', { hasApp: false });
    case 'none':
      return plan({}, undefined);
    case 'malformed':
      return plan({ authorization: malformedAuthorization(rng) }, undefined);
    case 'unknown':
      return plan({ authorization: `Bearer EAAG${rng.alnum(48)}` }, undefined);
    case 'expired':
      return plan({ authorization: `Bearer ${t.expired}` }, undefined);
    case 'basic':
      return plan({ authorization: basicAuth(fx.world.appId, fx.world.appSecret) }, undefined);
    case 'query-empty':
      return plan({}, undefined, { query: [['access_token', '']] });
    case 'query-array':
      return plan({}, undefined, { query: [['access_token', t.full], ['access_token', t.full]] });
    case 'bad-bearer+query':
      // The header wins over the parameter, and it holds no valid token.
      return plan({ authorization: `Bearer ${rng.alnum(30)}` }, undefined, { query: [['access_token', t.full]] });
  }
}

function pickAuthKind(rng: Rng): AuthKind {
  return rng.weighted<AuthKind>([
    ['bearer', 30],
    ['oauth', 3],
    ['bearer-lower', 2],
    ['query', 5],
    ['body', 3],
    ['basic-header+query', 2],
    ['demo', 5],
    ['other', 4],
    ['mgmt-only', 4],
    ['msg-only', 4],
    ['appless', 3],
    ['none', 5],
    ['malformed', 6],
    ['unknown', 4],
    ['expired', 4],
    ['basic', 2],
    ['query-empty', 1.5],
    ['query-array', 1.5],
    ['bad-bearer+query', 2],
  ]);
}

// ---- one request ---------------------------------------------------------------------------------

const VERSION_RE = /^v\d{1,3}\.\d{1,2}$/;

/**
 * What the router will do with a path: the route reached (if any) and the node id, judged on the
 * percent-decoded segments as the router sees them. `undefined` route: refused before any edge runs.
 */
function resolve(ids: Ids, segments: readonly string[], method: string): { route: RouteSpec | undefined; id: string | undefined } {
  const decoded = segments.map(safeDecode);
  // `ignoreTrailingSlash`: `/v23.0/{id}/` is `/v23.0/{id}`.
  if (decoded.length > 1 && decoded[decoded.length - 1] === '') decoded.pop();
  if (decoded.length === 0 || decoded.length > 3) return { route: undefined, id: undefined };
  const versioned = VERSION_RE.test(decoded[0] ?? '');
  if (!versioned && decoded.length === 3) return { route: undefined, id: undefined };
  const [id, edge] = versioned ? decoded.slice(1) : decoded;
  if (!id) return { route: undefined, id: undefined };
  const kind = ids.kindOf.get(id);
  const m = method === 'HEAD' ? 'GET' : method;
  const route = kind ? ROUTES.find((r) => r.kind === kind && r.method === m && r.edge === (edge ?? null)) : undefined;
  return { route, id };
}

function generate(fx: FuzzFixture, ids: Ids, index: number): FuzzRequest {
  const rng = Rng.forRequest(SEED, SURFACE, index);
  const tags: string[] = [];

  // 1. Target: a known edge (mostly), the lookaside download, or anything at all.
  const mode = rng.weighted<'route' | 'cross' | 'lookaside' | 'junk-path'>([
    ['route', 72],
    ['cross', 20],
    ['lookaside', 3],
    ['junk-path', 5],
  ]);
  if (mode === 'lookaside') return lookaside(fx, rng, index);
  if (mode === 'junk-path') return junkPath(rng, index);

  let method: string;
  let idChoice: string;
  let edge: string | null;
  if (mode === 'route') {
    const spec = rng.weighted(ROUTES.map((r) => [r, r.weight] as const));
    method = rng.chance(0.04) && spec.method === 'GET' ? 'HEAD' : spec.method;
    idChoice = rng.chance(0.9) ? rng.weighted(ids.byKind[spec.kind].map((e) => [e.id, e.weight] as const)) : rng.chance(0.5) ? invalidId(rng) : rng.weighted(Object.values(ids.byKind).flat().map((e) => [e.id, e.weight] as const));
    edge = spec.edge;
  } else {
    method = rng.weighted<string>([
      ['GET', 3],
      ['POST', 4],
      ['DELETE', 2],
      ['PUT', 2],
      ['PATCH', 2],
      ['HEAD', 0.5],
      ['OPTIONS', 0.7],
      ['TRACE', 0.2],
      ['PROPFIND', 0.2],
    ]);
    idChoice = rng.chance(0.75) ? rng.weighted(Object.values(ids.byKind).flat().map((e) => [e.id, e.weight] as const)) : invalidId(rng);
    edge = rng.chance(0.2) ? null : rng.chance(0.65) ? rng.pick(KNOWN_EDGES) : rng.pick(JUNK_EDGES);
    tags.push('cross');
  }

  // 2. Path shape and version.
  const version = rng.weighted<string | null>([
    ['v23.0', 80],
    [rng.pick(ODD_VALID_VERSIONS), 4],
    [null, 6],
    [rng.pick(INVALID_VERSIONS), 10],
  ]);
  if (version !== 'v23.0') tags.push(`version:${version ?? 'none'}`);
  let segments = [...(version === null ? [] : [version]), idChoice, ...(edge === null ? [] : [edge])];
  const shape = rng.weighted<string>([
    ['plain', 85],
    ['trailing-slash', 3],
    ['extra-segment', 3],
    ['double-slash', 2],
    ['traversal', 2],
    ['overlong-id', 2],
    ['encoded-id', 3],
  ]);
  let trailing = '';
  if (shape === 'trailing-slash') trailing = '/';
  if (shape === 'extra-segment') segments = [...segments, rng.pick(['x', 'messages', '..', '%2F', rng.alnum(5)])];
  if (shape === 'double-slash') segments = [...segments.slice(0, 1), '', ...segments.slice(1)];
  if (shape === 'traversal') segments = [...segments.slice(0, 1), ...traversal(rng).split('/')];
  if (shape === 'overlong-id') segments = segments.map((s) => (s === idChoice ? overlongSegment(rng) : s));
  if (shape === 'encoded-id') segments = segments.map((s) => (s === idChoice ? [...s].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`).join('') : s));
  if (shape !== 'plain') tags.push(`shape:${shape}`);
  // A few paths carry raw bytes 0x80-0xFF (Node lets Latin-1 through; it is invalid UTF-8 on the wire).
  const rawLatin1 = rng.chance(0.01);
  const path = `/${segments.map(pathSegment).join('/')}${rawLatin1 ? '/\u00ff\u00fe' : ''}${trailing}`;
  if (rawLatin1) tags.push('raw-latin1-path');
  const { route, id } = resolve(ids, segments, method);

  // 3. Auth, then whether this request could reach a state-changing edge.
  let auth = authPlan(rng, fx, pickAuthKind(rng));
  const owner = id ? ids.ownerOf.get(id) : undefined;
  const authOk = (a: AuthPlan): boolean => !!route && a.owner !== undefined && a.owner === owner && a.permissions.has(route.permission) && (!route.needsApp || a.hasApp);
  const hasBody = !['GET', 'HEAD'].includes(method);
  // 4. Body encoding, decided first: it says whether a break can travel in the body.
  const bodyKind: BodyKind = hasBody ? pickBodyKind(rng, route?.fileField ? { 'multipart-file': 8 } : {}) : rng.chance(0.1) ? rng.pick<BodyKind>(['json', 'form', 'text']) : 'none';
  const carries = hasBody ? carriesOf(bodyKind, SURFACE) : 'none';
  if (auth.bodyToken && carries === 'none') auth = authPlan(rng, fx, 'bearer');
  if (route?.mutating && !route.breakable && authOk(auth)) {
    // deregister, DELETE subscribed_apps: no parameter can stop them, so the token must.
    auth = authPlan(rng, fx, rng.pick([...REFUSED_AUTH, 'other', 'msg-only', ...(route.needsApp ? (['appless'] as const) : [])]));
    tags.push('auth-forced-refused');
  }
  tags.push(`auth:${auth.kind}`);
  const reachable = !!route && authOk(auth);
  const mustBreak = !!route && route.mutating && reachable;

  // 5. Params: placed in the query (GET, or when the body cannot carry them) or the body.
  const breakInQuery = !hasBody || carries === 'none' || rng.chance(0.35);
  const stringOnly = breakInQuery || carries === 'strings';
  const fields = route ? route.fields(fx) : [];
  const huge = hasBody && bodyKind === 'json-huge';
  const built = buildParams(rng, fields, { mustBreak, stringOnly, huge });
  if (mustBreak && !built.broken) throw new Error(`no break for ${route?.method} ${route?.edge}`);
  tags.push(...built.tags);
  const query: [string, string][] = [...auth.query];
  const bodyParams: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(built.params)) {
    const isBreak = k === built.broken?.field;
    const inQuery = !hasBody || (isBreak ? breakInQuery : !huge && rng.chance(0.25));
    if (inQuery) {
      const text = stringify(v);
      // Keep the URL under Node's 16 KiB header limit (a break never is this long).
      if (pctEncode(text).length > 3000 && !isBreak) continue;
      query.push([k, text]);
    }
    else Object.defineProperty(bodyParams, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  if (auth.bodyToken) bodyParams['access_token'] = auth.bodyToken;
  // Duplicate query keys (arrays) and junk keys.
  if (query.length > 0 && rng.chance(0.1)) {
    const [k, v] = rng.pick(query);
    if (k !== 'access_token') {
      query.push([k, rng.chance(0.5) ? v : stringify(anyValue(rng))]);
      tags.push(`dup-query:${k}`);
    }
  }
  if (rng.chance(0.15)) query.push(...junkQuery(rng));

  const encoded = hasBody || bodyKind !== 'none' ? encodeBody(rng, bodyKind, bodyParams, route?.fileField ? { fileField: route.fileField } : {}) : undefined;
  const qs = queryString(query);
  const headers: Record<string, string> = { ...auth.headers, ...(encoded?.headers ?? {}) };
  if (rng.chance(0.03)) headers['x-forwarded-for'] = nastyString(rng).replace(/[^\x20-\x7e]/g, '') || '1.1.1.1';
  return {
    index,
    surface: SURFACE,
    endpoint: route ? `${method === 'HEAD' ? 'HEAD' : route.method} /{${route.kind}}${route.edge ? `/${route.edge}` : ''}` : `(unrouted) ${method}`,
    method,
    path: qs ? `${path}?${qs}` : path,
    headers,
    ...(encoded?.body !== undefined && { body: encoded.body }),
    bodyKind,
    tags,
    expectRefused: !route || route.mutating || !reachable,
    oversize: encoded?.oversize ?? false,
  };
}

/** The lookaside download: forged, expired, or foreign signatures (read-only). */
function lookaside(fx: FuzzFixture, rng: Rng, index: number): FuzzRequest {
  const q: [string, string][] = [];
  if (rng.chance(0.9)) q.push(['mid', rng.pick([fx.mediaId, invalidId(rng), ''])]);
  if (rng.chance(0.9)) q.push(['ext', stringify(rng.pick([Math.floor(Date.now() / 1000) + 300, 0, -1, 'abc', numberish(rng)]))]);
  if (rng.chance(0.9)) q.push(['hash', rng.pick([rng.alnum(32), '', nastyString(rng)])]);
  const auth = rng.pick<Record<string, string>>([{ authorization: `Bearer ${fx.tokens.full}` }, {}, { authorization: malformedAuthorization(rng) }, { authorization: `Bearer ${fx.tokens.expired}` }]);
  const qs = queryString(q);
  return { index, surface: SURFACE, endpoint: 'GET /lookaside/…/attachments/', method: rng.chance(0.9) ? 'GET' : 'HEAD', path: `/lookaside/whatsapp_business/attachments/?${qs}`, headers: auth, bodyKind: 'none', tags: ['lookaside'], expectRefused: true, oversize: false };
}

/** Paths no route serves (all refused; never a control or On-Prem path). */
function junkPath(rng: Rng, index: number): FuzzRequest {
  const path = rng.pick([
    '/',
    '/favicon.ico',
    '/v23.0',
    '/v23.0/',
    '//',
    '/%',
    '/%zz',
    '/%E0%A4%A',
    '/..',
    `/v23.0/${traversal(rng)}`,
    '/graphql',
    '/me',
    '/debug_token',
    `/v23.0/${overlongSegment(rng)}`,
    '/v23.0/a/b/c/d',
    '/v23.0/%00',
    '/v23.0/%2e%2e%2f%2e%2e%2f',
    `/${pctEncode(nastyString(rng)) || 'x'}`,
    '/v23.0/me/accounts?fields=*',
    '/?__proto__[polluted]=1',
    '/v23.0/?access_token=',
  ]);
  const method = rng.pick(['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS']);
  return { index, surface: SURFACE, endpoint: `(junk path) ${method}`, method, path, headers: {}, bodyKind: 'none', tags: ['junk-path'], expectRefused: true, oversize: false };
}

// ---- the suite -----------------------------------------------------------------------------------

defineFuzzSuite<FuzzFixture>({
  surface: SURFACE,
  seed: SEED,
  count: COUNT,
  only: ONLY,
  setup: setupFixture,
  targets: snapshotTargets,
  prepare: async (fx) => {
    const ids = idsOf(fx);
    return (index) => generate(fx, ids, index);
  },
  teardown: (fx) => fx.stop(),
});
