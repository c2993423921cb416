/**
 * On-Premises API fuzz (issue 8): malformed requests against every `/onprem/{deployment}/v1/...`
 * endpoint of connected, fresh, password-change-pending and unknown deployments → no 5xx (but the
 * documented 1011 "Service not ready" = HTTP 500, counted apart), no hang, On-Prem's
 * `{errors:[{code,title,details}],meta}` envelope, nothing changed.
 *
 * Requests that could reach a state-changing endpoint with a valid token carry a broken parameter;
 * endpoints no parameter can stop (logout, DELETE settings/application, DELETE two-step on a
 * connected deployment) only get refused tokens; logins with the right password only carry a
 * `new_password` of a refused length; PATCH settings/application only gets bodies that are not an
 * object; media uploads only get unsupported MIME types or empty bodies. See README.md.
 */
import { setupFixture, snapshotTargets, type DeploymentRef, type FuzzFixture } from './fixture.js';
import {
  anyValue,
  basicAuth,
  buildParams,
  carriesOf,
  encodeBody,
  invalidId,
  junkQuery,
  malformedAuthorization,
  nastyString,
  onlyFromEnv,
  overlongSegment,
  pathSegment,
  pickBodyKind,
  queryString,
  Rng,
  scaleFromEnv,
  seedFromEnv,
  traversal,
  type BodyKind,
  type FieldSpec,
} from './generators.js';
import { defineFuzzSuite, safeDecode, type FuzzRequest } from './harness.js';

const SURFACE = 'onprem';
const SEED = seedFromEnv();
const COUNT = Math.round(800 * scaleFromEnv());
const ONLY = onlyFromEnv();

type Special = 'login' | 'media' | 'settings-patch';

interface OnpremRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** After `/v1/`. */
  path: string;
  mutating: boolean;
  breakable: boolean;
  /** A body that arrives empty ({}), undefined or as a raw Buffer is refused or changes nothing. */
  emptyOk: boolean;
  /** Refused anyway when the deployment holds no number (1011). */
  needsConnected?: boolean;
  special?: Special;
  fields: (c: Ctx) => FieldSpec[];
  weight: number;
}

interface Ctx {
  fx: FuzzFixture;
  certs: { onprem: string; cloud: string; demo: string };
}

const bad =
  (strings: readonly string[], others: readonly unknown[] = []) =>
  (rng: Rng, stringOnly: boolean): unknown =>
    stringOnly || others.length === 0 || rng.chance(0.55) ? rng.pick(strings) : rng.pick(others);
const jsonBad = (others: readonly unknown[]) => (rng: Rng): unknown => rng.pick(others);

const digitsBad = bad(['+1', '1a', '', ' 1', '1.5', '-1', 'one', '١'], [-1, 1.5, null, true, [], {}]);
const pinBad = bad(['12345', '1234567', 'abcdef', '', ' 123456', '12345a', '１２３４５６', '123456\u0000'], [12345, 1234567, -123456, 123456.5, null, true, [], {}]);

const accountFields = (c: Ctx): FieldSpec[] => [
  { name: 'cc', required: true, plausible: (rng) => rng.pick(['1', 1, c.fx.numbers.onprem.cc]), bad: digitsBad },
  { name: 'phone_number', required: true, plausible: (rng) => rng.pick([c.fx.numbers.onprem.phone_number, c.fx.numbers.cloud.phone_number, '6505550000']), bad: digitsBad },
  { name: 'method', required: true, plausible: (rng) => rng.pick(['sms', 'voice']), bad: bad(['SMS', 'email', '', 'sms ', 'Voice'], [1, null, ['sms']]) },
  { name: 'cert', required: true, plausible: (rng) => rng.pick([c.certs.onprem, c.certs.cloud, c.certs.demo, `${c.certs.cloud.slice(0, -4)}AAAA`]), bad: bad([''], [5, null, [], {}]) },
  { name: 'pin', plausible: (rng) => rng.pick(['123456', '000000', 123456]), bad: pinBad },
];

