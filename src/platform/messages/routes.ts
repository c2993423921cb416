import type { PlatformContext } from '../context.js';
import { route, type GraphRoute } from '../graph/route.js';
import { sendMessage } from './service.js';

export function messageRoutes(ctx: PlatformContext): GraphRoute[] {
  return [route('phone_number', 'POST', 'messages', 'whatsapp_business_messaging', async (call) => sendMessage(ctx, call.nodeId, call.params))];
}
