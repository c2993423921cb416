import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openGatewayDb, type GwDb } from './db.js';
import { advanceLane, claimKey, dueHeads, followers, insertDropped, insertEvent, keyOwner, listDead, markDead, markDelivered, markRetry, prune, requeueDead, type EventRow } from './repo.js';

/**
 * The lanes table is a cache of "lowest pending id per lane, and when it is due": after any
 * sequence of queue operations it must equal what the events table says.
 */
describe('queue lanes', () => {
  let db: GwDb;
  beforeEach(async () => {
    db = await openGatewayDb(':memory:');
  });
  afterEach(async () => {
    await db.destroy();
  });

  const enqueue = (lane: string, now: number, epoch = 0): Promise<number> =>
    insertEvent(db, { lane, epoch, waba_id: 'W', phone_number_id: lane, source: 'cloud', deployment: null, kind: 'message', field: 'messages', value: '{}', entry_time: null, event_ts: null, subject_id: null, dedup_key: `${lane}:${now}:${Math.random()}`, state: 'pending', attempts: 0, next_attempt_at: now, last_error: null, received_at: now, delivered_at: null, dead_at: null, replay_of: null });

  async function expectConsistent(): Promise<void> {
    const derived = await sql<{ lane: string; head_id: number; head_epoch: number; due_at: number }>`
      select lane, id as head_id, epoch as head_epoch, next_attempt_at as due_at from (
        select *, row_number() over (partition by lane order by epoch, id) as rn from gw_events where state = 'pending'
      ) where rn = 1 order by lane`.execute(db);
    const lanes = await db.selectFrom('gw_lanes').selectAll().orderBy('lane').execute();
    expect(lanes.map((l) => ({ ...l, due_at: Number(l.due_at) }))).toEqual(derived.rows.map((r) => ({ ...r, due_at: Number(r.due_at) })));
  }

  it('stay equal to the events table through deliveries, retries, dead letters, replays and switch-overs', async () => {
    const epochs = new Map<string, number>();
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 400; step++) {
      const now = step * 10;
      const heads: EventRow[] = await dueHeads(db, now + 1000, 100);
      const head = heads[rand(Math.max(1, heads.length))];
      switch (rand(5)) {
        case 0:
        case 1: {
          // Sometimes the number switches API (a new epoch), sometimes a straggler of the old one arrives.
          const lane = `n${rand(4)}`;
          const current = epochs.get(lane) ?? 0;
          const roll = rand(10);
          if (roll === 0) epochs.set(lane, current + 1);
          await enqueue(lane, now + (roll === 1 ? 0 : rand(30)), roll === 2 ? Math.max(0, current - 1) : (epochs.get(lane) ?? 0));
          break;
        }
        case 2:
          if (head) await markDelivered(db, [head.id], now);
          if (head) await advanceLane(db, head.lane);
          break;
        case 3:
          if (head) await markRetry(db, head.id, head.attempts + 1, now + rand(50), 'HTTP 500');
          if (head) await advanceLane(db, head.lane);
          break;
        case 4: {
          if (head && rand(2) === 0) {
            await markDead(db, head.id, head.attempts + 1, now, 'HTTP 500');
            await advanceLane(db, head.lane);
          } else {
            const dead = await listDead(db, { limit: 2 });
            await requeueDead(db, dead, now);
          }
          break;
        }
      }
      await expectConsistent();
    }
  });

  it('a lane whose head backs off yields nothing, even when later events of it are due', async () => {
    const a = await enqueue('a', 0);
    await enqueue('a', 0);
    await enqueue('b', 0);
    await markRetry(db, a, 1, 500, 'HTTP 503');
    await advanceLane(db, 'a');
    expect((await dueHeads(db, 100, 10)).map((e) => e.lane)).toEqual(['b']);
    expect((await dueHeads(db, 500, 10)).map((e) => [e.lane, e.id])).toEqual([
      ['a', a],
      ['b', a + 2],
    ]);
  });

  it('a straggler of an earlier epoch jumps ahead of held events; followers stop at the first held one', async () => {
    const held = await enqueue('n', 1_000, 1);
    const heldToo = await enqueue('n', 1_000, 1);
    expect(await dueHeads(db, 100, 10)).toEqual([]);
    const straggler = await enqueue('n', 100, 0);
    const second = await enqueue('n', 100, 0);
    const [head] = await dueHeads(db, 100, 10);
    expect(head?.id).toBe(straggler);
    expect((await followers(db, head as EventRow, 100, 10)).map((e) => e.id)).toEqual([second]);
    expect((await followers(db, head as EventRow, 1_000, 10)).map((e) => e.id)).toEqual([second, held, heldToo]);
  });

  it('pruning drops delivered events, keys and drop records older than the cut-off; pending and dead stay', async () => {
    const [delivered, pending, dead, recent] = [await enqueue('a', 0), await enqueue('b', 0), await enqueue('c', 0), await enqueue('d', 5_000)];
    await markDelivered(db, [delivered], 10);
    await markDead(db, dead, 3, 10, 'HTTP 500');
    await markDelivered(db, [recent], 5_010);
    await claimKey(db, 'old', delivered, 'cloud', 0);
    await claimKey(db, 'new', recent, 'cloud', 5_000);
    await insertDropped(db, { source: 'onprem', deployment: 'x', reason: 'r', item: '{}', at: 0 });
    await prune(db, 1_000);
    const left = await db.selectFrom('gw_events').select(['id', 'state']).orderBy('id').execute();
    expect(left).toEqual([
      { id: pending, state: 'pending' },
      { id: dead, state: 'dead' },
      { id: recent, state: 'delivered' },
    ]);
    expect([await keyOwner(db, 'old'), (await keyOwner(db, 'new'))?.event_id]).toEqual([undefined, recent]);
    expect(await db.selectFrom('gw_dropped').selectAll().execute()).toEqual([]);
  });
});