const ROUTES: readonly OnpremRoute[] = [
  { method: 'POST', path: 'users/login', mutating: true, breakable: true, emptyOk: false, special: 'login', weight: 3, fields: () => [{ name: 'new_password', plausible: (rng) => rng.pick(['short', 'x'.repeat(65), '']) }] },
  { method: 'POST', path: 'users/logout', mutating: true, breakable: false, emptyOk: false, weight: 1, fields: () => [] },
  { method: 'POST', path: 'account', mutating: true, breakable: true, emptyOk: true, weight: 3, fields: accountFields },
  { method: 'POST', path: 'account/verify', mutating: true, breakable: true, emptyOk: true, weight: 1.5, fields: () => [{ name: 'code', required: true, plausible: (rng) => rng.pick(['123456', '123-456', 123456]), bad: jsonBad([null, true, [], {}, { code: 1 }]), jsonOnlyBad: true }] },
  {
    method: 'POST',
    path: 'account/shards',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 2,
    fields: (c) => [...accountFields(c).filter((f) => f.name !== 'method'), { name: 'shards', required: true, plausible: (rng) => rng.pick([1, 2, 4, 32]), bad: bad(['2', '', 'four'], [3, 0, 64, -1, 2.5, null, [2]]) }],
  },
  { method: 'POST', path: 'settings/account/two-step', mutating: true, breakable: true, emptyOk: true, weight: 1.5, fields: () => [{ name: 'pin', required: true, plausible: () => '123456', bad: pinBad }] },
  { method: 'DELETE', path: 'settings/account/two-step', mutating: true, breakable: false, emptyOk: false, needsConnected: true, weight: 1, fields: () => [] },
  { method: 'GET', path: 'settings/application', mutating: false, breakable: true, emptyOk: true, weight: 1, fields: () => [] },
  {
    method: 'PATCH',
    path: 'settings/application',
    mutating: true,
    breakable: false,
    emptyOk: true,
    special: 'settings-patch',
    weight: 2,
    fields: () => [
      { name: 'webhooks', plausible: () => ({ url: 'http://127.0.0.1:1/x' }) },
      { name: 'callback_persist', plausible: () => true },
    ],
  },
  { method: 'DELETE', path: 'settings/application', mutating: true, breakable: false, emptyOk: false, weight: 1, fields: () => [] },
  { method: 'POST', path: 'settings/backup', mutating: false, breakable: true, emptyOk: true, weight: 1, fields: () => [{ name: 'password', required: true, plausible: (rng) => rng.pick(['tacocat', '']), bad: jsonBad([5, null, [], {}]), jsonOnlyBad: true }] },
  {
    method: 'POST',
    path: 'settings/restore',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 2,
    fields: () => [
      { name: 'password', required: true, plausible: (rng) => rng.pick(['tacocat', '']), bad: jsonBad([5, null, [], {}]), jsonOnlyBad: true },
      // Never a real backup: random text does not authenticate under AES-GCM.
      { name: 'data', required: true, plausible: (rng) => rng.pick([`V0FCUw${Buffer.from(rng.alnum(60)).toString('base64')}`, 'V0FCUwE=', rng.alnum(10)]), bad: bad([''], [5, null, [], {}]) },
    ],
  },
  { method: 'GET', path: 'health', mutating: false, breakable: true, emptyOk: true, weight: 1, fields: () => [] },
  {
    method: 'POST',
    path: 'messages',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 3,
    fields: (c) => [
      { name: 'to', required: true, plausible: (rng) => rng.pick([c.fx.demo.consumerWaId, '16505551234', 16505551234, '+1 (650) 555-1234']), bad: jsonBad([null, true, [], {}]), jsonOnlyBad: true },
      { name: 'type', plausible: (rng) => rng.pick(['text', 'image', 'template', 'hsm', 'contacts']), bad: bad(['TEXT', 'foo', '', 'voice', 'reaction'], [1, null, []]) },
      { name: 'recipient_type', plausible: () => 'individual', bad: bad(['Individual', 'person', ''], [1, null]) },
      { name: 'preview_url', plausible: () => true, bad: bad(['true', 'yes', ''], [1, null]) },
      { name: 'text', plausible: (rng) => rng.pick([{ body: 'hi' }, { body: '' }, 'hi']) },
      { name: 'image', plausible: () => ({ id: 'not-a-media-id' }) },
      { name: 'template', plausible: () => ({ name: 'fuzz_fixture_template', language: { code: 'en_US' } }) },
    ],
  },
  { method: 'POST', path: 'media', mutating: true, breakable: false, emptyOk: true, special: 'media', weight: 2, fields: () => [] },
  {
    method: 'POST',
    path: 'stickerpacks',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 1.5,
    fields: () => [
      { name: 'name', required: true, plausible: (rng) => rng.alnum(8), bad: bad(['', 'x'.repeat(129)], [5, null, [], {}]) },
      { name: 'publisher', required: true, plausible: (rng) => rng.alnum(8), bad: bad(['', 'y'.repeat(129)], [5, null, [], {}]) },
    ],
  },
  { method: 'GET', path: 'stickerpacks', mutating: false, breakable: true, emptyOk: true, weight: 1, fields: () => [] },
  { method: 'POST', path: 'contacts', mutating: false, breakable: true, emptyOk: true, weight: 1.5, fields: () => [{ name: 'contacts', plausible: (rng) => rng.pick([['+16505551234'], [], ['abc', 1, null]]) }, { name: 'blocking', plausible: () => 'wait' }] },
];

