import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { unwrap } from '../core/result.js';
import { parseParams } from '../platform/graph/params.js';

/** A control API body or query, validated: errors come back in Graph's envelope (code 100). */
export const parse = <S extends z.ZodType>(schema: S, value: unknown): z.infer<S> => unwrap(parseParams(schema, value ?? {}));

/** A path parameter of a control route. */
export const idParam = (request: FastifyRequest, name = 'id'): string => String((request.params as Record<string, unknown>)[name]);
