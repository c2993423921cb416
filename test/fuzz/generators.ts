/**
 * Seeded generators of malformed HTTP requests for the fuzz suites (issue 8).
 *
 * Everything random comes from one PRNG (mulberry32) seeded by `FUZZ_SEED` (decimal, 0x-hex, or any
 * text, hashed), so a run is reproducible: request N of a surface is generated from `(seed, surface,
 * N)` alone and can be replayed with `FUZZ_ONLY=N`.
 *
 * The generators know nothing about Switchboard's routes; the suites describe their endpoints with
 * `FieldSpec`s and use `buildParams` / `encodeBody` to turn them into wire requests. Values offered as
 * *breaks* (`FieldSpec.bad`) must be invalid for the field whatever the encoding: with `stringOnly`
 * they must be strings (form, multipart and query values arrive as strings).
 */
import { mulberry32 } from '../support/prng.js';

// ------------------------------------------------------------------------------------------------
// Seed, scale, PRNG
// ------------------------------------------------------------------------------------------------

export const DEFAULT_SEED = 0x5eed_2025;

/** FNV-1a, for hashing seed text and deriving per-request seeds. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function seedFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['FUZZ_SEED']?.trim();
  if (!raw) return DEFAULT_SEED;
  if (/^\d+$/.test(raw)) return Number(raw) >>> 0;
  if (/^0x[0-9a-f]+$/i.test(raw)) return Number.parseInt(raw.slice(2), 16) >>> 0;
  return hash32(raw);
}

/** Multiplies the number of requests per suite (0.1 for a smoke run, 10 for a long one). */
export function scaleFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env['FUZZ_SCALE'] ?? '1');
  return Number.isFinite(n) && n > 0 ? n : 1;
}

/** `FUZZ_ONLY=3,17` replays only those request indices (after a failure). */
export function onlyFromEnv(env: NodeJS.ProcessEnv = process.env): Set<number> | undefined {
  const raw = env['FUZZ_ONLY']?.trim();
  if (!raw) return undefined;
  return new Set(raw.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n >= 0));
}


export class Rng {
  private readonly next: () => number;

  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }

  /** The generator of one request: independent of every other request's draws. */
  static forRequest(seed: number, surface: string, index: number): Rng {
    return new Rng(hash32(`${seed >>> 0}:${surface}:${index}`));
  }

  float(): number {
    return this.next();
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [value, w] of entries) {
      r -= w;
      if (r < 0) return value;
    }
    return (entries[entries.length - 1] as readonly [T, number])[0];
  }

  /** Calls `make` with `pick`ed arguments; sugar for "one of these generators". */
  oneOf<T>(makers: readonly (() => T)[]): T {
    return this.pick(makers)();
  }

  alnum(length: number): string {
    const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    let s = '';
    for (let i = 0; i < length; i++) s += chars[this.int(0, chars.length - 1)];
    return s;
  }

  digits(length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += String(this.int(0, 9));
    return s;
  }
}

// ------------------------------------------------------------------------------------------------
// Values
// ------------------------------------------------------------------------------------------------

/** About 1 MiB: well below the 5 MiB body limit, far above any field's maximum. */
export const HUGE_STRING_BYTES = 1024 * 1024;
/** Bodies above the platform's 5 MiB JSON body limit (test platforms use the default). */
export const BODY_LIMIT_BYTES = 5 * 1024 * 1024;

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'] as const;

