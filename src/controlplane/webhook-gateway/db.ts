import { Kysely, Migrator, type Generated, type Migration } from 'kysely';
import { openSqliteFile, sqliteDialect, withStatementCache } from '../../store/sqlite.js';
import type { EventKind, Source } from './wire.js';

/**
 * The gateway's own database (never the platform's, never the control plane's jobs): the durable
 * queue, de-duplication keys, the per-number source view and counters. Epoch-ms timestamps, JSON as
 * text, portable SQL only.
 */

export type EventState = 'pending' | 'delivered' | 'dead' | 'replayed';

export interface EventsTable {
  id: Generated<number>;
  lane: string;
  /** A lane's events are delivered by (epoch, id): see `placement` in domain.ts. */
  epoch: number;
  waba_id: string;
  phone_number_id: string | null;
  source: Source;
  deployment: string | null;
  kind: EventKind;
  field: string;
  /** The Cloud change value the app receives (JSON). */
  value: string;
  entry_time: number | null;
  /** Meta's timestamp of the event, unix seconds. */
  event_ts: number | null;
  subject_id: string | null;
  dedup_key: string;
  state: EventState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  received_at: number;
  delivered_at: number | null;
  dead_at: number | null;
  /** For a replayed copy: the dead-lettered event it replays. */
  replay_of: number | null;
}

/** One row per lane with pending events: its head (first pending by epoch, id) and when that is due. */
export interface LanesTable {
  lane: string;
  head_id: number;
  head_epoch: number;
  due_at: number;
}

export interface DedupTable {
  key: string;
  event_id: number;
  source: Source;
  at: number;
}

export interface NumbersTable {
  phone_number_id: string;
  waba_id: string;
  display_phone_number: string;
  current_source: Source;
  /** Switches seen so far (orders the number's queue). */
  epoch: number;
  /** Newest event timestamp (unix s) from the current source. */
  current_latest: number | null;
  previous_source: Source | null;
  switched_at: number | null;
  first_seen_at: number;
  last_event_at: number;
  onprem_events: number;
  cloud_events: number;
  deployment: string | null;
  confirmed_platform_type: string | null;
  confirmed_at: number | null;
}

export interface SwitchesTable {
  id: Generated<number>;
  phone_number_id: string;
  from_source: Source;
  to_source: Source;
  at: number;
  event_ts: number | null;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface DroppedTable {
  id: Generated<number>;
  source: Source;
  deployment: string | null;
  reason: string;
  item: string;
  at: number;
}

export interface GatewayDatabase {
  gw_events: EventsTable;
  gw_lanes: LanesTable;
  gw_dedup: DedupTable;
  gw_numbers: NumbersTable;
  gw_switches: SwitchesTable;
  gw_counters: CountersTable;
  gw_dropped: DroppedTable;
}

export type GwDb = Kysely<GatewayDatabase>;

/** Numbered, append-only; never edit a released one. */
const migrations: Record<string, Migration> = {
  '0001-queue-dedup-numbers': {
    async up(db: Kysely<unknown>) {
      const s = db.schema;
      await s
        .createTable('gw_events')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('lane', 'text', (c) => c.notNull())
        .addColumn('epoch', 'integer', (c) => c.notNull())
        .addColumn('waba_id', 'text', (c) => c.notNull())
        .addColumn('phone_number_id', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('deployment', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('entry_time', 'bigint')
        .addColumn('event_ts', 'bigint')
        .addColumn('subject_id', 'text')
        .addColumn('dedup_key', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .addColumn('dead_at', 'bigint')
        .addColumn('replay_of', 'integer')
        .execute();
      // A lane's next pending event after its head is delivered: the first by (epoch, id).
      await s.createIndex('gw_events_pending').on('gw_events').columns(['state', 'lane', 'epoch', 'id']).execute();
      // Claims read lanes, not events: their cost follows the number of numbers, not the backlog.
      await s
        .createTable('gw_lanes')
        .addColumn('lane', 'text', (c) => c.primaryKey())
        .addColumn('head_id', 'integer', (c) => c.notNull())
        .addColumn('head_epoch', 'integer', (c) => c.notNull())
        .addColumn('due_at', 'bigint', (c) => c.notNull())
        .execute();
      await s.createIndex('gw_lanes_due').on('gw_lanes').columns(['due_at']).execute();
      await s.createIndex('gw_events_dead').on('gw_events').columns(['state', 'dead_at']).execute();
      await s.createIndex('gw_events_delivered').on('gw_events').columns(['state', 'delivered_at']).execute();
      await s
        .createTable('gw_dedup')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('event_id', 'integer', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await s.createIndex('gw_dedup_at').on('gw_dedup').column('at').execute();
      await s
        .createTable('gw_numbers')
        .addColumn('phone_number_id', 'text', (c) => c.primaryKey())
        .addColumn('waba_id', 'text', (c) => c.notNull())
        .addColumn('display_phone_number', 'text', (c) => c.notNull())
        .addColumn('current_source', 'text', (c) => c.notNull())
        .addColumn('epoch', 'integer', (c) => c.notNull())
        .addColumn('current_latest', 'bigint')
        .addColumn('previous_source', 'text')
        .addColumn('switched_at', 'bigint')
        .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('last_event_at', 'bigint', (c) => c.notNull())
        .addColumn('onprem_events', 'integer', (c) => c.notNull())
        .addColumn('cloud_events', 'integer', (c) => c.notNull())
        .addColumn('deployment', 'text')
        .addColumn('confirmed_platform_type', 'text')
        .addColumn('confirmed_at', 'bigint')
        .execute();
      await s
        .createTable('gw_switches')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('phone_number_id', 'text', (c) => c.notNull())
        .addColumn('from_source', 'text', (c) => c.notNull())
        .addColumn('to_source', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('event_ts', 'bigint')
        .execute();
      await s.createIndex('gw_switches_number').on('gw_switches').columns(['phone_number_id', 'id']).execute();
      await s
        .createTable('gw_counters')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'integer', (c) => c.notNull())
        .execute();
      await s
        .createTable('gw_dropped')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('deployment', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('item', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

/** Opens (creating if needed) the gateway's SQLite file, or ':memory:', and migrates it. */
export async function openGatewayDb(path: string): Promise<GwDb> {
  // FULL: a 200 to Meta or On-Prem means "we have it"; it must survive a power cut, not only a crash.
  const sqlite = openSqliteFile(path, { synchronous: 'FULL' });
  const db = new Kysely<GatewayDatabase>({ dialect: sqliteDialect(withStatementCache(sqlite, { size: 1024 })) });
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, migrationTableName: 'gw_migrations', migrationLockTableName: 'gw_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`webhook-gateway database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
  return db;
}
