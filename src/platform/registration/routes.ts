import { z } from 'zod';
import { unwrap } from '../../core/result.js';
import type { PlatformContext } from '../context.js';
import { parseParams } from '../graph/params.js';
import { route, type GraphRoute } from '../graph/route.js';
import { messagingProduct, sixDigitPin } from '../graph/schemas.js';
import { CODE_METHODS } from './domain.js';
import { deregister, register, requestCode, verifyCode } from './service.js';
import { migrationClaimOf } from '../auth/access.js';
import { requestMigrationCode, verifyMigrationCode } from '../waba-migration/service.js';

const registerSchema = z.object({
  messaging_product: messagingProduct,
  pin: sixDigitPin,
  data_localization_region: z.string().regex(/^[A-Z]{2}$/).optional(),
  backup: z.object({ data: z.string().min(1), password: z.string() }).optional(),
});

const requestCodeSchema = z.object({
  code_method: z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(CODE_METHODS, { message: 'must be SMS or VOICE' })),
  language: z.string().regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, { message: 'must be a language code such as en_US' }),
});

const verifyCodeSchema = z.object({
  code: z
    .union([z.string(), z.number().int()])
    .transform(String)
    .pipe(z.string().regex(/^\d{3}-?\d{3}$/, { message: 'must be the 6-digit code' })),
});

export function registrationRoutes(ctx: PlatformContext): GraphRoute[] {
  return [
    route('phone_number', 'POST', 'register', 'whatsapp_business_management', async (call) => {
      const input = unwrap(parseParams(registerSchema, call.params));
      return register(ctx, call.nodeId, { pin: input.pin, dataLocalizationRegion: input.data_localization_region, backup: input.backup });
    }),
    route('phone_number', 'POST', 'deregister', 'whatsapp_business_management', async (call) => deregister(ctx, call.nodeId)),
    route('phone_number', 'POST', 'request_code', 'whatsapp_business_management', async (call) => {
      const input = unwrap(parseParams(requestCodeSchema, call.params));
      const claim = await migrationClaimOf(ctx.store.db, call.caller, call.nodeId);
      if (claim) return requestMigrationCode(ctx, claim, input.code_method, input.language);
      return requestCode(ctx, call.nodeId, input.code_method, input.language);
    }),
    route('phone_number', 'POST', 'verify_code', 'whatsapp_business_management', async (call) => {
      const input = unwrap(parseParams(verifyCodeSchema, call.params));
      const code = input.code.replace('-', '');
      const claim = await migrationClaimOf(ctx.store.db, call.caller, call.nodeId);
      if (claim) return verifyMigrationCode(ctx, claim, code);
      return verifyCode(ctx, call.nodeId, code);
    }),
  ];
}