/** Strings that have broken parsers, loggers, SQL and templating somewhere. */
export function nastyString(rng: Rng): string {
  return rng.oneOf<string>([
    () => '',
    () => ' ',
    () => '\t\r\n',
    () => '\u0000',
    () => `a\u0000b`,
    () => '\u0000'.repeat(rng.int(2, 64)),
    () => '😀'.repeat(rng.int(1, 300)),
    () => '👩‍👩‍👧‍👦🏳️‍🌈',
    () => '\uD800',
    () => 'x\uDFFFy',
    () => '\u202Egnp.exe',
    () => '\u200B\u200C\u200D\uFEFF',
    () => 'Z̴̡̪̫̈́͐a̸̛͍l̶̨͇g̷o̵',
    () => 'مرحبا بالعالم',
    () => '中文字符测试',
    () => 'ｆｕｌｌｗｉｄｔｈ１２３',
    () => '١٢٣٤٥٦',
    () => 'null',
    () => 'undefined',
    () => 'NaN',
    () => 'Infinity',
    () => '-Infinity',
    () => '-0',
    () => '1e999',
    () => '0x1F',
    () => '%00',
    () => '%s%s%s%n',
    () => '{{1}}{{2}}',
    () => '${7*7}#{7*7}',
    () => "' OR '1'='1' --",
    () => "'; DROP TABLE phone_numbers; --",
    () => '<script>alert(1)</script>',
    () => '../../../../etc/passwd',
    () => '..\\..\\windows\\win.ini',
    () => '\r\nX-Injected: 1',
    () => '{"a":1}',
    () => '[1,2',
    () => '{"__proto__":{"polluted":true}}',
    () => 'true',
    () => 'A'.repeat(rng.pick([256, 1025, 4097, 10_000])),
    () => rng.alnum(rng.int(1, 40)),
  ]);
}

/** Numbers and number-looking strings that are not plain non-negative integers. */
export function numberish(rng: Rng): unknown {
  return rng.oneOf<unknown>([
    () => -1,
    () => -0,
    () => 1.5,
    () => 0.1 + 0.2,
    () => 1e308,
    () => -1e308,
    () => 5e-324,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => '-1',
    () => '1.5',
    () => 'NaN',
    () => 'Infinity',
    () => '1e400',
    () => '0x10',
    () => '010',
    () => ' 1',
    () => '1 ',
    () => '+1',
    () => '１２３',
    () => '١٢٣',
    () => '9'.repeat(400),
  ]);
}

export function deepNest(rng: Rng, depth = rng.pick([50, 500, 3000])): unknown {
  let v: unknown = rng.pick([1, 'x', null, true]);
  const arrays = rng.chance(0.5);
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
}

/** An object whose own keys include `__proto__` / `constructor` (JSON.parse keeps `__proto__` as an own key). */
export function pollutedObject(rng: Rng): Record<string, unknown> {
  return rng.oneOf<Record<string, unknown>>([
    () => JSON.parse('{"__proto__":{"polluted":"yes","isAdmin":true}}') as Record<string, unknown>,
    () => ({ constructor: { prototype: { polluted: 'yes' } } }),
    () => JSON.parse('{"__proto__":null}') as Record<string, unknown>,
    () => ({ [rng.pick(PROTO_KEYS)]: nastyString(rng) }),
  ]);
}

/** Any JSON value whose type is not `expected`. */
export function wrongType(rng: Rng, expected: 'string' | 'number' | 'boolean' | 'object' | 'array'): unknown {
  const candidates: (() => unknown)[] = [];
  if (expected !== 'string') candidates.push(() => nastyString(rng), () => 'true', () => '123');
  if (expected !== 'number') candidates.push(() => rng.pick([0, -1, 1.5, 1e308, 123456, 42])); // numbers (may be valid where strings coerce)
  if (expected !== 'boolean') candidates.push(() => rng.chance(0.5));
  if (expected !== 'object') candidates.push(() => ({}), () => ({ a: 1 }), () => pollutedObject(rng));
  if (expected !== 'array') candidates.push(() => [], () => [nastyString(rng)], () => [1, 'a', null]);
  candidates.push(() => null);
  return rng.pick(candidates)();
}

