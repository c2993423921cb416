/** HTTP plumbing shared by the Graph, On-Prem and control surfaces: body parsing and error mapping. */
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, errors } from '../core/errors.js';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../core/json-depth.js';

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

/** JSON bodies: an empty body is `{}` (curl -H 'Content-Type: application/json' with no data). */
export function installParsers(http: FastifyInstance): void {
  // Fastify parses text/plain by default; Graph edges take JSON, form or multipart only, so a
  // text/plain body must be refused (Unsupported Content-Type), not silently dropped.
  http.removeContentTypeParser(['application/json', 'text/plain']);
  const parseJson = (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void => {
    const text = String(body);
    request.rawBody = text;
    if (text.trim() === '') return done(null, {});
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return done(errors.malformedBody(`Request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`), undefined);
    }
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) return done(errors.malformedBody(`Request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    done(null, value);
  };
  http.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson);
  // Structured-syntax JSON types (application/vnd.api+json, application/problem+json, ...).
  http.addContentTypeParser(/^application\/[\w.-]+\+json$/, { parseAs: 'string' }, parseJson);
}

