import { sql, type Insertable, type Selectable } from 'kysely';
import type { DroppedTable, EventsTable, GwDb, NumbersTable, SwitchesTable } from './db.js';
import type { Source } from './wire.js';

/** SQL only: every query the gateway runs. `db` may be a transaction. */

export type EventRow = Selectable<EventsTable>;
export type NumberRow = Selectable<NumbersTable>;
export type SwitchRow = Selectable<SwitchesTable>;
export type DroppedRow = Selectable<DroppedTable>;

/**
 * Queues an event. It becomes its lane's head when the lane had none, or when it belongs to an
 * earlier epoch than the head (a straggler of the API the number just left).
 */
export async function insertEvent(db: GwDb, row: Insertable<EventsTable>): Promise<number> {
  const { id } = await db.insertInto('gw_events').values(row).returning('id').executeTakeFirstOrThrow();
  if (row.state === 'pending') {
    await db
      .insertInto('gw_lanes')
      .values({ lane: row.lane, head_id: id, head_epoch: row.epoch, due_at: row.next_attempt_at })
      .onConflict((oc) =>
        oc
          .column('lane')
          .doUpdateSet((eb) => ({ head_id: eb.ref('excluded.head_id'), head_epoch: eb.ref('excluded.head_epoch'), due_at: eb.ref('excluded.due_at') }))
          .where((eb) => eb('excluded.head_epoch', '<', eb.ref('gw_lanes.head_epoch'))),
      )
      .execute();
  }
  return id;
}

/** Records a de-duplication key; false when it was already there (the event is a duplicate). */
export async function claimKey(db: GwDb, key: string, eventId: number, source: Source, at: number): Promise<boolean> {
  const res = await db.insertInto('gw_dedup').values({ key, event_id: eventId, source, at }).onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export function keyOwner(db: GwDb, key: string): Promise<{ source: Source; event_id: number } | undefined> {
  return db.selectFrom('gw_dedup').select(['source', 'event_id']).where('key', '=', key).executeTakeFirst();
}

export async function deleteEvent(db: GwDb, id: number): Promise<void> {
  await db.deleteFrom('gw_events').where('id', '=', id).execute();
}

export async function bumpCounters(db: GwDb, deltas: Readonly<Record<string, number>>): Promise<void> {
  for (const [name, n] of Object.entries(deltas)) {
    if (n === 0) continue;
    await db
      .insertInto('gw_counters')
      .values({ name, value: n })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value: sql`value + ${n}` }))
      .execute();
  }
}

export async function counters(db: GwDb): Promise<Record<string, number>> {
  const rows = await db.selectFrom('gw_counters').selectAll().orderBy('name').execute();
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.value)]));
}

export function findNumber(db: GwDb, id: string): Promise<NumberRow | undefined> {
  return db.selectFrom('gw_numbers').selectAll().where('phone_number_id', '=', id).executeTakeFirst();
}

export function listNumbers(db: GwDb): Promise<NumberRow[]> {
  return db.selectFrom('gw_numbers').selectAll().orderBy('phone_number_id').execute();
}

export async function saveNumber(db: GwDb, row: NumberRow): Promise<void> {
  const { phone_number_id: _id, ...rest } = row;
  await db
    .insertInto('gw_numbers')
    .values(row)
    .onConflict((oc) => oc.column('phone_number_id').doUpdateSet(rest))
    .execute();
}

export async function setConfirmed(db: GwDb, id: string, platformType: string, at: number): Promise<void> {
  await db.updateTable('gw_numbers').set({ confirmed_platform_type: platformType, confirmed_at: at }).where('phone_number_id', '=', id).execute();
}

export async function insertSwitch(db: GwDb, row: Insertable<SwitchesTable>): Promise<void> {
  await db.insertInto('gw_switches').values(row).execute();
}

export function switchesOf(db: GwDb, id: string): Promise<SwitchRow[]> {
  return db.selectFrom('gw_switches').selectAll().where('phone_number_id', '=', id).orderBy('id').execute();
}

export async function insertDropped(db: GwDb, row: Insertable<DroppedTable>): Promise<void> {
  await db.insertInto('gw_dropped').values(row).execute();
}

