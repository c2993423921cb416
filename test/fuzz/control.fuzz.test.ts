/**
 * Control API fuzz (issue 8): malformed requests against every `/_switchboard/...` endpoint →
 * no 5xx, no hang, Graph's error envelope, nothing changed.
 *
 * Every request that reaches a state-changing endpoint carries a broken body field; endpoints that
 * take no body (subscribe an app, approve/reject a display name, delete a WABA) only get ids that
 * are refused; `POST /sink/{name}` (records anything) only gets bodies a parser refuses; `reset`,
 * `tokens` and `PATCH settings` never get a body that could arrive empty. `webhook-deliveries/flush`
 * is fuzzed as read-only (nothing is pending). See README.md.
 *
 * A second phase starts a platform whose control API requires a token and sends control requests
 * — valid ones included — without it, with path spellings the router treats alike
 * (`/%5Fswitchboard/...`): all must be refused and nothing may change.
 */
import { TestPlatform, type TestPlatformOptions } from '../support/platform.js';
import { setupFixture, snapshotTargets, type FuzzFixture } from './fixture.js';
import {
  basicAuth,
  buildParams,
  carriesOf,
  encodeBody,
  invalidId,
  junkQuery,
  malformedAuthorization,
  nastyString,
  numberish,
  onlyFromEnv,
  overlongSegment,
  pathSegment,
  pickBodyKind,
  queryString,
  Rng,
  scaleFromEnv,
  seedFromEnv,
  stringify,
  traversal,
  type BodyKind,
  type EncodedBody,
  type FieldSpec,
} from './generators.js';
import { defineFuzzSuite, settleWebhooks, type FuzzRequest } from './harness.js';

const SURFACE = 'control';
const SEED = seedFromEnv();
const COUNT = Math.round(800 * scaleFromEnv());
const GUARDED_COUNT = Math.round(250 * scaleFromEnv());
const ONLY = onlyFromEnv();
const P = '/_switchboard';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type IdPicker = (rng: Rng, fx: FuzzFixture) => string;

interface ControlRoute {
  method: Method;
  /** After `/_switchboard`, with `:param`s. */
  pattern: string;
  mutating: boolean;
  /** A body field can make every request invalid. */
  breakable: boolean;
  /** A body that arrives empty ({} / undefined) is refused, or (noop) changes nothing. */
  emptyOk: boolean;
  /** An empty body is a valid no-op answering 200 (PATCH with nothing to change). */
  emptyNoop?: boolean;
  /** Anything that reaches the handler changes state: only bodies a parser refuses may be sent. */
  onlyRefusedBodies?: boolean;
  /** Path ids that make a body-less mutating endpoint refuse (unbreakable endpoints). */
  safeIds?: (ids: Record<string, string>, fx: FuzzFixture) => boolean;
  params?: Record<string, IdPicker>;
  fields?: (fx: FuzzFixture) => FieldSpec[];
  query?: (fx: FuzzFixture) => FieldSpec[];
  weight: number;
}

// ---- values --------------------------------------------------------------------------------------

const bad =
  (strings: readonly string[], others: readonly unknown[] = []) =>
  (rng: Rng, stringOnly: boolean): unknown =>
    stringOnly || others.length === 0 || rng.chance(0.55) ? rng.pick(strings) : rng.pick(others);
const jsonBad = (others: readonly unknown[]) => (rng: Rng): unknown => rng.pick(others);
const f = (name: string, plausible: (rng: Rng) => unknown, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, plausible, ...extra });

const badBool = bad(['true', 'false', 'yes', '', '1'], [1, 0, null, [], {}]);
const badUrl = bad(['ftp://example.com/x', 'javascript:alert(1)', 'not a url', '', '//example.com', 'http//x', 'file:///etc/passwd', 'http://'], [1, true, [], {}]);
const nonString = jsonBad([5, true, [], {}, { a: 1 }]);
const idBad = bad(['abc', '-1', '', '1.5', ' 1', '１２３'], [1, null, [], {}]);

const pickId =
  (choices: (fx: FuzzFixture) => readonly string[]): IdPicker =>
  (rng, fx) =>
    rng.chance(0.8) ? rng.pick(choices(fx)) : invalidId(rng);