/** A random JSON value of any kind (for fields whose value is not the point). */
export function anyValue(rng: Rng): unknown {
  return rng.weighted<() => unknown>([
    [() => nastyString(rng), 5],
    [() => numberish(rng), 3],
    [() => rng.chance(0.5), 1],
    [() => null, 1],
    [() => [nastyString(rng), numberish(rng)], 1],
    [() => ({ [rng.alnum(4)]: nastyString(rng) }), 1],
    [() => pollutedObject(rng), 1],
    [() => deepNest(rng, rng.pick([10, 200])), 0.5],
  ])();
}

/** Ids that name nothing: malformed, overlong, or reserved words. */
export function invalidId(rng: Rng): string {
  return rng.oneOf<string>([
    () => '0',
    () => '-1',
    () => '1.5',
    () => rng.digits(15),
    () => rng.digits(rng.int(1, 5)),
    () => '9'.repeat(rng.pick([20, 64, 400])),
    () => 'abc',
    () => 'me',
    () => 'null',
    () => 'undefined',
    () => '__proto__',
    () => 'constructor',
    () => 'toString',
    () => 'hasOwnProperty',
    () => `${rng.digits(15)};DROP TABLE phone_numbers`,
    () => encodeURIComponent("' OR 1=1 --"),
    () => encodeURIComponent('😀'),
    () => encodeURIComponent('中文'),
    () => '%00',
    () => '%2e%2e',
    () => '..',
    () => '.',
    () => '%2F',
    () => '%20',
    () => '~',
    () => rng.alnum(rng.int(1, 30)),
  ]);
}

/** Versions Graph would not accept (the regex is v<1-3 digits>.<1-2 digits>). */
export const INVALID_VERSIONS = ['v0', 'v99999.0', 'V23.0', 'v23', '23.0', 'v23.0.1', 'v-1.0', 'v1.100', 'v23.', 'v.0', 'vv23.0', 'v23,0', 'v２３.0', 'latest'] as const;
/** Versions the regex accepts even though Meta has no such version. */
export const ODD_VALID_VERSIONS = ['v1.0', 'v999.99', 'v0.0', 'v23.00', 'v17.0'] as const;

/** Path tails that should never resolve to anything. */
export function traversal(rng: Rng): string {
  return rng.pick([
    '../../../../etc/passwd',
    '..%2F..%2F..%2Fetc%2Fpasswd',
    '%2e%2e/%2e%2e/etc/passwd',
    '....//....//etc/passwd',
    '..\\..\\..\\windows\\win.ini',
    '%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
    '.%00./etc/passwd',
    '%252e%252e%252fetc%252fpasswd',
  ]);
}

/**
 * A path segment well beyond any id's length: mostly under Node's 16 KiB header limit (so the router
 * sees it), rarely above it (the HTTP parser refuses it with 431 before any route runs).
 */
export function overlongSegment(rng: Rng): string {
  const unit = rng.pick(['a', '9', '%41', encodeURIComponent('😀')]);
  const length = rng.chance(0.05) ? 20_000 : rng.pick([101, 300, 1500, 6000]);
  return unit.repeat(Math.ceil(length / unit.length));
}

/** A path segment as it goes on the wire: printable ASCII kept (including `%` escapes), the rest percent-encoded. */
export function pathSegment(s: string): string {
  return /^[\x21-\x7e]*$/.test(s) ? s : pctEncode(s);
}

/** A random query-string suffix of junk (duplicates, proto keys, arrays, broken escapes). */
export function junkQuery(rng: Rng): [string, string][] {
  const out: [string, string][] = [];
  const n = rng.int(0, 3);
  for (let i = 0; i < n; i++) {
    const key = rng.weighted<() => string>([
      [() => rng.alnum(rng.int(1, 8)), 3],
      [() => rng.pick(PROTO_KEYS), 2],
      [() => `${rng.pick(PROTO_KEYS)}[polluted]`, 1],
      [() => 'a[b][c]', 1],
      [() => '', 0.5],
    ])();
    out.push([key, stringify(anyValue(rng))]);
  }
  return out;
}

