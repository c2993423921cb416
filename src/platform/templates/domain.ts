import { z } from 'zod';

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
