import { z } from 'zod';
import { errors } from '../../core/errors.js';
import { unwrap } from '../../core/result.js';
import type { Business, Waba } from '../../store/schema.js';
import type { PlatformContext } from '../context.js';
import { parseFields, parseParams, selectFields } from '../graph/params.js';
import { route, type GraphRoute } from '../graph/route.js';
import { callbackUrl } from '../graph/schemas.js';
import { verifyCallbackUrl } from '../webhooks/verification.js';
import { deleteSubscription, findBusiness, findWaba, subscriptionsOf, upsertSubscription } from './repo.js';

interface WabaView {
  waba: Waba;
  owner: Business;
}

const wabaFields: Readonly<Record<string, (v: WabaView) => unknown>> = {
  id: (v) => v.waba.id,
  name: (v) => v.waba.name,
  currency: (v) => v.waba.currency,
  timezone_id: (v) => v.waba.timezone_id,
  message_template_namespace: (v) => v.waba.message_template_namespace,
  account_review_status: (v) => v.waba.review_status,
  business_verification_status: (v) => v.owner.verification_status,
  owner_business_info: (v) => ({ id: v.owner.id, name: v.owner.name }),
  primary_funding_id: (v) => v.waba.payment_method ?? undefined,
};
const wabaDefaults = ['id', 'name', 'currency', 'timezone_id', 'message_template_namespace'] as const;

const subscribeSchema = z.object({
  override_callback_uri: callbackUrl.max(200).optional(),
  verify_token: z.string().optional(),
});

async function loadWaba(ctx: PlatformContext, id: string): Promise<WabaView> {
  const waba = await findWaba(ctx.store.db, id);
  const owner = waba ? await findBusiness(ctx.store.db, waba.owner_business_id) : undefined;
  if (!waba || !owner) throw errors.unsupportedRequest('GET', id);
  return { waba, owner };
}

export function accountRoutes(ctx: PlatformContext): GraphRoute[] {
  return [
    route('waba', 'GET', null, 'whatsapp_business_management', async (call) =>
      unwrap(selectFields(await loadWaba(ctx, call.nodeId), parseFields(call.params['fields']), wabaDefaults, wabaFields, 'WhatsAppBusinessAccount')),
    ),

    route('waba', 'GET', 'subscribed_apps', 'whatsapp_business_management', async (call) => {
      const subs = await subscriptionsOf(ctx.store.db, call.nodeId);
      return {
        data: subs.map(({ app, overrideCallbackUri }) => ({
          whatsapp_business_api_data: { id: app.id, link: `https://www.facebook.com/games/?app_id=${app.id}`, name: app.name },
          ...(overrideCallbackUri && { override_callback_uri: overrideCallbackUri }),
        })),
      };
    }),

    // Subscribes the app the access token belongs to; a body-less POST also clears an override.
    route('waba', 'POST', 'subscribed_apps', 'whatsapp_business_management', async (call) => {
      const input = unwrap(parseParams(subscribeSchema, call.params));
      const appId = call.caller.appId;
      if (!appId) throw errors.invalidParameter('The access token is not associated with an app; use a system user token generated for your app');
      if (input.override_callback_uri) {
        if (!input.verify_token) throw errors.requiredParameter('verify_token');
        const failure = await verifyCallbackUrl(input.override_callback_uri, input.verify_token);
        if (failure) throw failure;
      }
      await upsertSubscription(ctx.store.db, call.nodeId, appId, input.override_callback_uri ?? null, ctx.clock.now());
      return { success: true };
    }),

    route('waba', 'DELETE', 'subscribed_apps', 'whatsapp_business_management', async (call) => {
      const appId = call.caller.appId;
      if (!appId) throw errors.invalidParameter('The access token is not associated with an app; use a system user token generated for your app');
      await deleteSubscription(ctx.store.db, call.nodeId, appId);
      return { success: true };
    }),
  ];
}
