import type { FastifyError } from 'fastify';
import { ApiError, errors } from '../core/errors.js';

/** The one value every unexpected failure maps to (logged, then rendered generically). */
export const internalError = errors.internal();

/** Maps anything thrown while serving a request to a typed ApiError; both wire renderers use it. */
export function toApiError(err: FastifyError | ApiError, bodyLimitBytes: number): ApiError {
  if (err instanceof ApiError) return err;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // Fastify's message carries no number; the limit is the route's (or the server's) body limit.
      return errors.bodyTooLarge(bodyLimitBytes);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.invalidParameter('Unsupported Content-Type: use application/json, application/x-www-form-urlencoded or multipart/form-data');
    case 'FST_REQ_FILE_TOO_LARGE':
      return errors.mediaUploadError('The uploaded file is larger than the largest supported media size.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
    case 'FST_PROTO_VIOLATION':
      return errors.invalidParameter(err.message);
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return errors.invalidParameter(err.message);
  return internalError;
}