/** How a value looks once it travels as a form/query/multipart string. */
export function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// ------------------------------------------------------------------------------------------------
// Parameters of one endpoint
// ------------------------------------------------------------------------------------------------

export interface FieldSpec {
  name: string;
  /** A value that may well be valid (a plausible client value). */
  plausible: (rng: Rng) => unknown;
  /**
   * Values that are invalid for this field whatever else the request holds. With `stringOnly` it must
   * return a string that is still invalid. Absent: the field cannot be broken by value.
   */
  bad?: (rng: Rng, stringOnly: boolean) => unknown;
  /** `bad` has no string that is invalid (any string is accepted): it cannot break form/query params. */
  jsonOnlyBad?: boolean;
  /** Leaving it out is enough to make the request invalid. */
  required?: boolean;
  /** Expected JSON type, for wrong-type mutations. */
  type?: 'string' | 'number' | 'boolean' | 'object' | 'array';
}

export interface BuiltParams {
  params: Record<string, unknown>;
  /** Which field was broken and how (`missing` or `bad`), when a break was applied. */
  broken?: { field: string; how: 'missing' | 'bad' };
  tags: string[];
}

/**
 * Random parameters for `fields`: each field omitted, plausible, or mutated (wrong type, nasty string,
 * number-ish, deep nesting, prototype keys); plus noise keys. With `mustBreak`, one field is then
 * made invalid by a value from its `bad` list (or removed, if required), last, so nothing overrides it.
 */
export function buildParams(rng: Rng, fields: readonly FieldSpec[], options: { mustBreak: boolean; stringOnly: boolean; huge?: boolean }): BuiltParams {
  const params: Record<string, unknown> = {};
  const tags: string[] = [];
  for (const f of fields) {
    const mode = rng.weighted<'omit' | 'plausible' | 'mutate'>([
      ['omit', 0.3],
      ['plausible', 0.4],
      ['mutate', 0.3],
    ]);
    if (mode === 'omit') continue;
    if (mode === 'plausible') {
      params[f.name] = f.plausible(rng);
      continue;
    }
    const m = rng.weighted<string>([
      ['wrong-type', 3],
      ['nasty-string', 3],
      ['numberish', 2],
      ['deep', 0.4],
      ['proto', 0.6],
      ['bad', 1],
    ]);
    tags.push(`${m}:${f.name}`);
    params[f.name] =
      m === 'wrong-type'
        ? wrongType(rng, f.type ?? 'string')
        : m === 'nasty-string'
          ? nastyString(rng)
          : m === 'numberish'
            ? numberish(rng)
            : m === 'deep'
              ? deepNest(rng)
              : m === 'proto'
                ? pollutedObject(rng)
                : f.bad
                  ? f.bad(rng, false)
                  : nastyString(rng);
  }
  const noise = rng.int(0, 2);
  for (let i = 0; i < noise; i++) {
    const key = rng.chance(0.4) ? rng.pick(PROTO_KEYS) : `x_${rng.alnum(5)}`;
    if (fields.some((f) => f.name === key)) continue;
    if (key === '__proto__') Object.defineProperty(params, key, { value: anyValue(rng), enumerable: true, writable: true, configurable: true });
    else params[key] = anyValue(rng);
    tags.push(`noise:${key}`);
  }
  if (options.huge) {
    const target = rng.pick(fields.length > 0 ? fields.map((f) => f.name) : ['x_huge']);
    params[target] = rng.pick(['A', 'é', '😀', '\u0000']).repeat(Math.floor(HUGE_STRING_BYTES / 4));
    tags.push(`huge:${target}`);
  }
  let broken: BuiltParams['broken'];
  if (options.mustBreak) broken = applyBreak(rng, params, fields, options.stringOnly);
  if (broken) tags.push(`break-${broken.how}:${broken.field}`);
  return { params, ...(broken && { broken }), tags };
}

