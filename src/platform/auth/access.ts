import type { Executor } from '../../store/database.js';
import type { GraphNodeKind, NumberMigration, Waba } from '../../store/schema.js';
import { prepared } from '../../store/prepared.js';
import type { Caller } from './tokens.js';
import { pendingMigrations } from '../waba-migration/repo.js';

/** The hottest access check (every send): number → its WABA's owners, in one query. */
const phoneWabaOwners = prepared(
  (db, p: { id: string }) =>
    db
      .selectFrom('phone_numbers')
      .innerJoin('wabas', 'wabas.id', 'phone_numbers.waba_id')
      .select(['wabas.id', 'wabas.owner_business_id', 'wabas.partner_business_id'])
      .where('phone_numbers.id', '=', p.id)
      .where('wabas.deleted_at', 'is', null),
  { cached: true },
);
const wabaOwners = prepared(
  (db, p: { id: string }) => db.selectFrom('wabas').select(['id', 'owner_business_id', 'partner_business_id']).where('id', '=', p.id).where('deleted_at', 'is', null),
  { cached: true },
);

/**
 * Pure rule: a token may touch a WABA it is scoped to directly, or one owned by or partnered with
 * (On-Behalf-Of) a business it is scoped to.
 */
export function mayAccessWaba(caller: Caller, waba: Pick<Waba, 'id' | 'owner_business_id' | 'partner_business_id'>): boolean {
  return (
    caller.wabaIds.has(waba.id) ||
    caller.businessIds.has(waba.owner_business_id) ||
    (waba.partner_business_id !== null && caller.businessIds.has(waba.partner_business_id))
  );
}

/** The WABA that governs access to a node, or the business itself for business/app nodes. */
async function owningWabaId(db: Executor, kind: GraphNodeKind, id: string): Promise<string | undefined> {
  switch (kind) {
    case 'waba':
      return id;
    case 'template':
      return (await db.selectFrom('templates').select('waba_id').where('id', '=', id).executeTakeFirst())?.waba_id;
    case 'media': {
      const row = await db
        .selectFrom('media')
        .innerJoin('phone_numbers', 'phone_numbers.id', 'media.phone_number_id')
        .select('phone_numbers.waba_id')
        .where('media.id', '=', id)
        .executeTakeFirst();
      return row?.waba_id;
    }
    default:
      return undefined;
  }
}

export async function mayAccessNode(db: Executor, caller: Caller, kind: GraphNodeKind, id: string): Promise<boolean> {
  if (kind === 'business') return caller.businessIds.has(id);
  if (kind === 'app') {
    const app = await db.selectFrom('apps').select('business_id').where('id', '=', id).executeTakeFirst();
    return app !== undefined && (caller.appId === id || caller.businessIds.has(app.business_id));
  }
  if (kind === 'phone_number') {
    const [waba] = await phoneWabaOwners(db, { id });
    return waba !== undefined && mayAccessWaba(caller, waba);
  }
  const wabaId = await owningWabaId(db, kind, id);
  if (!wabaId) return false;
  const [waba] = await wabaOwners(db, { id: wabaId });
  return waba !== undefined && mayAccessWaba(caller, waba);
}

/** Edges a migration's destination may call on a number it does not own yet (seed 004 step 3). */
const MIGRATION_EDGES: ReadonlySet<string> = new Set(['request_code', 'verify_code']);

/**
 * The pending WABA-to-WABA migration of a number whose destination this caller may manage, if any
 * (expired claims included; the edge decides what expiry means).
 */
export async function migrationClaimOf(db: Executor, caller: Caller, numberId: string): Promise<NumberMigration | undefined> {
  for (const claim of await pendingMigrations(db, numberId)) {
    const [dest] = await wabaOwners(db, { id: claim.dest_waba_id });
    if (dest && mayAccessWaba(caller, dest)) return claim;
  }
  return undefined;
}

/** Access to one edge of a node: the node's own scope, or for a migrating number its destination's. */
export async function mayCallEdge(db: Executor, caller: Caller, kind: GraphNodeKind, id: string, method: string, edge: string | null): Promise<boolean> {
  if (await mayAccessNode(db, caller, kind, id)) return true;
  if (kind !== 'phone_number' || method !== 'POST' || edge === null || !MIGRATION_EDGES.has(edge)) return false;
  return (await migrationClaimOf(db, caller, id)) !== undefined;
}