const business = pickId((fx) => [fx.world.partnerId, fx.world.businessId, fx.demo.businessId, fx.demo.partnerBusinessId]);
const waba = pickId((fx) => [fx.world.wabaId, fx.other.wabaId, fx.demo.wabaId]);
const app = pickId((fx) => [fx.world.appId, fx.other.appId, fx.demo.appId]);
const number = pickId((fx) => [fx.numbers.cloud.id, fx.numbers.unregistered.id, fx.numbers.onprem.id, fx.numbers.other.id, fx.demo.phoneNumberId, fx.demo.onpremPhoneNumberId]);
const consumer = pickId((fx) => [fx.demo.consumerWaId, '16505551234']);
const message = pickId((fx) => [fx.messageId, 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI']);
const template = pickId((fx) => [fx.templateId, fx.otherTemplateId]);
const deployment = pickId((fx) => Object.values(fx.deployments).map((d) => d.id));
const delivery: IdPicker = (rng) => rng.pick(['1', '2', '3', '0', '-1', 'abc', '1e400', '1.5', '9007199254740993', 'flush', invalidId(rng)]);
const sink: IdPicker = (rng) => rng.pick(['demo', 'demo-onprem', 'x', pathSegment(nastyString(rng)) || 'y']);

const limit = f('limit', (rng) => rng.pick([1, 10, 500, 501, '5']), { bad: bad(['0', '-1', 'abc', '1.5', '1e400', '']) });

const ROUTES: readonly ControlRoute[] = [
  { method: 'GET', pattern: '/health', mutating: false, breakable: true, emptyOk: true, weight: 0.5 },
  { method: 'GET', pattern: '/state', mutating: false, breakable: true, emptyOk: true, weight: 0.5 },
  { method: 'GET', pattern: '/demo', mutating: false, breakable: true, emptyOk: true, weight: 0.3 },
  {
    method: 'POST',
    pattern: '/businesses',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 2,
    fields: () => [
      f('name', (rng) => rng.pick(['Fuzz Business', nastyString(rng)]), { required: true, bad: bad([''], [5, null, [], {}, true]) }),
      f('verification_status', (rng) => rng.pick(['verified', 'pending']), { bad: bad(['VERIFIED', 'unknown', '', 'verified '], [1, null]) }),
      f('tos_accepted', () => true, { bad: badBool }),
      f('id', (rng) => rng.digits(15), { bad: idBad }),
    ],
  },
  {
    method: 'PATCH',
    pattern: '/businesses/:id',
    mutating: true,
    breakable: true,
    emptyOk: true,
    emptyNoop: true,
    weight: 1.5,
    params: { id: business },
    fields: () => [f('verification_status', () => 'rejected', { bad: bad(['VERIFIED', 'unknown', ''], [1, null]) }), f('tos_accepted', () => false, { bad: badBool })],
  },
  {
    method: 'POST',
    pattern: '/wabas',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 2,
    fields: (fx) => [
      f('name', () => 'Fuzz WABA', { required: true, bad: bad([''], [5, null, []]) }),
      f('owner_business_id', (rng) => rng.pick([fx.world.businessId, invalidId(rng)]), { required: true, bad: nonString, jsonOnlyBad: true }),
      f('partner_business_id', () => fx.world.partnerId, { bad: nonString, jsonOnlyBad: true }),
      f('review_status', () => 'APPROVED', { bad: bad(['approved', 'X', ''], [1, null]) }),
      f('payment_method', () => 'card', { bad: nonString, jsonOnlyBad: true }),
      f('template_limit', (rng) => rng.pick([0, 250]), { bad: bad(['5', 'abc', ''], [-1, 1.5, null]) }),
      f('currency', () => 'USD', { bad: bad(['US', 'USDX', ''], [840, null]) }),
      f('timezone_id', () => '1', { bad: nonString, jsonOnlyBad: true }),
      f('id', (rng) => rng.digits(15), { bad: idBad }),
    ],
  },
  {
    method: 'PATCH',
    pattern: '/wabas/:id',
    mutating: true,
    breakable: true,
    emptyOk: true,
    emptyNoop: true,
    weight: 1.5,
    params: { id: waba },
    fields: (fx) => [
      f('review_status', () => 'REJECTED', { bad: bad(['approved', 'X', ''], [1, null]) }),
      f('payment_method', () => null, { bad: nonString, jsonOnlyBad: true }),
      f('template_limit', () => 0, { bad: bad(['5', 'abc', ''], [-1, 1.5, null]) }),
      f('partner_business_id', () => fx.other.partnerId, { bad: nonString, jsonOnlyBad: true }),
    ],
  },
  {
    method: 'POST',
    pattern: '/apps',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 1.5,
    fields: (fx) => [
      f('name', () => 'Fuzz App', { required: true, bad: bad([''], [5, null]) }),
      f('business_id', () => fx.world.partnerId, { required: true, bad: nonString, jsonOnlyBad: true }),
      f('app_secret', (rng) => rng.alnum(12), { bad: bad(['short', ''], [12345678, null]) }),
      f('callback_url', () => 'ftp://never.example', { bad: badUrl }),
      f('verify_token', () => 'x', { bad: nonString, jsonOnlyBad: true }),
      f('subscribed_fields', () => ['messages'], { bad: bad(['messages', ''], [[1], {}, [null], 5]) }),
      f('skip_verification', () => true, { bad: badBool }),
      f('id', (rng) => rng.digits(15), { bad: idBad }),
    ],
  },
  {
    method: 'PATCH',
    pattern: '/apps/:id',
    mutating: true,
    breakable: true,
    emptyOk: true,
    emptyNoop: true,
    weight: 1.5,
    params: { id: app },
    fields: () => [
      f('callback_url', () => 'ftp://never.example', { bad: badUrl }),
      f('verify_token', () => 'x', { bad: nonString, jsonOnlyBad: true }),
      f('subscribed_fields', () => ['messages'], { bad: bad(['messages', ''], [[1], {}, [null], 5]) }),
      f('skip_verification', () => true, { bad: badBool }),
    ],
  },
  {
    method: 'POST',
    pattern: '/wabas/:id/subscribed_apps/:appId',
    mutating: true,
    breakable: false,
    emptyOk: false,
    weight: 1,
    params: { id: waba, appId: app },
    // Refused unless both the WABA and the app exist.
    safeIds: (ids, fx) => ![fx.world.wabaId, fx.other.wabaId, fx.demo.wabaId].includes(ids['id'] ?? '') || ![fx.world.appId, fx.other.appId, fx.demo.appId].includes(ids['appId'] ?? ''),
  },
  {
    method: 'POST',
    pattern: '/tokens',
    mutating: true,
    breakable: true,
    emptyOk: false,
    weight: 2,
    fields: (fx) => [
      f('app_id', () => fx.world.appId, { bad: jsonBad([5, [], {}, true]), jsonOnlyBad: true }),
      f('business_ids', () => [fx.world.partnerId], { bad: bad(['x', ''], [[1], {}, 'x', [null]]) }),
      f('waba_ids', () => [fx.world.wabaId], { bad: bad(['x', ''], [[1], {}, [null]]) }),
      f('permissions', () => ['whatsapp_business_messaging'], { bad: bad(['whatsapp_business_management', 'admin', ''], [['admin'], [1], {}, ['WHATSAPP_BUSINESS_MESSAGING']]) }),
      f('expires_in_seconds', () => 60, { bad: bad(['60', '', ' 1'], [-1, 0, 1.5]) }),
      f('label', () => 'fuzz', { bad: jsonBad([5, [], {}, true]), jsonOnlyBad: true }),
    ],
  },
  {
    method: 'POST',
    pattern: '/phone-numbers',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 2,
    fields: (fx) => [
      f('waba_id', () => fx.world.wabaId, { required: true, bad: nonString, jsonOnlyBad: true }),
      f('cc', () => '1', { required: true, bad: bad(['+1', '1234', '', 'a'], [1, null]) }),
      f('phone_number', (rng) => rng.pick([fx.numbers.cloud.phone_number, '6505559999']), { required: true, bad: bad(['123', 'abc', '', '1'.repeat(15)], [6505550000, null]) }),
      f('verified_name', () => 'Fuzz Shop', { required: true, bad: bad(['x', 'y'.repeat(76), ''], [5, null]) }),
      f('quality_rating', () => 'GREEN', { bad: bad(['green', 'BLUE', ''], [1]) }),
      f('throughput_level', () => 'HIGH', { bad: bad(['high', 'MEDIUM'], [1]) }),
      f('code_verified', () => true, { bad: badBool }),
      f('register_pin', () => '123456', { bad: bad(['12345', 'abcdef', ''], [123456]) }),
      f('is_test_number', () => false, { bad: badBool }),
      f('profile', () => ({ about: 'x' }), { bad: bad(['x', ''], [[], 5]) }),
      f('id', (rng) => rng.digits(15), { bad: idBad }),
    ],
  },
  { method: 'GET', pattern: '/phone-numbers/:id', mutating: false, breakable: true, emptyOk: true, weight: 1, params: { id: number } },
  {
    method: 'PATCH',
    pattern: '/phone-numbers/:id',
    mutating: true,
    breakable: true,
    emptyOk: true,
    emptyNoop: true,
    weight: 2,
    params: { id: number },
    fields: () => [
      f('name_status', () => 'DECLINED', { bad: nonString, jsonOnlyBad: true }),
      f('quality_rating', () => 'RED', { bad: bad(['green', 'BLUE', ''], [1]) }),
      f('messaging_limit_tier', () => 'TIER_1K', { bad: nonString, jsonOnlyBad: true }),
      f('is_official_business_account', () => false, { bad: badBool }),
      f('throughput_level', () => 'HIGH', { bad: bad(['high', 'MEDIUM'], [1]) }),
      f('two_step_enabled', () => false, { bad: badBool }),
      f('pin', () => '654321', { bad: bad(['12345', 'abcdef', ''], [123456]) }),
      f('is_test_number', () => true, { bad: badBool }),
      f('is_on_biz_app', () => true, { bad: badBool }),
      f('signup_at', () => 0, { bad: bad(['1', 'abc'], [1.5, null]) }),
    ],
  },
  {
    method: 'POST',
    pattern: '/phone-numbers/:id/display-name',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 1,
    params: { id: number },
    fields: () => [f('verified_name', () => 'New Name', { required: true, bad: bad(['x', 'y'.repeat(76), ''], [5, null]) })],
  },
  {
    method: 'POST',
    pattern: '/phone-numbers/:id/display-name/approve',
    mutating: true,
    breakable: false,
    emptyOk: false,
    weight: 0.7,
    params: { id: number },
    safeIds: (ids, fx) => !knownNumbers(fx).includes(ids['id'] ?? ''),
  },
  {
    method: 'POST',
    pattern: '/phone-numbers/:id/display-name/reject',
    mutating: true,
    breakable: false,
    emptyOk: false,
    weight: 0.7,
    params: { id: number },
    safeIds: (ids, fx) => !knownNumbers(fx).includes(ids['id'] ?? ''),
  },
  { method: 'GET', pattern: '/phone-numbers/:id/certificate', mutating: false, breakable: true, emptyOk: true, weight: 0.7, params: { id: number } },
  {
    method: 'POST',
    pattern: '/consumers',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 1.5,
    fields: () => [
      f('wa_id', () => '16505551234', { required: true, bad: bad(['abc', '12345', '1'.repeat(16), ''], [16505551234, null]) }),
      f('name', () => 'Fuzz Consumer', { required: true, bad: bad([''], [5, null]) }),
      f('online', () => true, { bad: badBool }),
      f('auto_read', () => true, { bad: badBool }),
    ],
  },
  {
    method: 'PATCH',
    pattern: '/consumers/:waId',
    mutating: true,
    breakable: true,
    emptyOk: true,
    emptyNoop: true,
    weight: 1.2,
    params: { waId: consumer },
    fields: () => [f('name', () => 'Renamed', { bad: bad([''], [5, null]) }), f('online', () => false, { bad: badBool }), f('auto_read', () => true, { bad: badBool })],
  },
  {
    method: 'POST',
    pattern: '/inbound',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 2.5,
    fields: (fx) => [
      f('phone_number_id', (rng) => rng.pick([fx.numbers.cloud.id, fx.numbers.onprem.id, fx.numbers.unregistered.id]), { required: true, bad: nonString, jsonOnlyBad: true }),
      f('from', () => '16505551234', { required: true, bad: bad(['abc', '123', '', '+16505551234'], [16505551234, null]) }),
      f('name', () => 'Kerry', { bad: nonString, jsonOnlyBad: true }),
      f('type', (rng) => rng.pick(['text', 'voice', 'location', 'interactive']), { bad: bad(['TEXT', 'gif', ''], [1, null]) }),
      f('text', () => ({ body: 'hi' }), { bad: bad(['hi', ''], [{ body: '' }, { body: 5 }, [], 5, { body: 'x'.repeat(4097) }]) }),
      f('location', () => ({ latitude: 1, longitude: 2 }), { bad: bad(['x'], [{ latitude: '1', longitude: 2 }, {}]) }),
      f('reaction', () => ({ message_id: fx.messageId, emoji: '👍' }), { bad: bad(['x'], [{}, { message_id: 1 }]) }),
      f('interactive', () => ({ type: 'button_reply' }), { bad: bad(['x'], [[], 5]) }),
      f('context_message_id', () => fx.messageId, { bad: nonString, jsonOnlyBad: true }),
    ],
  },
  { method: 'GET', pattern: '/messages', mutating: false, breakable: true, emptyOk: true, weight: 1, query: (fx) => [f('phone_number_id', () => fx.numbers.cloud.id), f('wa_id', () => fx.demo.consumerWaId), limit] },
  {
    method: 'POST',
    pattern: '/messages/:id/status',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 1.2,
    params: { id: message },
    fields: () => [f('status', (rng) => rng.pick(['delivered', 'read']), { required: true, bad: bad(['DELIVERED', 'sent', 'failed', ''], [1, null]) })],
  },
  {
    method: 'POST',
    pattern: '/templates/:id/status',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 1.2,
    params: { id: template },
    fields: () => [f('status', () => 'PAUSED', { required: true, bad: bad(['approved', 'X', ''], [1, null]) }), f('reason', () => 'x', { bad: nonString, jsonOnlyBad: true })],
  },
  {
    method: 'POST',
    pattern: '/templates/:id/quality',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 1,
    params: { id: template },
    fields: () => [f('quality_score', () => 'RED', { required: true, bad: bad(['green', 'BLUE', ''], [1, null]) })],
  },
  { method: 'GET', pattern: '/code-inbox', mutating: false, breakable: true, emptyOk: true, weight: 0.8, query: (fx) => [f('phone_number_id', () => fx.numbers.onprem.id), f('phone_number', () => '+1 555'), limit] },
  { method: 'GET', pattern: '/inbound-drops', mutating: false, breakable: true, emptyOk: true, weight: 0.6, query: (fx) => [f('phone_number_id', () => fx.numbers.cloud.id), limit] },
  { method: 'GET', pattern: '/settings', mutating: false, breakable: true, emptyOk: true, weight: 0.4 },
  {
    method: 'PATCH',
    pattern: '/settings',
    mutating: true,
    breakable: true,
    emptyOk: false,
    weight: 1.5,
    fields: () => [
      f('downtime_ms', () => 0, { bad: bad(['5', '', ' 1'], [-1, 60_001, 1.5, null]) }),
      f('graph_rate_limits', () => true, { bad: bad(['false', 'true', ''], [0, 1, null]) }),
      f('backup_kdf_cost', () => 12, { bad: bad(['8', '', '12'], [3, 15, 4.5, -1, null]) }),
      // `.strict()`: any unknown key is refused.
      f('x_unknown_setting', () => 1, { bad: bad(['x']) }),
    ],
  },
  { method: 'GET', pattern: '/migrations', mutating: false, breakable: true, emptyOk: true, weight: 0.8, query: (fx) => [f('phone_number_id', () => fx.numbers.cloud.id), f('waba_id', () => fx.world.wabaId)] },
  { method: 'GET', pattern: '/billing/:wabaId', mutating: false, breakable: true, emptyOk: true, weight: 0.8, params: { wabaId: waba }, query: () => [f('since', () => 0, { bad: bad(['abc', '1.5', '']) }), f('until', (rng) => rng.pick([Date.now(), numberish(rng)]))] },
  {
    method: 'POST',
    pattern: '/onprem/deployments',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 1.5,
    fields: (fx) => [
      f('id', (rng) => rng.pick([`fuzz-${rng.digits(6)}`, fx.deployments.demo.id]), { required: true, bad: bad(['UPPER', '-x', 'a_b', '', 'x'.repeat(64), 'a b', 'a/b'], [5, null]) }),
      f('admin_password', () => 'Passw0rd-Fuzz', { bad: bad(['short', 'x'.repeat(65)], [12345678, null]) }),
      f('webhook_url', () => 'ftp://never.example', { bad: badUrl }),
      f('port', () => 0, { bad: bad(['0', '8080', ''], [-1, 65_536, 1.5, null]) }),
    ],
  },
  {
    method: 'POST',
    pattern: '/onprem/bulk',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 1.5,
    fields: (fx) => [
      f('waba_id', () => fx.world.wabaId, { required: true, bad: bad(['abc', '', '1.5'], [5, null, [], {}]) }),
      f('count', (rng) => rng.pick([1, 2, 1000]), { required: true, bad: bad(['3', ''], [0, -1, 1001, 2.5, null, []]) }),
      f('cc', () => '1', { required: true, bad: bad(['+1', '1234', '', 'a'], [1, null]) }),
      f('first_phone_number', (rng) => rng.pick(['6505560000', fx.numbers.cloud.phone_number]), { required: true, bad: bad(['123', 'abc', '', '1'.repeat(15), '555-0100'], [6505550000, null]) }),
      f('deployment_prefix', (rng) => `fuzz-bulk-${rng.digits(6)}-`, { required: true, bad: bad(['UPPER', '-x', 'a_b', '', 'x'.repeat(41), 'a b', 'a/b'], [5, null]) }),
      f('admin_password', () => 'Passw0rd-Fuzz', { required: true, bad: bad(['short', 'x'.repeat(65)], [12345678, null]) }),
      f('pin', () => '123456', { required: true, bad: bad(['12345', 'abcdef', ''], [123456, null]) }),
      f('verified_name', () => 'Fuzz Shop', { required: true, bad: bad(['x', 'y'.repeat(76), ''], [5, null]) }),
      f('is_official_business_account', () => true, { bad: badBool }),
      f('webhook_url', () => 'https://never.example/hook', { bad: badUrl }),
    ],
  },
  { method: 'GET', pattern: '/onprem/deployments', mutating: false, breakable: true, emptyOk: true, weight: 0.5 },
  { method: 'GET', pattern: '/onprem/deployments/:id', mutating: false, breakable: true, emptyOk: true, weight: 0.7, params: { id: deployment } },
  { method: 'GET', pattern: '/webhook-deliveries', mutating: false, breakable: true, emptyOk: true, weight: 0.8, query: (fx) => [f('status', (rng) => rng.pick(['pending', 'delivered', 'dead'])), f('app_id', () => fx.world.appId), f('field', () => 'messages'), f('phone_number_id', () => fx.numbers.cloud.id), limit] },
  { method: 'GET', pattern: '/webhook-deliveries/:id', mutating: false, breakable: true, emptyOk: true, weight: 0.8, params: { id: delivery } },
  // Nothing is pending (the snapshot flushes first), so a flush changes nothing.
  { method: 'POST', pattern: '/webhook-deliveries/flush', mutating: false, breakable: true, emptyOk: true, weight: 0.5 },
  { method: 'GET', pattern: '/clock', mutating: false, breakable: true, emptyOk: true, weight: 0.4 },
  {
    method: 'POST',
    pattern: '/clock/advance',
    mutating: true,
    breakable: true,
    emptyOk: true,
    weight: 1.2,
    fields: () => [f('seconds', () => 3600, { bad: bad(['5', '', ' 1'], [-1, null, [], {}]) }), f('ms', () => 1000, { bad: bad(['5', ''], [1.5, -1, null]) })],
  },
  { method: 'POST', pattern: '/reset', mutating: true, breakable: true, emptyOk: false, weight: 1.2, fields: () => [f('seed', (rng) => rng.pick(['demo', 'empty']), { bad: bad(['DEMO', '', 'full', 'Demo', 'empty '], [5, null, [], {}, true]) })] },
  { method: 'GET', pattern: '/sink/:name', mutating: false, breakable: true, emptyOk: true, weight: 0.8, params: { name: sink }, query: () => [f('hub.mode', () => 'subscribe'), f('hub.challenge', (rng) => rng.pick(['12345', nastyString(rng)])), f('hub.verify_token', () => 'x'), limit] },
  { method: 'POST', pattern: '/sink/:name', mutating: true, breakable: false, emptyOk: false, onlyRefusedBodies: true, weight: 0.6, params: { name: sink } },
  {
    method: 'DELETE',
    pattern: '/wabas/:id',
    mutating: true,
    breakable: false,
    emptyOk: false,
    weight: 1,
    params: { id: waba },
    // Every WABA of the fixture holds a number, so deleting any of them is refused.
    safeIds: () => true,
  },
];

function knownNumbers(fx: FuzzFixture): string[] {
  return [fx.numbers.cloud.id, fx.numbers.unregistered.id, fx.numbers.onprem.id, fx.numbers.other.id, fx.demo.phoneNumberId, fx.demo.unregisteredPhoneNumberId, fx.demo.onpremPhoneNumberId];
}

const JUNK_PATHS = ['', '/', '/unknown', '/state/x', '/reset/now', '/tokens/1', '/../v23.0/me', '/%2e%2e/%2e%2e/etc/passwd', '/__proto__', '/constructor', '/SETTINGS', '/Reset', '/health%00', '/phone-numbers', '/businesses/', '/onprem', '/sink', '/clock/advance/x'];

// ---- resolution -------------------------------------------------------------------------------

interface Resolved {
  route: ControlRoute;
  ids: Record<string, string>;
}

const compiled = ROUTES.map((route) => ({ route, names: [...route.pattern.matchAll(/:(\w+)/g)].map((m) => m[1] as string), segments: route.pattern.split('/').slice(1) }));

/** The route a method and raw path reach: segments split on raw `/`, then percent-decoded (as find-my-way does). */
function resolve(path: string, method: string): Resolved | undefined {
  let raw = path.split('?')[0] ?? '';
  if (raw.length > 1 && raw.endsWith('/')) raw = raw.slice(0, -1);
  const parts = raw.split('/').slice(1).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  if (parts[0] !== '_switchboard') return undefined;
  const rest = parts.slice(1);
  const m = method === 'HEAD' ? 'GET' : method;
  // Static routes win over parametric ones.
  const candidates = compiled
    .filter((c) => c.route.method === m && c.segments.length === rest.length && c.segments.every((s, i) => s.startsWith(':') || s === rest[i]))
    .sort((a, b) => a.names.length - b.names.length);
  const hit = candidates[0];
  if (!hit) return undefined;
  const ids: Record<string, string> = {};
  hit.segments.forEach((s, i) => {
    if (s.startsWith(':')) ids[s.slice(1)] = rest[i] ?? '';
  });
  return { route: hit.route, ids };
}

function buildPath(route: ControlRoute, rng: Rng, fx: FuzzFixture, forceInvalidIds = false): { path: string; ids: Record<string, string> } {
  const ids: Record<string, string> = {};
  const path = route.pattern.replace(/:(\w+)/g, (_m, name: string) => {
    const picker = route.params?.[name];
    const id = forceInvalidIds || !picker ? invalidId(rng) : picker(rng, fx);
    ids[name] = id;
    return pathSegment(id);
  });
  return { path: `${P}${path}`, ids };
}

// ---- one request (open control API) ------------------------------------------------------------

function generate(fx: FuzzFixture, index: number): FuzzRequest {
  const rng = Rng.forRequest(SEED, SURFACE, index);
  const tags: string[] = [];
  const spec = rng.weighted(ROUTES.map((r) => [r, r.weight] as const));
  const mode = rng.weighted<'route' | 'other-method' | 'junk'>([
    ['route', 80],
    ['other-method', 11],
    ['junk', 9],
  ]);
  let method: string = spec.method;
  let { path } = buildPath(spec, rng, fx);
  if (mode === 'other-method') method = rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].filter((m) => m !== spec.method));
  if (mode === 'junk') {
    method = rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
    path = `${P}${rng.pick([...JUNK_PATHS, `/${traversal(rng)}`, `/${overlongSegment(rng)}`, `/phone-numbers/${overlongSegment(rng)}`])}`;
  }
  if (mode === 'route' && spec.method === 'GET' && rng.chance(0.05)) method = 'HEAD';
  const shape = rng.weighted<string>([
    ['plain', 90],
    ['trailing-slash', 4],
    ['double-slash', 2],
    ['encoded', 4],
  ]);
  if (shape === 'trailing-slash') path += '/';
  if (shape === 'double-slash') path = path.replace(`${P}/`, `${P}//`);
  if (shape === 'encoded') path = path.replace(/[a-z]/g, (ch) => (rng.chance(0.2) ? `%${ch.charCodeAt(0).toString(16)}` : ch));
  if (mode !== 'route') tags.push(mode);
  if (shape !== 'plain') tags.push(`shape:${shape}`);

  let resolved = resolve(path, method);
  // A body-less state-changing endpoint must get ids it refuses.
  if (resolved?.route.safeIds && !resolved.route.safeIds(resolved.ids, fx)) {
    path = buildPath(resolved.route, rng, fx, true).path;
    resolved = resolve(path, method);
    tags.push('ids-forced-invalid');
  }
  const route = resolved?.route;

  const hasBody = !['GET', 'HEAD'].includes(method);
  let bodyKind: BodyKind = hasBody ? pickBodyKind(rng) : rng.chance(0.08) ? 'json' : 'none';
  if (route?.onlyRefusedBodies) tags.push('only-refused-body');
  // Encode, then check the encoding is safe for the endpoint; if not, fall back to one that is.
  let built = buildParams(rng, [], { mustBreak: false, stringOnly: false });
  let enc: EncodedBody | undefined;
  for (let attempt = 0; ; attempt++) {
    const carries = hasBody ? carriesOf(bodyKind, SURFACE) : 'none';
    const mustBreak = !!route && route.mutating && route.breakable && carries !== 'none';
    built = buildParams(rng, route?.fields?.(fx) ?? [], { mustBreak, stringOnly: carries === 'strings', huge: bodyKind === 'json-huge' });
    if (mustBreak && !built.broken) throw new Error(`no break for ${route?.method} ${route?.pattern}`);
    enc = hasBody || bodyKind !== 'none' ? encodeBody(rng, bodyKind, built.params) : undefined;
    if (!route?.mutating || !hasBody) break;
    const refused = enc?.alwaysRefused ?? false;
    // Control routes have no parser for XML, octet streams or text: 415 → 400 before any handler.
    const unparsed = ['xml', 'octet', 'text'].includes(bodyKind) && (enc?.body?.length ?? 0) > 0;
    const safe = route.onlyRefusedBodies ? refused || unparsed : !route.breakable || carries !== 'none' || refused || route.emptyOk;
    if (safe) break;
    if (attempt > 3) throw new Error(`unsafe control request ${method} ${path}`);
    bodyKind = route.onlyRefusedBodies ? rng.pick<BodyKind>(['json-invalid', 'xml', 'octet']) : rng.pick<BodyKind>(['json', 'form']);
    tags.push('body-kind-forced');
  }
  tags.push(...built.tags);
  const expectRefused = !route || (route.mutating && !(route.emptyNoop && (!hasBody || carriesOf(bodyKind, SURFACE) === 'none')));

  // Query: the route's filters (GET), or junk (anywhere).
  const query: [string, string][] = [];
  if (route?.query && !route.mutating) {
    const q = buildParams(rng, route.query(fx), { mustBreak: false, stringOnly: true });
    for (const [k, v] of Object.entries(q.params)) {
      const text = stringify(v);
      if (text.length < 3000) query.push([k, text]);
    }
    if (query.length > 0 && rng.chance(0.15)) query.push([rng.pick(query)[0], 'dup']);
  }
  if (rng.chance(0.12)) query.push(...junkQuery(rng));
  const headers: Record<string, string> = { ...(enc?.headers ?? {}) };
  // The open control API takes no token; send some anyway.
  if (rng.chance(0.1)) headers['authorization'] = rng.pick([malformedAuthorization(rng), `Bearer ${fx.tokens.full}`, basicAuth('admin', 'x')]);
  const qs = queryString(query);
  return {
    index,
    surface: SURFACE,
    endpoint: route ? `${method} ${route.pattern}` : `(unrouted) ${method}`,
    method,
    path: qs ? `${path}?${qs}` : path,
    headers,
    ...(enc?.body !== undefined && { body: enc.body }),
    bodyKind,
    tags,
    expectRefused,
    oversize: enc?.oversize ?? false,
  };
}

