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
  location: z.object({ latitude: z.union([z.number(), z.string()]), longitude: z.union([z.number(), z.string()]), name: z.string().optional(), address: z.string().optional() }).strict(),
  contacts: z.array(z.object({ name: z.object({ formatted_name: z.string().min(1) }).loose() }).loose()).min(1),
  interactive: z.object({ type: z.string().min(1), action: z.record(z.string(), z.unknown()) }).loose(),
  reaction: z.object({ message_id: z.string().min(1), emoji: z.string() }),
} as const;

export const markReadSchema = z.object({
  messaging_product: messagingProduct,
  status: z.literal('read'),
  message_id: z.string().min(1),
  typing_indicator: z.object({ type: z.literal('text') }).optional(),
});
