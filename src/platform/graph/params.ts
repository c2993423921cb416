import { z } from 'zod';
import { errors, type ApiError } from '../../core/errors.js';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../../core/json-depth.js';
import { fail, ok, type Result } from '../../core/result.js';

/**
 * Graph takes parameters from the query string, a JSON body or a form body alike. Form and query
 * values that hold JSON objects or arrays (e.g. `components=[...]`, `backup={...}`) are decoded.
 */
export function mergeParams(query: unknown, body: unknown): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  const fromQuery = isRecord(query) ? query : {};
  for (const [k, v] of Object.entries(fromQuery)) setParam(merged, k, decodeJsonish(v));
  if (isRecord(body)) {
    for (const [k, v] of Object.entries(body)) setParam(merged, k, typeof v === 'string' ? decodeJsonish(v) : v);
  }
  return merged;
}

/**
 * A parameter named `__proto__` (JSON.parse and the query parsers keep it as a plain key) stays a
 * parameter: assigning it would replace the object's prototype, and every schema would then read the
 * sender's values as inherited ones.
 */
function setParam(params: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(params, key, { value, enumerable: true, writable: true, configurable: true });
  else params[key] = value;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function decodeJsonish(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(t);
    } catch {
      return v;
    }
    // Too deep to walk safely (see json-depth.ts): left a string, which the parameter's schema refuses.
    return jsonNestsDeeperThan(t, MAX_JSON_DEPTH) ? v : decoded;
  }
  return v;
}

/**
 * Validates params against a schema and turns the first problem into Graph's wording:
 * a missing key is "(#100) The parameter X is required.", anything else "(#100) Invalid parameter".
 */
export function parseParams<S extends z.ZodType>(schema: S, params: unknown, missing: (name: string) => ApiError = errors.requiredParameter): Result<z.infer<S>> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  if (!issue) return fail(errors.invalidParameter('Invalid request'));
  const path = issue.path.map(String).join('.');
  // Zod 4 does not report `issue.input`, and a missing union-typed value (pin, cc) is an
  // `invalid_union`: so "missing" is decided by looking the path up in the params themselves.
  if (valueAt(params, issue.path) === undefined) return fail(missing(path));
  return fail(errors.invalidParameter(path ? `Param ${path} is invalid: ${issue.message}` : issue.message));
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** `fields=a,b{c},d` → top-level field names; nested selections are accepted and ignored. */
export function parseFields(value: unknown): string[] | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of value) {
    if (ch === '{') depth++;
    else if (ch === '}') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      if (current.trim()) out.push(current.trim());
      current = '';
    } else if (depth === 0) current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out.map((f) => f.replace(/\.[a-z_]+\(.*\)$/i, ''));
}

/** Renders `fields=` selections against a node's field renderers, rejecting unknown ones as Graph does. */
export function selectFields<N>(
  node: N,
  requested: string[] | undefined,
  defaults: readonly string[],
  renderers: Readonly<Record<string, (node: N) => unknown>>,
  nodeType: string,
): Result<Record<string, unknown>> {
  const wanted = requested ?? [...defaults];
  const out: Record<string, unknown> = {};
  for (const field of wanted) {
    // Own keys only: `fields=constructor` or `__proto__` must not reach Object.prototype.
    const render = Object.hasOwn(renderers, field) ? renderers[field] : undefined;
    if (!render) return fail(errors.nonexistingField(field, nodeType));
    const value = render(node);
    if (value !== undefined) out[field] = value;
  }
  if (!('id' in out) && renderers['id']) out['id'] = renderers['id'](node);
  return ok(out);
}

export interface Paging {
  cursors: { before: string; after: string };
  next?: string;
  previous?: string;
}

/**
 * Cursor paging over an already ordered list, with Graph's `paging` shape: `cursors`, and `next` /
 * `previous` links (the request's own URL with the cursor swapped) when there is more that way.
 */
export function paginate<T extends { id: string }>(
  items: readonly T[],
  params: Record<string, unknown>,
  requestUrl?: string,
  defaultLimit = 25,
  maxLimit = 100,
): Result<{ page: T[]; paging: Paging | undefined }> {
  const limitRaw = params['limit'];
  // A query value that looks like JSON arrives decoded (mergeParams): only a number or a string can be a limit.
  const limit = limitRaw === undefined ? defaultLimit : typeof limitRaw === 'number' || typeof limitRaw === 'string' ? Number(limitRaw) : NaN;
  if (!Number.isInteger(limit) || limit < 1) return fail(errors.invalidParameter('Param limit must be a positive integer'));
  const size = Math.min(limit, maxLimit);
  const decode = (c: unknown): string | undefined => (typeof c === 'string' ? Buffer.from(c, 'base64url').toString('utf8') : undefined);
  const after = decode(params['after']);
  const before = decode(params['before']);
  let start = 0;
  if (after !== undefined) start = items.findIndex((i) => i.id === after) + 1;
  let end = start + size;
  if (before !== undefined) {
    end = Math.max(0, items.findIndex((i) => i.id === before));
    start = Math.max(0, end - size);
  }
  const page = items.slice(start, end);
  const first = page[0];
  const last = page[page.length - 1];
  const encode = (id: string): string => Buffer.from(id, 'utf8').toString('base64url');
  if (!first || !last) return ok({ page, paging: undefined });
  const paging: Paging = { cursors: { before: encode(first.id), after: encode(last.id) } };
  const link = (set: 'after' | 'before', cursor: string): string | undefined => {
    if (!requestUrl) return undefined;
    const url = new URL(requestUrl);
    url.searchParams.delete(set === 'after' ? 'before' : 'after');
    url.searchParams.set(set, cursor);
    url.searchParams.set('limit', String(size));
    return url.toString();
  };
  const next = start + page.length < items.length ? link('after', paging.cursors.after) : undefined;
  const previous = start > 0 ? link('before', paging.cursors.before) : undefined;
  if (next) paging.next = next;
  if (previous) paging.previous = previous;
  return ok({ page, paging });
}