defineFuzzSuite<FuzzFixture>({
  surface: SURFACE,
  seed: SEED,
  count: COUNT,
  only: ONLY,
  setup: setupFixture,
  targets: snapshotTargets,
  prepare: async (fx) => (index) => generate(fx, index),
  teardown: (fx) => fx.stop(),
});

// ---- phase 2: a control API that requires a token ------------------------------------------------

const CONTROL_TOKEN = 'fuzz-control-token-0123456789abcdef';

interface GuardedFixture {
  tp: TestPlatform;
  demo: { wabaId: string; phoneNumberId: string; appId: string; businessId: string; consumerWaId: string };
  /** The build has a control token guard (issue 8); without one this phase sends nothing. */
  guarded: boolean;
}

/** Spellings of the control prefix that the router resolves to `/_switchboard`. */
const PREFIX_SPELLINGS = ['/_switchboard', '/%5Fswitchboard', '/%5fswitchboard', '/_%73witchboard', '/%5F%73%77%69%74%63%68%62%6F%61%72%64', '/_switchboar%64'];

/** Requests that would change state (or leak the demo token) if the guard let them through. */
const GUARDED_TARGETS: readonly { method: string; path: string; body?: unknown }[] = [
  { method: 'POST', path: '/reset', body: {} },
  { method: 'POST', path: '/reset', body: { seed: 'empty' } },
  { method: 'POST', path: '/tokens', body: {} },
  { method: 'POST', path: '/businesses', body: { name: 'Intruder' } },
  { method: 'PATCH', path: '/settings', body: { downtime_ms: 60_000 } },
  { method: 'POST', path: '/clock/advance', body: { seconds: 86_400 } },
  { method: 'POST', path: '/consumers', body: { wa_id: '16505550000', name: 'Intruder' } },
  { method: 'POST', path: '/onprem/deployments', body: { id: 'intruder' } },
  { method: 'GET', path: '/demo' },
  { method: 'GET', path: '/state' },
  { method: 'GET', path: '/code-inbox' },
];

