import { z } from 'zod';
import { messagingProduct } from '../graph/schemas.js';

/** Request shapes of `POST /{PHONE_NUMBER_ID}/messages` (api-facts B.11). */

const mediaObject = z
  .object({
    id: z.string().min(1).optional(),
    link: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
    caption: z.string().max(1024).optional(),
    filename: z.string().max(240).optional(),
    voice: z.boolean().optional(),
  })
  // Cloud API refuses properties On-Prem tolerated (api-facts D.4).
  .strict()
  .refine((m) => (m.id === undefined) !== (m.link === undefined), { message: 'exactly one of id or link is required' });

export type MediaObject = z.infer<typeof mediaObject>;

const templateParameter = z.object({ type: z.string() }).loose();

const templateObject = z.object({
  name: z.string().min(1),
  language: z.object({ code: z.string().min(2), policy: z.literal('deterministic').optional() }),
  components: z
    .array(
      z.object({
        type: z.string().transform((v) => v.toLowerCase()),
        sub_type: z.string().optional(),
        index: z.union([z.string(), z.number()]).optional(),
        parameters: z.array(templateParameter).optional(),
      }),
    )
    .optional(),
});

export type TemplateObject = z.infer<typeof templateObject>;

/** Degrees as a number or a numeric string, within ±`max`. */
const coordinate = (max: number) =>
  z.union([z.number(), z.string().regex(/^\s*-?\d+(\.\d+)?\s*$/, { message: 'must be a number' }).transform(Number)]).pipe(z.number().min(-max).max(max));

/** Every string anywhere in a value that is empty or only whitespace, by path. */
function blankStrings(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return value.trim() === '' ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => blankStrings(v, [...path, i]));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => blankStrings(v, [...path, k]));
  return [];
}

/**
 * Interactive messages: the many types stay loose, but what Cloud API refuses and On-Prem let through
 * is refused (api-facts D.4: whitespace-only strings), and reply buttons and lists need their parts.
 */
const interactiveObject = z
  .object({
    type: z.string().min(1),
    body: z.object({ text: z.string().max(1024) }).loose().optional(),
    action: z.record(z.string(), z.unknown()),
  })
  .loose()
  .superRefine((value, ctx) => {
    for (const path of blankStrings(value)) ctx.addIssue({ code: 'custom', path, message: 'must not be empty or only whitespace' });
    const action = value.action;
    if (value.type === 'button' && !(Array.isArray(action['buttons']) && action['buttons'].length >= 1 && action['buttons'].length <= 3)) {
      ctx.addIssue({ code: 'custom', path: ['action', 'buttons'], message: 'a button message needs 1 to 3 buttons' });
    }
    if (value.type === 'list' && !(typeof action['button'] === 'string' && Array.isArray(action['sections']) && action['sections'].length >= 1 && action['sections'].length <= 10)) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: 'a list message needs action.button and 1 to 10 sections' });
    }
  });

export const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

export const MESSAGE_TYPES = ['text', ...MEDIA_TYPES, 'template', 'location', 'contacts', 'interactive', 'reaction'] as const;

/** Envelope checked first, so the wording of "required" errors follows Graph's order. */
export const sendEnvelope = z.object({
  messaging_product: messagingProduct,
  recipient_type: z.enum(['individual', 'group']).optional(),
  to: z.union([z.string(), z.number()]).transform(String),
  type: z.enum(MESSAGE_TYPES, { message: `must be one of ${MESSAGE_TYPES.join(', ')}` }).optional(),
  context: z.object({ message_id: z.string().min(1) }).optional(),
  biz_opaque_callback_data: z.string().max(512).optional(),
});

/** Per-type payloads. Unknown keys inside them are rejected, as Cloud API does (api-facts D.4). */
export const payloadSchemas = {
  text: z.object({ body: z.string().min(1).max(4096), preview_url: z.boolean().optional() }).strict(),
  image: mediaObject,
  video: mediaObject,
  audio: mediaObject,
  document: mediaObject,
  sticker: mediaObject,
  template: templateObject,
  location: z.object({ latitude: coordinate(90), longitude: coordinate(180), name: z.string().optional(), address: z.string().optional() }).strict(),
  contacts: z.array(z.object({ name: z.object({ formatted_name: z.string().min(1) }).loose() }).loose()).min(1),
  interactive: interactiveObject,
  // An empty emoji removes a reaction; anything else must hold an emoji.
  reaction: z.object({ message_id: z.string().min(1), emoji: z.string().regex(/^$|\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u, { message: 'must be an emoji, or empty to remove the reaction' }) }),
} as const;

export const markReadSchema = z.object({
  messaging_product: messagingProduct,
  status: z.literal('read'),
  message_id: z.string().min(1),
  typing_indicator: z.object({ type: z.literal('text') }).optional(),
});