export function listDropped(db: GwDb, limit: number): Promise<DroppedRow[]> {
  return db.selectFrom('gw_dropped').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

// ---- the queue ----------------------------------------------------------------------------------

/**
 * The heads (lowest pending ids) of up to `limit` lanes whose head is due, oldest first, skipping
 * lanes in `busy` (in flight). A lane whose head is backing off yields nothing: that, with one POST
 * per lane at a time, is the per-number ordering guarantee. Lanes are read first (small rows), whole
 * events only for the heads taken.
 */
export async function dueHeads(db: GwDb, now: number, limit: number, busy: ReadonlySet<string> = new Set()): Promise<EventRow[]> {
  const lanes = await db.selectFrom('gw_lanes').select(['lane', 'head_id']).where('due_at', '<=', now).orderBy('head_id').limit(limit + busy.size).execute();
  const ids = lanes
    .filter((l) => !busy.has(l.lane))
    .slice(0, limit)
    .map((l) => l.head_id);
  if (ids.length === 0) return [];
  return db.selectFrom('gw_events').selectAll().where('id', 'in', ids).orderBy('id').execute();
}

/** After the head's outcome: the lane's new head (or the lane leaves the table when it is empty). */
export async function advanceLane(db: GwDb, lane: string): Promise<void> {
  const head = await db.selectFrom('gw_events').select(['id', 'epoch', 'next_attempt_at']).where('state', '=', 'pending').where('lane', '=', lane).orderBy('epoch').orderBy('id').limit(1).executeTakeFirst();
  if (!head) await db.deleteFrom('gw_lanes').where('lane', '=', lane).execute();
  else await db.updateTable('gw_lanes').set({ head_id: head.id, head_epoch: head.epoch, due_at: head.next_attempt_at }).where('lane', '=', lane).execute();
}

/**
 * Pending events of a lane right behind its head (same-POST batching), in queue order, up to the
 * first one not yet due: a held event must not be skipped by later ones.
 */
export async function followers(db: GwDb, head: Pick<EventRow, 'lane' | 'epoch' | 'id'>, now: number, limit: number): Promise<EventRow[]> {
  const next = await db
    .selectFrom('gw_events')
    .selectAll()
    .where('state', '=', 'pending')
    .where('lane', '=', head.lane)
    .where((eb) => eb.or([eb('epoch', '>', head.epoch), eb.and([eb('epoch', '=', head.epoch), eb('id', '>', head.id)])]))
    .orderBy('epoch')
    .orderBy('id')
    .limit(limit)
    .execute();
  const due = next.findIndex((e) => e.next_attempt_at > now);
  return due < 0 ? next : next.slice(0, due);
}

export async function markDelivered(db: GwDb, ids: readonly number[], at: number): Promise<void> {
  if (ids.length > 0) await db.updateTable('gw_events').set({ state: 'delivered', delivered_at: at, last_error: null }).where('id', 'in', ids).execute();
}

export async function markRetry(db: GwDb, id: number, attempts: number, nextAttemptAt: number, error: string): Promise<void> {
  await db.updateTable('gw_events').set({ attempts, next_attempt_at: nextAttemptAt, last_error: error }).where('id', '=', id).execute();
}

export async function markDead(db: GwDb, id: number, attempts: number, at: number, error: string): Promise<void> {
  await db.updateTable('gw_events').set({ state: 'dead', attempts, dead_at: at, last_error: error }).where('id', '=', id).execute();
}

export async function stateCounts(db: GwDb): Promise<Record<string, number>> {
  const rows = await db.selectFrom('gw_events').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

export function findEvent(db: GwDb, id: number): Promise<EventRow | undefined> {
  return db.selectFrom('gw_events').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listDead(db: GwDb, filter: { phoneNumberId?: string; limit: number; afterId?: number }): Promise<EventRow[]> {
  let q = db.selectFrom('gw_events').selectAll().where('state', '=', 'dead');
  if (filter.phoneNumberId !== undefined) q = q.where('phone_number_id', '=', filter.phoneNumberId);
  if (filter.afterId !== undefined) q = q.where('id', '>', filter.afterId);
  return q.orderBy('id').limit(filter.limit).execute();
}

/** Drops what no longer serves: delivered events, old de-duplication keys and drop records. */
export async function prune(db: GwDb, before: number): Promise<void> {
  await db.deleteFrom('gw_events').where('state', 'in', ['delivered', 'replayed']).where('received_at', '<', before).execute();
  await db.deleteFrom('gw_dedup').where('at', '<', before).execute();
  await db.deleteFrom('gw_dropped').where('at', '<', before).execute();
}

/** Replays dead events: each is queued again as a new event at the tail of its lane. */
export async function requeueDead(db: GwDb, rows: readonly EventRow[], now: number): Promise<{ id: number; replay_id: number }[]> {
  const out: { id: number; replay_id: number }[] = [];
  for (const { id, ...row } of rows) {
    // The tail: the number's current epoch, a new id.
    const epoch = row.phone_number_id === null ? row.epoch : ((await findNumber(db, row.phone_number_id))?.epoch ?? row.epoch);
    const replayId = await insertEvent(db, { ...row, epoch, state: 'pending', attempts: 0, next_attempt_at: now, last_error: null, received_at: now, delivered_at: null, dead_at: null, replay_of: id });
    await db.updateTable('gw_events').set({ state: 'replayed' }).where('id', '=', id).where('state', '=', 'dead').execute();
    out.push({ id, replay_id: replayId });
  }
  return out;
}