const JUNK_TAILS = ['unknown', 'users', 'account/extra', 'v1', 'health/', 'settings', 'settings/application/extra', 'messages/123', 'media/abc', 'certificates/external', 'stats/app', 'support', '__proto__', 'constructor', '%00', '..'];

/** Media types `/v1/media` refuses (not in Meta's list, or not parsable to one). */
const REFUSED_MEDIA_TYPES = ['image/gif', 'application/x-fuzz', 'video/webm', 'image/svg+xml', 'text/html', 'application/octet-stream', 'image/jpeg2', 'imagejpeg', ';image/jpeg', 'image/jpeg,image/png', 'audio/wav', 'x/y'];

type DepChoice = { ref: DeploymentRef | undefined; id: string };

function pickDeployment(rng: Rng, fx: FuzzFixture): DepChoice {
  const d = fx.deployments;
  return rng.weighted<() => DepChoice>([
    [() => ({ ref: d.demo, id: d.demo.id }), 2],
    [() => ({ ref: d.connected, id: d.connected.id }), 3],
    [() => ({ ref: d.fresh, id: d.fresh.id }), 2.5],
    [() => ({ ref: d.pwchange, id: d.pwchange.id }), 1],
    [() => ({ ref: undefined, id: rng.pick([invalidId(rng), d.demo.id.toUpperCase(), `${d.demo.id}%20`, `${d.demo.id}-x`, overlongSegment(rng), '%2e%2e', 'onprem']) }), 1],
  ])();
}

type AuthKind = 'bearer' | 'bearer-lower' | 'none' | 'malformed' | 'other-deployment' | 'logged-out' | 'graph-token' | 'basic-valid' | 'bearer-extra' | 'garbage';

function onpremAuth(rng: Rng, fx: FuzzFixture, dep: DepChoice, kind: AuthKind): { kind: AuthKind; headers: Record<string, string>; valid: boolean } {
  const token = dep.ref?.token ?? '';
  const others = Object.values(fx.deployments).filter((d) => d.id !== dep.id && d.token);
  const h = (authorization: string | undefined, valid: boolean): { kind: AuthKind; headers: Record<string, string>; valid: boolean } => ({ kind, headers: authorization === undefined ? {} : { authorization }, valid });
  switch (kind) {
    case 'bearer':
      return token ? h(`Bearer ${token}`, true) : h('Bearer ', false);
    case 'bearer-lower':
      return token ? h(`bearer ${token}`, true) : h('bearer', false);
    case 'none':
      return h(undefined, false);
    case 'malformed':
      return h(malformedAuthorization(rng), false);
    case 'other-deployment':
      return h(`Bearer ${rng.pick(others)?.token ?? 'x'}`, false);
    case 'logged-out':
      return h(`Bearer ${fx.loggedOutOnpremToken}`, false);
    case 'graph-token':
      return h(`Bearer ${fx.tokens.full}`, false);
    case 'basic-valid':
      return h(basicAuth('admin', dep.ref?.password ?? 'x'), false);
    case 'bearer-extra':
      return h(`Bearer ${token || 'x'} extra`, false);
    case 'garbage':
      return h(`Bearer ${rng.alnum(43)}`, false);
  }
}

