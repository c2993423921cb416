import { errors } from '../../core/errors.js';
import { fail, ok, type Result } from '../../core/result.js';
import { sha256Hex } from '../../core/ids.js';
import type { AccessTokenRow } from '../../store/schema.js';
import type { Executor } from '../../store/database.js';

export type Permission = 'whatsapp_business_management' | 'whatsapp_business_messaging';
export const PERMISSIONS: readonly Permission[] = ['whatsapp_business_management', 'whatsapp_business_messaging'];

/** A verified caller: what the token may do and which businesses' or WABAs' assets it may touch. */
export interface Caller {
  readonly tokenId: string;
  readonly appId: string | null;
  readonly permissions: ReadonlySet<string>;
  readonly businessIds: ReadonlySet<string>;
  readonly wabaIds: ReadonlySet<string>;
}

/** Pure rule: does this stored token, at this instant, make a caller? */
export function callerFromToken(row: AccessTokenRow | undefined, now: number): Result<Caller> {
  if (!row) return fail(errors.malformedToken());
  if (row.expires_at !== null && row.expires_at <= now) {
    return fail(errors.expiredToken(new Date(row.expires_at), new Date(now)));
  }
  return ok({
    tokenId: row.id,
    appId: row.app_id,
    permissions: new Set(JSON.parse(row.permissions) as string[]),
    businessIds: new Set(JSON.parse(row.business_ids) as string[]),
    wabaIds: new Set(JSON.parse(row.waba_ids) as string[]),
  });
}

export function requirePermission(caller: Caller, permission: Permission): Result<Caller> {
  return caller.permissions.has(permission) ? ok(caller) : fail(errors.missingPermission(permission));
}

/**
 * `Authorization: Bearer x` wins over `access_token=x` (query or form); other schemes are ignored.
 * Whatever follows the scheme is the token, spaces and all: "Bearer <token> junk" is a token that does
 * not parse (190), not a missing one (104).
 */
export function extractToken(authorization: string | undefined, param: unknown): string | undefined {
  const match = authorization ? /^(?:Bearer|OAuth)\s+(.+?)\s*$/i.exec(authorization) : null;
  if (match?.[1]) return match[1];
  return typeof param === 'string' && param.length > 0 ? param : undefined;
}

export async function findToken(db: Executor, token: string): Promise<AccessTokenRow | undefined> {
  return db.selectFrom('access_tokens').selectAll().where('token_hash', '=', sha256Hex(token)).executeTakeFirst();
}