/** Makes `params` invalid through one field: a bad value, or leaving out a required one. */
export function applyBreak(rng: Rng, params: Record<string, unknown>, fields: readonly FieldSpec[], stringOnly: boolean): BuiltParams['broken'] {
  const options: { field: FieldSpec; how: 'missing' | 'bad' }[] = [];
  for (const f of fields) {
    if (f.bad && !(stringOnly && f.jsonOnlyBad)) options.push({ field: f, how: 'bad' });
    if (f.required) options.push({ field: f, how: 'missing' });
  }
  if (options.length === 0) return undefined;
  const choice = rng.pick(options);
  if (choice.how === 'missing') delete params[choice.field.name];
  else params[choice.field.name] = (choice.field.bad as NonNullable<FieldSpec['bad']>)(rng, stringOnly);
  return { field: choice.field.name, how: choice.how };
}

// ------------------------------------------------------------------------------------------------
// Bodies
// ------------------------------------------------------------------------------------------------

export type BodyKind =
  | 'none'
  | 'json'
  | 'json-huge'
  | 'json-oversize'
  | 'json-scalar'
  | 'json-invalid'
  | 'json-empty'
  | 'json-charset'
  | 'form'
  | 'form-json-fragments'
  | 'multipart'
  | 'multipart-file'
  | 'multipart-malformed'
  | 'text'
  | 'xml'
  | 'octet'
  | 'invalid-utf8'
  | 'wrong-ct'
  | 'gzip-claim';

export interface EncodedBody {
  kind: BodyKind;
  headers: Record<string, string>;
  body?: Buffer;
  /** No handler ever sees this body: invalid JSON text, or over the body limit. */
  alwaysRefused: boolean;
  /** Larger than the platform's body limit: 413 is the right answer. */
  oversize: boolean;
}

/**
 * What of the encoded params reaches a handler: `exact` (JSON values), `strings` (form or multipart
 * fields), or `none` (refused by a parser, or collapsed to nothing, a scalar, junk keys or a raw
 * Buffer). Multipart bodies reach only the Graph router as params; the control and On-Prem routes
 * read `request.body`, which multipart leaves undefined.
 */
export function carriesOf(kind: BodyKind, surface: 'graph' | 'onprem' | 'control'): 'exact' | 'strings' | 'none' {
  switch (kind) {
    case 'json':
    case 'json-huge':
    case 'json-charset':
    case 'gzip-claim':
      return 'exact';
    case 'form':
    case 'form-json-fragments':
    case 'invalid-utf8':
      return 'strings';
    case 'multipart':
    case 'multipart-file':
      return surface === 'graph' ? 'strings' : 'none';
    default:
      return 'none';
  }
}

export function pickBodyKind(rng: Rng, weights: Partial<Record<BodyKind, number>> = {}): BodyKind {
  const base: Record<BodyKind, number> = {
    none: 4,
    json: 30,
    'json-huge': 1.2,
    'json-oversize': 0.25,
    'json-scalar': 4,
    'json-invalid': 9,
    'json-empty': 3,
    'json-charset': 2,
    form: 8,
    'form-json-fragments': 3,
    multipart: 4,
    'multipart-file': 2,
    'multipart-malformed': 4,
    text: 2,
    xml: 1.5,
    octet: 1.5,
    'invalid-utf8': 3,
    'wrong-ct': 3,
    'gzip-claim': 1,
  };
  return rng.weighted(Object.entries({ ...base, ...weights }) as [BodyKind, number][]);
}

const json = (v: unknown): string => JSON.stringify(v) ?? 'null';

/** Invalid JSON texts, some of them almost valid (checked: a candidate that parses gets garbage appended). */
function invalidJsonText(rng: Rng, params: Record<string, unknown>): string {
  const text = almostJson(rng, params);
  try {
    JSON.parse(text);
  } catch {
    return text;
  }
  return `${text}}`;
}

