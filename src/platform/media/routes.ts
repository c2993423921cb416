import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errors } from '../../core/errors.js';
import { unwrap } from '../../core/result.js';
import { mayAccessNode } from '../auth/access.js';
import { callerFromToken, extractToken, findToken } from '../auth/tokens.js';
import type { PlatformContext } from '../context.js';
import { parseParams } from '../graph/params.js';
import { route, type GraphRoute } from '../graph/route.js';
import { messagingProduct } from '../graph/schemas.js';
import { deleteMedia, describeMedia, downloadMedia, uploadMedia } from './service.js';

const uploadSchema = z.object({ messaging_product: messagingProduct, type: z.string().optional() });

export function mediaRoutes(ctx: PlatformContext): GraphRoute[] {
  return [
    route('phone_number', 'POST', 'media', 'whatsapp_business_messaging', async (call) => {
      const input = unwrap(parseParams(uploadSchema, call.params));
      const file = call.files.find((f) => f.fieldName === 'file');
      if (!file) throw errors.requiredParameter('file');
      return uploadMedia(ctx, { numberId: call.nodeId, api: 'cloud', mimeType: input.type ?? file.mimeType, filename: file.filename, data: file.data });
    }),
    route('media', 'GET', null, 'whatsapp_business_messaging', async (call) => describeMedia(ctx, call.nodeId, call.params['phone_number_id'])),
    route('media', 'DELETE', null, 'whatsapp_business_messaging', async (call) => deleteMedia(ctx, call.nodeId, call.params['phone_number_id'])),
  ];
}

/** The lookaside host's download URL: needs a valid bearer token, like Meta's (api-facts B.12). */
export function mountMediaDownload(app: FastifyInstance, ctx: PlatformContext): void {
  const store = ctx.store;
  app.get('/lookaside/whatsapp_business/attachments/', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const token = extractToken(request.headers.authorization, undefined);
    if (!token) throw errors.missingToken();
    const caller = unwrap(callerFromToken(await findToken(store.db, token), ctx.clock.now()));
    const mid = q['mid'] ?? '';
    // A token only downloads media of WABAs it may see; others look like a dead link.
    const media = (await mayAccessNode(store.db, caller, 'media', mid)) ? await downloadMedia(ctx, mid, q['ext'] ?? '', q['hash'] ?? '') : undefined;
    if (!media) return reply.code(404).type('text/plain').send('URL signature expired');
    return reply.type(media.mime_type).send(media.data);
  });
}