const pickAuthKind = (rng: Rng): AuthKind =>
  rng.weighted<AuthKind>([
    ['bearer', 70],
    ['bearer-lower', 4],
    ['none', 6],
    ['malformed', 7],
    ['other-deployment', 6],
    ['logged-out', 4],
    ['graph-token', 4],
    ['basic-valid', 5],
    ['bearer-extra', 3],
    ['garbage', 6],
  ]);
const REFUSED_AUTH: readonly AuthKind[] = ['none', 'malformed', 'other-deployment', 'logged-out', 'graph-token', 'basic-valid', 'bearer-extra', 'garbage'];

/** Which route a (decoded) path and method reach on a known deployment. */
function resolve(path: string, method: string, depId: string): OnpremRoute | undefined {
  const clean = safeDecode(path.split('?')[0] ?? '').replace(/(.)\/$/, '$1');
  const prefix = `/onprem/${depId}/v1/`;
  if (!clean.startsWith(prefix)) return undefined;
  const tail = clean.slice(prefix.length);
  const m = method === 'HEAD' ? 'GET' : method;
  return ROUTES.find((r) => r.path === tail && r.method === m);
}

function generate(c: Ctx, index: number): FuzzRequest {
  const { fx } = c;
  const rng = Rng.forRequest(SEED, SURFACE, index);
  const tags: string[] = [];
  const dep = pickDeployment(rng, fx);
  if (!dep.ref) tags.push('unknown-deployment');

  // Target: a route with its method (mostly), another method, or a path no route serves.
  const mode = rng.weighted<'route' | 'other-method' | 'junk'>([
    ['route', 84],
    ['other-method', 9],
    ['junk', 7],
  ]);
  const spec = rng.weighted(ROUTES.map((r) => [r, r.weight] as const));
  let method: string = spec.method;
  let tail = spec.path;
  if (mode === 'other-method') method = rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].filter((m) => m !== spec.method));
  if (mode === 'junk') {
    method = rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
    tail = rng.pick([...JUNK_TAILS, traversal(rng), overlongSegment(rng), spec.path.toUpperCase(), `${spec.path}/${rng.alnum(4)}`, pathSegment(nastyString(rng)) || 'x']);
  }
  if (mode === 'route' && spec.method === 'GET' && rng.chance(0.05)) method = 'HEAD';
  const shape = rng.weighted<string>([
    ['plain', 88],
    ['trailing-slash', 3],
    ['double-slash', 2],
    ['no-v1', 2],
    ['V1', 2],
    ['encoded', 3],
  ]);
  const depSegment = pathSegment(dep.id);
  let path = `/onprem/${depSegment}/v1/${tail}`;
  if (shape === 'trailing-slash') path += '/';
  if (shape === 'double-slash') path = `/onprem/${depSegment}/v1//${tail}`;
  if (shape === 'no-v1') path = rng.pick([`/onprem/${depSegment}/${tail}`, `/onprem/${depSegment}`, '/onprem', '/onprem/', `/onprem/${depSegment}/v2/${tail}`]);
  if (shape === 'V1') path = `/onprem/${depSegment}/V1/${tail}`;
  if (shape === 'encoded') path = `/onprem/${depSegment}/v1/${[...tail].map((ch) => (/[a-z]/.test(ch) && rng.chance(0.3) ? `%${ch.charCodeAt(0).toString(16)}` : ch)).join('')}`;
  if (shape !== 'plain') tags.push(`shape:${shape}`);
  const route = dep.ref ? resolve(path, method, dep.id) : undefined;

  // Auth, and what it lets through.
  let auth = onpremAuth(rng, fx, dep, pickAuthKind(rng));
  const connected = dep.ref?.connected ?? false;
  const reachableWith = (a: { valid: boolean }): boolean => !!route && route.special !== 'login' && a.valid;
  const needsRefusedAuth = (r: OnpremRoute): boolean => r.mutating && !r.breakable && !r.special && !(r.needsConnected && !connected);
  if (route && reachableWith(auth) && needsRefusedAuth(route)) {
    auth = onpremAuth(rng, fx, dep, rng.pick(REFUSED_AUTH));
    tags.push('auth-forced-refused');
  }

  // Body encoding, params, breaks.
  const hasBody = !['GET', 'HEAD'].includes(method);
  let bodyKind: BodyKind = hasBody ? pickBodyKind(rng) : rng.chance(0.1) ? 'json' : 'none';
  const reachable = reachableWith(auth);
  let body: Buffer | undefined;
  let headers: Record<string, string> = {};
  let oversize = false;
  let expectRefused = !reachable || (route?.mutating ?? true);

  if (route?.special === 'login') {
    // Login: wrong credentials with anything, or the right ones with a new_password of a refused length.
    const creds = rng.weighted<'right' | 'wrong-password' | 'wrong-user' | 'malformed' | 'bearer' | 'none'>([
      ['right', 4],
      ['wrong-password', 3],
      ['wrong-user', 1],
      ['malformed', 2],
      ['bearer', 1],
      ['none', 1],
    ]);
    tags.push(`login:${creds}`);
    const password = dep.ref?.password ?? 'secret';
    auth = {
      kind: 'basic-valid',
      valid: false,
      headers:
        creds === 'right'
          ? { authorization: basicAuth('admin', password) }
          : creds === 'wrong-password'
            ? { authorization: basicAuth('admin', rng.pick(['', 'Secret', `${password} `, `${password}x`, 'admin', nastyString(rng)])) }
            : creds === 'wrong-user'
              ? { authorization: basicAuth(rng.pick(['Admin', 'root', '', 'admin ', 'admin:admin']), password) }
              : creds === 'malformed'
                ? { authorization: malformedAuthorization(rng) }
                : creds === 'bearer'
                  ? { authorization: `Bearer ${dep.ref?.token || 'x'}` }
                  : {},
    };
    if (creds === 'right' && dep.ref) {
      // Only JSON or form bodies whose new_password is a string of a refused length, or invalid JSON.
      bodyKind = rng.weighted<BodyKind>([
        ['json', 6],
        ['form', 2],
        ['json-invalid', 2],
        ['json-oversize', 0.1],
      ]);
      const params: Record<string, unknown> = { new_password: rng.pick(['', 'short', '1234567', 'x'.repeat(65), 'y'.repeat(500)]) };
      if (rng.chance(0.3)) params[`x_${rng.alnum(4)}`] = anyValue(rng);
      const enc = encodeBody(rng, bodyKind, params);
      headers = enc.headers;
      body = enc.body;
      oversize = enc.oversize;
    } else {
      const built = buildParams(rng, [{ name: 'new_password', plausible: (r) => r.pick(['N3w-Passw0rd!', 'short', 12345678]) }], { mustBreak: false, stringOnly: false });
      tags.push(...built.tags);
      const enc = hasBody ? encodeBody(rng, bodyKind, built.params) : undefined;
      headers = enc?.headers ?? {};
      body = enc?.body;
      oversize = enc?.oversize ?? false;
    }
    expectRefused = true;
  } else if (route?.special === 'media' && reachable && connected) {
    // A raw body under a type /v1/media refuses, or an empty one, or a body that parses as JSON/form.
    const variant = rng.weighted<'refused-type' | 'empty' | 'parsed'>([
      ['refused-type', 5],
      ['empty', 1],
      ['parsed', 2],
    ]);
    tags.push(`media:${variant}`);
    if (variant === 'refused-type') {
      const type = rng.pick(REFUSED_MEDIA_TYPES);
      headers = type === '' ? {} : { 'content-type': type };
      body = Buffer.from(Array.from({ length: rng.int(1, 2048) }, () => rng.int(0, 255)));
      bodyKind = 'octet';
    } else if (variant === 'empty') {
      headers = { 'content-type': rng.pick(['image/jpeg', 'text/plain', 'application/pdf']) };
      body = Buffer.alloc(0);
      bodyKind = 'none';
    } else {
      bodyKind = rng.pick<BodyKind>(['json', 'form', 'multipart', 'multipart-file', 'json-invalid', 'json-scalar']);
      const enc = encodeBody(rng, bodyKind, { file: rng.alnum(10) });
      headers = enc.headers;
      body = enc.body;
    }
  } else if (route?.special === 'settings-patch' && reachable) {
    // Anything that is not an object: it must be refused, or (empty) change nothing.
    bodyKind = rng.pick<BodyKind>(['json-scalar', 'json-invalid', 'json-empty', 'none', 'text', 'xml', 'octet', 'multipart', 'multipart-malformed', 'json-oversize']);
    const enc = encodeBody(rng, bodyKind, buildParams(rng, route.fields(c), { mustBreak: false, stringOnly: false }).params);
    headers = enc.headers;
    body = enc.body;
    oversize = enc.oversize;
    tags.push('settings-patch:not-an-object');
    expectRefused = false; // an empty body is a valid no-op
  } else {
    const mutatingReachable = !!route && route.mutating && reachable;
    // Encode, then check the encoding is safe for the endpoint; if not, fall back to one that is.
    for (let attempt = 0; ; attempt++) {
      const carries = hasBody ? carriesOf(bodyKind, SURFACE) : 'none';
      const mustBreak = mutatingReachable && route?.breakable === true && carries !== 'none';
      const built = buildParams(rng, route ? route.fields(c) : [], { mustBreak, stringOnly: carries === 'strings', huge: bodyKind === 'json-huge' });
      if (mustBreak && !built.broken) throw new Error(`no break for ${route?.method} ${route?.path}`);
      const enc = hasBody || bodyKind !== 'none' ? encodeBody(rng, bodyKind, built.params) : undefined;
      const safe = !mutatingReachable || !hasBody || carries !== 'none' || (enc?.alwaysRefused ?? false) || (route?.emptyOk ?? false);
      if (safe) {
        tags.push(...built.tags);
        headers = enc?.headers ?? {};
        body = enc?.body;
        oversize = enc?.oversize ?? false;
        break;
      }
      if (attempt > 3) throw new Error(`unsafe On-Prem request ${method} ${path}`);
      bodyKind = 'json';
      tags.push('body-kind-forced');
    }
  }

  tags.push(`auth:${auth.kind}`);
  const query = rng.chance(0.1) ? queryString(junkQuery(rng)) : '';
  return {
    index,
    surface: SURFACE,
    endpoint: route ? `${method} /v1/${route.path}` : dep.ref ? `(unrouted) ${method}` : `(unknown deployment) ${method}`,
    method,
    path: query ? `${path}?${query}` : path,
    headers: { ...auth.headers, ...headers },
    ...(body !== undefined && { body }),
    bodyKind,
    tags,
    expectRefused,
    oversize,
  };
}

async function certificateOf(fx: FuzzFixture, id: string): Promise<string> {
  return (await fx.tp.control<{ certificate: string }>('GET', `phone-numbers/${id}/certificate`)).certificate;
}

defineFuzzSuite<FuzzFixture>({
  surface: SURFACE,
  seed: SEED,
  count: COUNT,
  only: ONLY,
  setup: setupFixture,
  targets: snapshotTargets,
  prepare: async (fx) => {
    const c: Ctx = {
      fx,
      certs: { onprem: await certificateOf(fx, fx.numbers.onprem.id), cloud: await certificateOf(fx, fx.numbers.cloud.id), demo: await certificateOf(fx, fx.demo.onpremPhoneNumberId) },
    };
    return (index) => generate(c, index);
  },
  teardown: (fx) => fx.stop(),
});