function almostJson(rng: Rng, params: Record<string, unknown>): string {
  const valid = json(params);
  return rng.oneOf<string>([
    () => valid.slice(0, Math.max(1, rng.int(1, Math.max(1, valid.length - 1)))),
    () => `${valid}garbage`,
    () => `${valid}}`,
    () => `\uFEFF${valid}`,
    () => valid.replace(/"/g, "'"),
    () => valid.replace(/}$/, ',}'),
    () => `/* comment */${valid}`,
    () => '{"a": NaN}',
    () => '{"a": Infinity}',
    () => '{"a": undefined}',
    () => '{a: 1}',
    () => '{"a":1,,"b":2}',
    () => '{"a":"\\x41"}',
    () => '{"a":"\\u12"}',
    () => '{"a":"unterminated',
    () => '['.repeat(rng.pick([10, 100_000])),
    () => '{"a":'.repeat(1000),
    () => '\u0000',
    () => '{"a":1}{"b":2}',
    () => 'nul',
    () => '01',
  ]);
}

function formText(params: Record<string, unknown>, fragments: boolean, rng: Rng): string {
  const usp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) usp.append(k, stringify(v));
  let text = usp.toString();
  if (fragments) {
    text += rng.pick([
      '&components=[{"type":"BODY","text":',
      '&backup={"data":',
      '&json={"a":[1,2,{"b":',
      '&%7B%22a%22%3A1%7D',
      '&a=%zz&b=%',
      '&&&=&=x&',
      '&a[b]=1&a[c]=2',
      '&__proto__[polluted]=1',
    ]);
  }
  return text;
}

function multipartText(params: Record<string, unknown>, boundary: string, file: { name: string; mime: string; data: Buffer } | undefined): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(params)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k.replace(/"/g, '%22')}"\r\n\r\n${stringify(v)}\r\n`, 'utf8'));
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="fuzz.bin"\r\nContent-Type: ${file.mime}\r\n\r\n`, 'utf8'));
    parts.push(file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(parts);
}

function malformedMultipart(rng: Rng, params: Record<string, unknown>): { contentType: string; body: Buffer; tag: string } {
  const boundary = `fuzz${rng.alnum(12)}`;
  const good = multipartText(params, boundary, rng.chance(0.5) ? { name: 'file', mime: 'image/jpeg', data: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) } : undefined);
  return rng.oneOf([
    () => ({ contentType: 'multipart/form-data', body: good, tag: 'no-boundary' }),
    () => ({ contentType: `multipart/form-data; boundary=other${boundary}`, body: good, tag: 'wrong-boundary' }),
    () => ({ contentType: `multipart/form-data; boundary=${boundary}`, body: good.subarray(0, Math.max(1, rng.int(1, good.length - 1))), tag: 'truncated' }),
    () => ({ contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.from(`--${boundary}\r\nGarbage-Header\r\n\r\nvalue\r\n--${boundary}--\r\n`), tag: 'bad-part-header' }),
    () => ({ contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.from(`--${boundary}\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n--${boundary}--\r\n`), tag: 'nameless-part' }),
    () => ({ contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.alloc(0), tag: 'empty' }),
    () => ({ contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.from(json(params)), tag: 'json-inside' }),
    () => ({ contentType: `multipart/mixed; boundary=${boundary}`, body: good, tag: 'mixed' }),
    () => ({ contentType: `multipart/form-data; boundary="${boundary}`, body: good, tag: 'unterminated-quote' }),
    () => ({ contentType: `multipart/form-data; boundary=${'b'.repeat(200)}`, body: good, tag: 'long-boundary' }),
    () => {
      // More fields than the Graph router's limit (32).
      const many: Record<string, unknown> = {};
      for (let i = 0; i < 40; i++) many[`f${i}`] = 'x';
      return { contentType: `multipart/form-data; boundary=${boundary}`, body: multipartText(many, boundary, undefined), tag: 'too-many-fields' };
    },
    () => {
      const parts: Buffer[] = [];
      for (let i = 0; i < 6; i++) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f${i}.jpg"\r\nContent-Type: image/jpeg\r\n\r\nxx\r\n`));
      parts.push(Buffer.from(`--${boundary}--\r\n`));
      return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts), tag: 'too-many-files' };
    },
  ]);
}

