import { createHmac } from 'node:crypto';
import { errors } from '../../core/errors.js';
import { fail, ok, type Result } from '../../core/result.js';

const MB = 1024 * 1024;

/** Supported upload types and their size limits (api-facts E, "Media sizes"). */
export const MEDIA_LIMITS: Readonly<Record<string, number>> = {
  'audio/aac': 16 * MB,
  'audio/amr': 16 * MB,
  'audio/mpeg': 16 * MB,
  'audio/mp4': 16 * MB,
  'audio/ogg': 16 * MB,
  'text/plain': 100 * MB,
  'application/pdf': 100 * MB,
  'application/vnd.ms-excel': 100 * MB,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 100 * MB,
  'application/msword': 100 * MB,
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 100 * MB,
  'application/vnd.ms-powerpoint': 100 * MB,
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 100 * MB,
  'image/jpeg': 5 * MB,
  'image/png': 5 * MB,
  'image/webp': 500 * 1024,
  'video/mp4': 16 * MB,
  'video/3gpp': 16 * MB,
};

/** `audio/ogg; codecs=opus` is checked as `audio/ogg`. */
export const baseMime = (mime: string): string => mime.split(';')[0]?.trim().toLowerCase() ?? '';

export function checkUpload(mime: string, size: number): Result<string> {
  const limit = MEDIA_LIMITS[baseMime(mime)];
  if (limit === undefined) return fail(errors.mediaUploadError(`Param file must be a file with one of the following types: ${Object.keys(MEDIA_LIMITS).join(', ')}. Received file of type '${mime}'.`));
  if (size === 0) return fail(errors.mediaUploadError('The uploaded file is empty.'));
  if (size > limit) return fail(errors.mediaUploadError(`File size ${size} bytes exceeds the ${limit} byte limit for ${baseMime(mime)}.`));
  return ok(mime);
}

/** Uploaded media lives 30 days; download URLs 5 minutes (api-facts B.12). */
export const MEDIA_TTL_MS = 30 * 24 * 60 * 60 * 1000;
export const MEDIA_URL_TTL_MS = 5 * 60 * 1000;

/** Download URLs are signed so they expire like Meta's lookaside URLs. */
export function signMediaUrl(secret: string, mediaId: string, expiresAtSec: number): string {
  return createHmac('sha256', secret).update(`${mediaId}:${expiresAtSec}`).digest('hex').slice(0, 32);
}

/**
 * Whether stored media can still be used: not deleted, not expired, and not older than its number's
 * history cut-off (a WABA-to-WABA migration involving On-Prem does not carry media, seed 004).
 */
export function isMediaUsable(meta: { deleted_at: number | null; expires_at: number; created_at: number }, historySince: number | null, now: number): boolean {
  return meta.deleted_at === null && meta.expires_at > now && (historySince === null || meta.created_at >= historySince);
}