function generateGuarded(fx: GuardedFixture, index: number): FuzzRequest | undefined {
  if (!fx.guarded) return undefined;
  const rng = Rng.forRequest(SEED, 'control-guarded', index);
  const target = rng.pick(GUARDED_TARGETS);
  const prefix = rng.weighted<string>([
    ['/_switchboard', 4],
    [rng.pick(PREFIX_SPELLINGS.slice(1)), 5],
  ]);
  let tail = target.path;
  if (rng.chance(0.2)) tail = tail.replace(/[a-z]/, (ch) => `%${ch.charCodeAt(0).toString(16)}`);
  if (rng.chance(0.1)) tail += '/';
  const auth = rng.weighted<Record<string, string>>([
    [{}, 4],
    [{ authorization: `Bearer ${CONTROL_TOKEN.slice(0, -1)}` }, 1],
    [{ authorization: `Bearer ${CONTROL_TOKEN}x` }, 1],
    [{ authorization: `bearer ${CONTROL_TOKEN}` }, 1],
    [{ authorization: `Basic ${Buffer.from(`admin:${CONTROL_TOKEN}`).toString('base64')}` }, 1],
    [{ 'x-switchboard-token': CONTROL_TOKEN.toUpperCase() }, 1],
    [{ authorization: malformedAuthorization(rng) }, 1],
  ]);
  const body = target.body === undefined ? undefined : Buffer.from(JSON.stringify(target.body));
  return {
    index,
    surface: SURFACE,
    endpoint: `(no valid token) ${target.method} ${target.path} via ${prefix === '/_switchboard' ? 'plain prefix' : 'encoded prefix'}`,
    method: target.method,
    path: `${prefix}${tail}`,
    headers: { ...auth, ...(body && { 'content-type': 'application/json' }) },
    ...(body && { body }),
    bodyKind: body ? 'json' : 'none',
    tags: [`prefix:${prefix}`],
    expectRefused: true,
    oversize: false,
  };
}