/**
 * Encodes `params` as a request body of `kind`. `params` may be ignored (malformed kinds); see
 * `carriesOf` for what reaches a handler.
 */
export function encodeBody(rng: Rng, kind: BodyKind, params: Record<string, unknown>, options: { fileField?: string } = {}): EncodedBody {
  const base: Omit<EncodedBody, 'headers' | 'body'> = { kind, alwaysRefused: false, oversize: false };
  const ct = (type: string): Record<string, string> => ({ 'content-type': type });
  switch (kind) {
    case 'none':
      return { ...base, headers: rng.chance(0.3) ? ct('application/json') : {} };
    case 'json':
    case 'json-huge':
      return { ...base, headers: ct(rng.pick(['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON'])), body: Buffer.from(json(params), 'utf8') };
    case 'json-oversize': {
      const padding = 'x'.repeat(BODY_LIMIT_BYTES + rng.int(1, 256 * 1024));
      return { ...base, oversize: true, alwaysRefused: true, headers: ct('application/json'), body: Buffer.from(json({ ...params, padding }), 'utf8') };
    }
    case 'json-scalar':
      return { ...base, headers: ct('application/json'), body: Buffer.from(rng.pick(['null', 'true', '42', '-1.5e3', '"string"', '[]', '[1,2,3]', `[${json(params)}]`, '""']), 'utf8') };
    case 'json-invalid':
      return { ...base, alwaysRefused: true, headers: ct('application/json'), body: Buffer.from(invalidJsonText(rng, params), 'utf8') };
    case 'json-empty':
      // An empty (or blank) body declared as JSON: Node sends `content-length: 0` for the empty one.
      return { ...base, headers: ct('application/json'), body: Buffer.from(rng.pick(['', ' ', '\n\t '])) };
    case 'json-charset':
      return {
        ...base,
        headers: ct(rng.pick(['application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=bogus-charset', 'application/json; boundary=x', 'application/json;;;'])),
        body: Buffer.from(json(params), 'utf8'),
      };
    case 'form':
    case 'form-json-fragments':
      return { ...base, headers: ct('application/x-www-form-urlencoded'), body: Buffer.from(formText(params, kind === 'form-json-fragments', rng), 'utf8') };
    case 'multipart':
    case 'multipart-file': {
      const boundary = `----fuzz${rng.alnum(16)}`;
      const file = kind === 'multipart-file' ? { name: options.fileField ?? 'file', mime: rng.pick(['image/jpeg', 'image/png', 'application/x-fuzz', 'text/plain', '']), data: Buffer.from(rng.alnum(rng.int(0, 64))) } : undefined;
      return { ...base, headers: ct(`multipart/form-data; boundary=${boundary}`), body: multipartText(params, boundary, file) };
    }
    case 'multipart-malformed': {
      const m = malformedMultipart(rng, params);
      return { ...base, headers: ct(m.contentType), body: m.body };
    }
    case 'text':
      return { ...base, headers: ct(rng.pick(['text/plain', 'text/plain; charset=utf-8', 'text/html'])), body: Buffer.from(rng.chance(0.5) ? json(params) : nastyString(rng) || 'x') };
    case 'xml':
      return { ...base, headers: ct(rng.pick(['application/xml', 'text/xml'])), body: Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>') };
    case 'octet':
      return { ...base, headers: ct('application/octet-stream'), body: Buffer.from(Array.from({ length: rng.int(1, 512) }, () => rng.int(0, 255))) };
    case 'invalid-utf8': {
      // The invalid bytes sit in the value of a junk first key, so the other keys arrive intact
      // (decoders replace them with U+FFFD) and a break among them still holds.
      const bad = Buffer.from(rng.pick([[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xe2, 0x28, 0xa1], [0xf0, 0x28, 0x8c, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]));
      if (rng.chance(0.5)) {
        const rest = json(params).slice(1);
        return { ...base, headers: ct('application/json'), body: Buffer.concat([Buffer.from('{"x_utf8":"'), bad, Buffer.from(rest === '}' ? '"}' : `",${rest}`)]) };
      }
      const form = formText(params, false, rng);
      return { ...base, headers: ct('application/x-www-form-urlencoded'), body: Buffer.concat([Buffer.from('x_utf8='), bad, Buffer.from(form ? `&${form}` : '')]) };
    }
    case 'wrong-ct':
      return rng.oneOf([
        // JSON text declared as a form: one odd key, nothing else.
        () => ({ ...base, headers: ct('application/x-www-form-urlencoded'), body: Buffer.from(json(params)) }),
        // A form declared as JSON: invalid JSON.
        () => ({ ...base, alwaysRefused: true, headers: ct('application/json'), body: Buffer.from(`${formText(params, false, rng)}&x=1`) }),
        // Types no JSON parser is registered for (`+json` included: only the literal type is).
        () => ({ ...base, headers: ct(rng.pick(['image/jpeg', 'application/javascript', 'x/y', 'garbage', '*/*', 'application/', ';', 'multipart/', 'application/json+x', 'application/vnd.api+json', 'application/problem+json'])), body: Buffer.from(json(params)) }),
      ]);
    case 'gzip-claim':
      return { ...base, headers: { ...ct('application/json'), 'content-encoding': rng.pick(['gzip', 'br', 'deflate', 'identity, gzip']) }, body: Buffer.from(json(params)) };
  }
}

// ------------------------------------------------------------------------------------------------
// Auth headers
// ------------------------------------------------------------------------------------------------

export const basicAuth = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/** Authorization values that carry no usable token. */
export function malformedAuthorization(rng: Rng): string {
  return rng.pick([
    'Bearer',
    'Bearer ',
    'Bearer  ',
    'Bearer a b',
    `Bearer ${rng.alnum(40)}`,
    `Bearer EAA${rng.alnum(60)}`,
    `Bearer ${'x'.repeat(4000)}`,
    'Bearer null',
    'Bearer undefined',
    'Bearer %00',
    `Bearer ${encodeURIComponent('😀')}`,
    'Token abc',
    'Digest username="admin"',
    'Negotiate YII=',
    'bearer',
    '=',
    ',',
    basicAuth('admin', 'admin'),
    'Basic',
    'Basic !!!notbase64!!!',
    `Basic ${Buffer.from('no-colon').toString('base64')}`,
    `Basic ${Buffer.from(':').toString('base64')}`,
  ]);
}

// ------------------------------------------------------------------------------------------------
// URLs
// ------------------------------------------------------------------------------------------------

/**
 * `encodeURIComponent` that does not throw on lone surrogates: they are written as their 3-byte
 * WTF-8 form (`%ED%A0%80`), i.e. percent-encoded invalid UTF-8, which is a fuzz input of its own.
 */
export function pctEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const isHigh = c >= 0xd800 && c <= 0xdbff;
    const isLow = c >= 0xdc00 && c <= 0xdfff;
    if (isHigh && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += encodeURIComponent(s.slice(i, i + 2));
        i++;
        continue;
      }
    }
    if (isHigh || isLow) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
      continue;
    }
    out += encodeURIComponent(s[i] as string);
  }
  return out;
}

/** `k=v&k2=v2` with `pctEncode`. */
export function queryString(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${pctEncode(k)}=${pctEncode(v)}`).join('&');
}
