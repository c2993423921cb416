import type { GatewayDatabase, GwDb } from './db.js';
import type { Counters } from './counters.js';
import { findEvent, findNumber, listDead, listDropped, listNumbers, requeueDead, setConfirmed, stateCounts, switchesOf, type EventRow, type NumberRow } from './repo.js';
import type { Json, Source } from './wire.js';
import type { WriteBatcher } from './write-batch.js';

/** Graph's name for the API a number is registered on (api-facts B.1 `platform_type`). */
export type PlatformType = 'ON_PREMISE' | 'CLOUD_API';
const platformTypeOf = (s: Source): PlatformType => (s === 'onprem' ? 'ON_PREMISE' : 'CLOUD_API');
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export interface NumberView {
  phone_number_id: string;
  waba_id: string;
  display_phone_number: string;
  /** The API the number's webhooks come from now, in Graph's `platform_type` terms. */
  receiving_from: PlatformType;
  /** When the gateway saw it switch to that API (null: it has only ever seen this one). */
  switched_at: string | null;
  previous: PlatformType | null;
  deployment: string | null;
  events: { onprem: number; cloud: number };
  first_seen_at: string | null;
  last_event_at: string | null;
  /** What Graph said last time it was asked (`?confirm=1`), and when. */
  confirmed: { platform_type: string; at: string | null } | null;
  switches?: { from: PlatformType; to: PlatformType; at: string | null; event_timestamp: number | null }[];
}

export interface DeadLetterView {
  id: number;
  phone_number_id: string | null;
  waba_id: string;
  source: Source;
  field: string;
  kind: string;
  attempts: number;
  last_error: string | null;
  received_at: string | null;
  dead_at: string | null;
  value: Json;
}

/** Reads a number's API from Graph (`GET /{id}?fields=platform_type`). */
export type PlatformTypeLookup = (phoneNumberId: string) => Promise<string>;

/** The gateway's operator API: status, per-number source view, dead letters and replay. */
export class GatewayAdmin {
  constructor(
    private readonly db: GwDb,
    private readonly writes: WriteBatcher<GatewayDatabase>,
    private readonly now: () => number,
    private readonly onQueued: () => void,
    private readonly lookup: PlatformTypeLookup | undefined,
    private readonly counters: Counters,
  ) {}

  async status(): Promise<{ queue: Record<string, number>; counters: Record<string, number>; numbers: NumberView[] }> {
    const states = await stateCounts(this.db);
    return {
      queue: { pending: states['pending'] ?? 0, delivered: states['delivered'] ?? 0, dead: states['dead'] ?? 0, replayed: states['replayed'] ?? 0 },
      counters: await this.counters.snapshot(),
      numbers: (await listNumbers(this.db)).map((r) => numberView(r)),
    };
  }

  /** One number's view with its switch history; `confirm` asks Graph first (needs `graph` in the config). */
  async number(id: string, confirm: boolean): Promise<NumberView | undefined> {
    if (confirm) {
      if (!this.lookup) throw new AdminError(409, 'graph_not_configured', 'confirming needs a "graph" section (base_url, token_env) in the gateway configuration');
      if (!(await findNumber(this.db, id))) return undefined;
      const platformType = await this.lookup(id);
      await this.writes.run((tx) => setConfirmed(tx, id, platformType, this.now()));
    }
    const row = await findNumber(this.db, id);
    if (!row) return undefined;
    const switches = (await switchesOf(this.db, id)).map((s) => ({ from: platformTypeOf(s.from_source), to: platformTypeOf(s.to_source), at: iso(s.at), event_timestamp: s.event_ts }));
    return { ...numberView(row), switches };
  }

  async deadLetters(q: { phoneNumberId?: string; limit: number; afterId?: number }): Promise<{ data: DeadLetterView[]; paging: { after: number } | null }> {
    const rows = await listDead(this.db, q);
    const last = rows.at(-1);
    return { data: rows.map(deadView), paging: rows.length === q.limit && last ? { after: last.id } : null };
  }

  async deadLetter(id: number): Promise<DeadLetterView | undefined> {
    const row = await findEvent(this.db, id);
    return row?.state === 'dead' ? deadView(row) : undefined;
  }

  /** Queues dead letters again (by id, or all of a number, or all); each goes to its lane's tail. */
  async replay(select: { ids: number[] } | { phoneNumberId?: string }): Promise<{ replayed: { id: number; replay_id: number }[] }> {
    const replayed = await this.writes.run(async (tx) => {
      const rows = 'ids' in select ? (await Promise.all(select.ids.map((id) => findEvent(tx, id)))).filter((r): r is EventRow => r?.state === 'dead') : await listDead(tx, { limit: 1_000_000, ...(select.phoneNumberId !== undefined && { phoneNumberId: select.phoneNumberId }) });
      return requeueDead(tx, rows, this.now());
    });
    this.counters.add({ 'delivery.replayed': replayed.length });
    if (replayed.length > 0) this.onQueued();
    return { replayed };
  }

  async dropped(limit: number): Promise<{ data: { id: number; source: Source; deployment: string | null; reason: string; item: unknown; at: string | null }[] }> {
    const rows = await listDropped(this.db, limit);
    return { data: rows.map((r) => ({ id: r.id, source: r.source, deployment: r.deployment, reason: r.reason, item: JSON.parse(r.item) as unknown, at: iso(r.at) })) };
  }
}

/** A refusal of the operator API, rendered as `{error:{code,message}}` with `status`. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function numberView(r: NumberRow): NumberView {
  return {
    phone_number_id: r.phone_number_id,
    waba_id: r.waba_id,
    display_phone_number: r.display_phone_number,
    receiving_from: platformTypeOf(r.current_source),
    switched_at: iso(r.switched_at),
    previous: r.previous_source === null ? null : platformTypeOf(r.previous_source),
    deployment: r.deployment,
    events: { onprem: r.onprem_events, cloud: r.cloud_events },
    first_seen_at: iso(r.first_seen_at),
    last_event_at: iso(r.last_event_at),
    confirmed: r.confirmed_platform_type === null ? null : { platform_type: r.confirmed_platform_type, at: iso(r.confirmed_at) },
  };
}

function deadView(r: EventRow): DeadLetterView {
  return { id: r.id, phone_number_id: r.phone_number_id, waba_id: r.waba_id, source: r.source, field: r.field, kind: r.kind, attempts: r.attempts, last_error: r.last_error, received_at: iso(r.received_at), dead_at: iso(r.dead_at), value: JSON.parse(r.value) as Json };
}
