import { z } from 'zod';

/** Reusable wire-level pieces shared by several Graph edges. */
export const messagingProduct = z
  .string({ message: 'must be "whatsapp"' })
  .refine((v) => v.toLowerCase() === 'whatsapp', { message: 'must be "whatsapp"' });

/** Six digits; JSON numbers are accepted as Graph coerces them (leading zeros are then lost). */
export const sixDigitPin = z
  .union([z.string(), z.number().int()])
  .transform(String)
  .pipe(z.string().regex(/^\d{6}$/, { message: 'must be a 6-digit number' }));

export const graphBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const digits = (what: string): z.ZodType<string> =>
  z
    .union([z.string(), z.number().int().nonnegative()])
    .transform(String)
    .pipe(z.string().regex(/^\d{1,15}$/, { message: `must be the ${what} as digits only` }));

/** Callback URLs Meta can call: http(s) only (Meta requires https in production; local rehearsals use http). */
export const callbackUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
