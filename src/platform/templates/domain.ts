import { z } from 'zod';
import { DAY } from '../../core/clock.js';
import type { Template } from '../../store/schema.js';

/**
 * Template rules. Meta's review is a human/ML process; ours is a small deterministic rule set so
 * tests and rehearsals are repeatable (documented in docs/platform.md):
 *
 * - Categorisation check: a template not in MARKETING whose text reads as promotional (see
 *   PROMOTIONAL_PATTERNS) is REJECTED with reason INCORRECT_CATEGORY. The same check runs on
 *   templates duplicated by a WABA-to-WABA migration.
 * - Everything else is APPROVED on creation, with quality UNKNOWN until rated.
 */
export const TEMPLATE_CATEGORIES = ['AUTHENTICATION', 'MARKETING', 'UTILITY'] as const;
export const TEMPLATE_STATUSES = [
  'APPROVED',
  'PENDING',
  'REJECTED',
  'PAUSED',
  'DISABLED',
  'IN_APPEAL',
  'FLAGGED',
  'REINSTATED',
  'PENDING_DELETION',
  'LIMIT_EXCEEDED',
  'ARCHIVED',
  'LOCKED',
] as const;
export const QUALITY_SCORES = ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'] as const;

export const PROMOTIONAL_PATTERNS: readonly RegExp[] = [
  /\b\d{1,3}\s?% off\b/i,
  /\bdiscount/i,
  /\bsale\b/i,
  /\bpromo(tion|code)?\b/i,
  /\bcoupon/i,
  /\blimited[- ]time offer\b/i,
  /\bbuy now\b/i,
  /\bspecial offer\b/i,
];

const upper = (values: readonly string[]) =>
  z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(values as [string, ...string[]], { message: `must be one of ${values.join(', ')}` }));

const button = z.object({ type: z.string().min(1), text: z.string().min(1).max(25) }).loose();

export const componentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('HEADER'), format: upper(['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION']), text: z.string().max(60).optional(), example: z.unknown().optional() }),
  z.object({ type: z.literal('BODY'), text: z.string().min(1).max(1024).refine((t) => t.trim() !== '' && !t.includes('\u0000'), { message: 'must have visible text and no NUL characters' }), example: z.unknown().optional() }).loose(),
  z.object({ type: z.literal('FOOTER'), text: z.string().min(1).max(60) }),
  z.object({ type: z.literal('BUTTONS'), buttons: z.array(button).min(1).max(10) }),
]);

/** Component `type` is case-insensitive on the wire; normalise before the discriminated union. */
const components = z.preprocess(
  (v) => (Array.isArray(v) ? v.map((c: unknown) => (isTyped(c) ? { ...c, type: c.type.toUpperCase() } : c)) : v),
  z
    .array(componentSchema)
    .min(1)
    .refine((cs) => cs.filter((c) => c.type === 'BODY').length === 1, { message: 'exactly one BODY component is required' }),
);

const isTyped = (c: unknown): c is { type: string } => typeof c === 'object' && c !== null && typeof (c as { type?: unknown }).type === 'string';

export const createTemplateSchema = z.object({
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, { message: 'must be at most 512 lowercase letters, digits and underscores' }),
  category: upper(TEMPLATE_CATEGORIES),
  language: z.string().regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, { message: 'must be a language code such as en_US' }),
  parameter_format: upper(['NAMED', 'POSITIONAL']).optional(),
  allow_category_change: z.union([z.boolean(), z.string()]).optional(),
  components,
});

export type CreateTemplateInput = z.infer<typeof createTemplateSchema>;

/** `POST /{TEMPLATE_ID}`: a new category or new components (api-facts B.10). */
export const editTemplateSchema = z
  .object({ category: upper(TEMPLATE_CATEGORIES).optional(), components: components.optional() })
  .refine((e) => e.category !== undefined || e.components !== undefined, { message: 'category or components is required' });

export type EditTemplateInput = z.infer<typeof editTemplateSchema>;

const EDITABLE_STATUSES: readonly string[] = ['APPROVED', 'REJECTED', 'PAUSED'];
const EDITS_PER_30_DAYS = 10;

/**
 * Why an edit is refused, if it is (api-facts B.10): only approved, rejected or paused templates can be
 * edited; an approved one keeps its category and is edited at most once in 24 h and 10 times in 30 days.
 */
export function templateEditProblem(t: Pick<Template, 'status' | 'category' | 'edit_history'>, edit: EditTemplateInput, now: number): string | undefined {
  if (!EDITABLE_STATUSES.includes(t.status)) return `A template with status ${t.status} cannot be edited`;
  if (t.status !== 'APPROVED') return undefined;
  if (edit.category !== undefined && edit.category !== t.category) return 'The category of an approved template cannot be edited';
  const edits = recentEdits(t.edit_history, now);
  if (edits.some((at) => now - at < DAY)) return 'An approved template can be edited once in 24 hours';
  if (edits.length >= EDITS_PER_30_DAYS) return `An approved template can be edited ${EDITS_PER_30_DAYS} times in 30 days`;
  return undefined;
}

/** The edit history after an edit at `now`: approved templates count it; older than 30 days is dropped. */
export function editHistoryAfter(t: Pick<Template, 'status' | 'edit_history'>, now: number): string {
  const edits = recentEdits(t.edit_history, now);
  return JSON.stringify(t.status === 'APPROVED' ? [...edits, now] : edits);
}

const recentEdits = (history: string, now: number): number[] => (JSON.parse(history) as number[]).filter((at) => now - at < 30 * DAY);

export type TemplateComponent = z.infer<typeof componentSchema>;

export interface Review {
  status: 'APPROVED' | 'REJECTED';
  reason: 'NONE' | 'INCORRECT_CATEGORY';
}

/** The categorisation check: promotional wording outside MARKETING is rejected. */
export function reviewTemplate(category: string, components: readonly { type: string; text?: string }[]): Review {
  if (category === 'MARKETING') return { status: 'APPROVED', reason: 'NONE' };
  const text = components.map((c) => c.text ?? '').join('\n');
  return PROMOTIONAL_PATTERNS.some((p) => p.test(text)) ? { status: 'REJECTED', reason: 'INCORRECT_CATEGORY' } : { status: 'APPROVED', reason: 'NONE' };
}
