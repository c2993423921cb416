import { createHash } from 'node:crypto';
import { errors } from '../../core/errors.js';
import { newGraphId } from '../../core/ids.js';
import { unwrap } from '../../core/result.js';
import type { Media } from '../../store/schema.js';
import type { PlatformContext } from '../context.js';
import { findMediaMeta } from '../messages/repo.js';
import { checkUpload, isMediaUsable, MEDIA_TTL_MS, MEDIA_URL_TTL_MS, signMediaUrl } from './domain.js';
import { findPhoneNumber } from '../phone-numbers/repo.js';

export interface UploadInput {
  numberId: string;
  api: 'cloud' | 'onprem';
  mimeType: string;
  filename: string | null;
  data: Buffer;
}

export async function uploadMedia(ctx: PlatformContext, input: UploadInput): Promise<{ id: string }> {
  const mime = unwrap(checkUpload(input.mimeType, input.data.length));
  const id = newGraphId();
  const now = ctx.clock.now();
  await ctx.store.transaction(async (tx) => {
    await tx.insertInto('graph_nodes').values({ id, kind: 'media' }).execute();
    await tx
      .insertInto('media')
      .values({
        id,
        phone_number_id: input.numberId,
        api: input.api,
        mime_type: mime,
        sha256: createHash('sha256').update(input.data).digest('hex'),
        file_size: input.data.length,
        filename: input.filename,
        data: input.data,
        created_at: now,
        expires_at: now + MEDIA_TTL_MS,
        deleted_at: null,
      })
      .execute();
  });
  return { id };
}

/** Loads live (not deleted, not expired) media; `phoneNumberId`, when given, must be the uploader. */
export async function liveMedia(ctx: PlatformContext, id: string, phoneNumberId: unknown, method: string): Promise<Omit<Media, 'data'>> {
  const meta = await findMediaMeta(ctx.store.db, id);
  const owner = meta ? await findPhoneNumber(ctx.store.db, meta.phone_number_id) : undefined;
  if (!meta || !isMediaUsable(meta, owner?.history_since ?? null, ctx.clock.now())) throw errors.unsupportedRequest(method, id);
  if (phoneNumberId !== undefined && phoneNumberId !== meta.phone_number_id) {
    throw errors.invalidParameter(`Param phone_number_id does not match the phone number that uploaded media ${id}`);
  }
  return meta;
}

export async function describeMedia(ctx: PlatformContext, id: string, phoneNumberId: unknown): Promise<Record<string, unknown>> {
  const meta = await liveMedia(ctx, id, phoneNumberId, 'GET');
  const expires = Math.floor((ctx.clock.now() + MEDIA_URL_TTL_MS) / 1000);
  const url = `${ctx.publicUrl}/lookaside/whatsapp_business/attachments/?mid=${id}&ext=${expires}&hash=${signMediaUrl(ctx.mediaUrlSecret, id, expires)}`;
  // file_size is a decimal string on the wire (Meta's OpenAPI schema and example; whatsapp-api-js types it so).
  return { messaging_product: 'whatsapp', url, mime_type: meta.mime_type, sha256: meta.sha256, file_size: String(meta.file_size), id };
}

export async function deleteMedia(ctx: PlatformContext, id: string, phoneNumberId: unknown): Promise<{ success: true }> {
  await liveMedia(ctx, id, phoneNumberId, 'DELETE');
  await ctx.store.db.updateTable('media').set({ deleted_at: ctx.clock.now() }).where('id', '=', id).execute();
  return { success: true };
}

/** Bytes behind a signed download URL, or undefined when the URL is forged, expired or the media gone. */
export async function downloadMedia(ctx: PlatformContext, mid: string, ext: string, hash: string): Promise<Pick<Media, 'data' | 'mime_type'> | undefined> {
  const expires = Number(ext);
  if (!Number.isInteger(expires) || expires * 1000 < ctx.clock.now() || signMediaUrl(ctx.mediaUrlSecret, mid, expires) !== hash) return undefined;
  const row = await ctx.store.db.selectFrom('media').select(['data', 'mime_type', 'deleted_at']).where('id', '=', mid).executeTakeFirst();
  return row && row.deleted_at === null ? row : undefined;
}
