import { z } from 'zod';
import { errors } from '../../core/errors.js';
import { unwrap } from '../../core/result.js';
import { paginate, parseFields, parseParams, selectFields } from '../graph/params.js';
import { route, type GraphRoute } from '../graph/route.js';
import { callbackUrl, digits, graphBoolean, sixDigitPin } from '../graph/schemas.js';
import type { PlatformContext } from '../context.js';
import { setPin } from '../registration/service.js';
import { phoneDefaultFields, phoneFields } from './fields.js';
import { addPhoneNumber, phoneView, phoneViewsOfWaba } from './service.js';
import { updatePhoneNumber } from './repo.js';
import { verifyCallbackUrl } from '../webhooks/verification.js';
import { requestMigration } from '../waba-migration/service.js';

const NODE_TYPE = 'WhatsAppBusinessPhoneNumber';

const createSchema = z.object({
  cc: digits('country calling code'),
  phone_number: digits('phone number without country code'),
  verified_name: z.string().min(2).max(75).optional(),
  migrate_phone_number: graphBoolean.optional(),
});

const updateSchema = z
  .object({
    pin: sixDigitPin.optional(),
    webhook_configuration: z.object({ override_callback_uri: callbackUrl.max(200), verify_token: z.string().optional() }).optional(),
  })
  .refine((v) => v.pin !== undefined || v.webhook_configuration !== undefined, { message: 'pin or webhook_configuration is required' });

export function phoneNumberRoutes(ctx: PlatformContext): GraphRoute[] {
  return [
    route('phone_number', 'GET', null, 'whatsapp_business_management', async (call) => {
      const view = await phoneView(ctx, call.caller, call.nodeId);
      return unwrap(selectFields(view, parseFields(call.params['fields']), phoneDefaultFields, phoneFields, NODE_TYPE));
    }),

    route('waba', 'GET', 'phone_numbers', 'whatsapp_business_management', async (call) => {
      const requested = parseFields(call.params['fields']);
      // Checked up front so an unknown field is refused even when the WABA has no numbers.
      const unknownField = requested?.find((f) => !Object.hasOwn(phoneFields, f));
      if (unknownField) throw errors.nonexistingField(unknownField, NODE_TYPE);
      const { views, paging } = await phoneViewsOfWaba(ctx, call.caller, call.nodeId, (numbers) => unwrap(paginate(numbers, call.params, call.url)));
      const data = views.map((v) => unwrap(selectFields(v, requested, phoneDefaultFields, phoneFields, NODE_TYPE)));
      return paging ? { data, paging } : { data };
    }),

    route('waba', 'POST', 'phone_numbers', 'whatsapp_business_management', async (call) => {
      const input = unwrap(parseParams(createSchema, call.params));
      if (input.migrate_phone_number) return requestMigration(ctx, call.nodeId, { cc: input.cc, phoneNumber: input.phone_number });
      const verifiedName = unwrap(parseParams(z.object({ verified_name: z.string().min(2).max(75) }), call.params)).verified_name;
      return addPhoneNumber(ctx, call.nodeId, { cc: input.cc, phoneNumber: input.phone_number, verifiedName });
    }),

    route('phone_number', 'POST', null, 'whatsapp_business_management', async (call) => {
      const input = unwrap(parseParams(updateSchema, call.params));
      if (input.webhook_configuration) {
        // Like the WABA override, the alternate callback is saved only after the hub.challenge handshake.
        const { override_callback_uri: uri, verify_token: verifyToken } = input.webhook_configuration;
        if (verifyToken === undefined) throw errors.requiredParameter('webhook_configuration.verify_token');
        const failure = await verifyCallbackUrl(uri, verifyToken);
        if (failure) throw failure;
        await updatePhoneNumber(ctx.store.db, call.nodeId, { webhook_override_url: uri });
      }
      if (input.pin !== undefined) await setPin(ctx, call.nodeId, input.pin);
      return { success: true };
    }),
  ];
}
