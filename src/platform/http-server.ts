import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { errors, type ApiError } from '../core/errors.js';
import { renderGraphError } from './graph/render-error.js';

/** Turns an error into the status and body of the API a path belongs to. */
export type ErrorRenderer = (path: string, err: ApiError) => { status: number; body: unknown };

export const graphRenderer: ErrorRenderer = (_path, err) => ({ status: err.spec.httpStatus, body: renderGraphError(err) });

/**
 * Fastify options shared by the platform's servers. Failures Fastify meets before any route runs —
 * bad percent-encoding, an over-long path segment, an unparseable request line or headers — answer
 * in the API's own error envelope too, never Fastify's (found by the fuzz suite).
 */
export function serverOptions(bodyLimit: number, render: ErrorRenderer): FastifyServerOptions {
  return {
    logger: false,
    bodyLimit,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0] ?? '';
      const details = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path segment is too long.' : 'The request URL is malformed (bad percent-encoding).';
      const { status, body } = render(path, errors.invalidParameter(details));
      void reply.code(status).send(body);
    },
    clientErrorHandler: (err, socket) => answerClientError(err, socket, render),
  };
}

/**
 * A request Node could not parse (no route ran): answered in the envelope of the path its request
 * line names, when one can be read from the raw bytes, then the connection is closed.
 */
function answerClientError(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket, render: ErrorRenderer): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const raw = Buffer.isBuffer(err.rawPacket) ? err.rawPacket.subarray(0, 2048).toString('latin1') : '';
  const path = /^[A-Z]+ (\/[^\s?]*)/.exec(raw)?.[1] ?? '/';
  const apiError = errors.malformedBody(status === 431 ? 'Request headers are too large.' : 'The HTTP request could not be parsed.');
  const body = JSON.stringify(render(path, apiError).body);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
