import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { planSchema, SECRET_KEYS, type Plan } from './schema.js';
import type { PlanIssue } from '../wire.js';

/** One problem in a plan file, located by its path (`numbers[2].kind`) and, when known, line and column. */
export type { PlanIssue } from '../wire.js';

export type PlanResult = { ok: true; plan: Plan } | { ok: false; issues: PlanIssue[] };

export class PlanError extends Error {
  constructor(
    readonly source: string,
    readonly issues: PlanIssue[],
  ) {
    super(`${source}: invalid plan\n${formatIssues(source, issues)}`);
  }
}

/** Reads and validates a plan file (YAML or JSON — YAML is a superset, so one parser serves both). */
export async function loadPlanFile(path: string): Promise<Plan> {
  const result = parsePlan(await readFile(path, 'utf8'));
  if (!result.ok) throw new PlanError(path, result.issues);
  return result.plan;
}

export function parsePlan(text: string): PlanResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    return { ok: false, issues: doc.errors.map((e) => ({ path: '', message: e.message.split('\n')[0] ?? e.message, ...position(lines, e.pos[0]) })) };
  }
  const value: unknown = doc.toJS();
  const secretIssues = literalSecrets(value, []);
  const parsed = planSchema.safeParse(value);
  const schemaIssues = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  const issues = [...secretIssues, ...schemaIssues].map((i) => ({ ...i, ...locate(doc, lines, i.path) }));
  if (issues.length > 0 || !parsed.success) return { ok: false, issues: dedupe(issues) };
  return { ok: true, plan: parsed.data };
}

export function formatIssues(source: string, issues: PlanIssue[]): string {
  return issues.map((i) => `  ${source}${i.line !== undefined ? `:${i.line}:${i.column ?? 1}` : ''}  ${i.path || '(file)'}: ${i.message}`).join('\n');
}

/** `['numbers', 2, 'kind']` → `numbers[2].kind`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out === '' ? String(key) : `${out}.${String(key)}`), '');
}

/** A literal secret is refused before schema checks so the message says what to do instead. */
function literalSecrets(value: unknown, path: (string | number)[]): PlanIssue[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => literalSecrets(v, [...path, i]));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const instead = SECRET_KEYS[key];
    if (instead !== undefined) return [{ path: formatPath([...path, key]), message: `literal secrets are not allowed in a plan: name an environment variable with "${instead}" instead` }];
    return literalSecrets(v, [...path, key]);
  });
}

function locate(doc: Document, lines: LineCounter, dotted: string): { line?: number; column?: number } {
  const path = dotted.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  // The deepest node that exists: a missing key is reported at its parent.
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return position(lines, node.range[0]);
  }
  return {};
}

function position(lines: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

function dedupe(issues: PlanIssue[]): PlanIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