defineFuzzSuite<GuardedFixture>({
  surface: SURFACE,
  title: 'control fuzz, token-guarded',
  seed: SEED,
  count: GUARDED_COUNT,
  only: undefined,
  setup: async () => {
    // `control` is the guard's option (issue 8); builds without it ignore the property.
    const options = { seedDemo: true, graphRateLimits: false, control: { mode: 'token' as const, token: CONTROL_TOKEN } };
    const tp = await TestPlatform.start(options as TestPlatformOptions);
    const demo = await tp.platform.demo();
    if (!demo) throw new Error('demo data missing');
    const probe = await tp.request('GET', `${P}/health`);
    const guarded = probe.status === 401;
    if (!guarded) console.log('control fuzz, token-guarded: this build has no control token guard; phase skipped');
    await settleWebhooks(tp);
    return { tp, demo: { wabaId: demo.wabaId, phoneNumberId: demo.phoneNumberId, appId: demo.appId, businessId: demo.businessId, consumerWaId: demo.consumerWaId }, guarded };
  },
  targets: (fx) => ({ phoneNumberIds: [fx.demo.phoneNumberId], wabaIds: [], controlHeaders: { authorization: `Bearer ${CONTROL_TOKEN}` } }),
  prepare: async (fx) => (index) => generateGuarded(fx, index),
  teardown: (fx) => fx.tp.stop(),
});
