import type { DeploymentConfig } from './config.js';
import type { Counters } from './counters.js';
import type { GatewayDatabase, GwDb } from './db.js';
import { dedupKeys, laneOf, observeSource } from './domain.js';
import { normaliseCloud } from './normalise-cloud.js';
import { normaliseOnprem } from './normalise-onprem.js';
import { metadataOf } from './normalise.js';
import { claimKey, findNumber, insertDropped, insertEvent, insertSwitch, keyOwner, saveNumber, type NumberRow } from './repo.js';
import { toWireJson } from './signature.js';
import type { Normalised, NormalisedEvent, Source } from './wire.js';
import type { WriteBatcher } from './write-batch.js';

export interface IngestResult {
  accepted: number;
  duplicates: number;
  dropped: number;
}

/**
 * Ingest: a webhook from either API is normalised and, in ONE transaction, de-duplicated, queued
 * and reflected in the per-number source view. The sender is answered only after that commit.
 */
export class Ingest {
  constructor(
    private readonly writes: WriteBatcher<GatewayDatabase>,
    private readonly now: () => number,
    private readonly counters: Counters,
    /** Called after a commit that queued something (wakes the forwarder). */
    private readonly onQueued: () => void,
  ) {}

  onprem(deployment: DeploymentConfig, body: unknown): Promise<IngestResult> {
    const number = { wabaId: deployment.wabaId, metadata: { display_phone_number: deployment.displayPhoneNumber, phone_number_id: deployment.phoneNumberId } };
    return this.accept('onprem', deployment.name, normaliseOnprem(body, number));
  }

  cloud(body: unknown): Promise<IngestResult> {
    return this.accept('cloud', null, normaliseCloud(body));
  }

  /** Counts a refused request (bad signature, wrong secret, malformed body); writes nothing. */
  reject(counter: string): void {
    this.counters.add({ [counter]: 1 });
  }

  private async accept(source: Source, deployment: string | null, n: Normalised): Promise<IngestResult> {
    const prefix = source === 'onprem' ? `onprem.${deployment ?? ''}` : 'cloud';
    const result = await this.writes.run(async (tx) => {
      const now = this.now();
      let accepted = 0;
      for (const e of n.events) if (await enqueue(tx, e, source, deployment, now)) accepted += 1;
      await observe(tx, n.events, source, deployment, now);
      for (const d of n.dropped) await insertDropped(tx, { source, deployment, reason: d.reason, item: JSON.stringify(d.item) ?? 'null', at: now });
      return { accepted, duplicates: n.events.length - accepted, dropped: n.dropped.length };
    });
    this.counters.add({ [`${prefix}.received`]: 1, [`${prefix}.events`]: result.accepted, [`${prefix}.duplicates`]: result.duplicates, [`${prefix}.dropped`]: result.dropped });
    if (result.accepted > 0) this.onQueued();
    return result;
  }
}

/** Queues one event unless its key (or, from the other API, its content) was seen; true if queued. */
async function enqueue(tx: GwDb, e: NormalisedEvent, source: Source, deployment: string | null, now: number): Promise<boolean> {
  const keys = dedupKeys(e);
  if (await keyOwner(tx, keys.primary)) return false;
  if (keys.crossSource !== null) {
    const owner = await keyOwner(tx, keys.crossSource);
    if (owner && owner.source !== source) return false;
  }
  const id = await insertEvent(tx, {
    lane: laneOf(e),
    waba_id: e.wabaId,
    phone_number_id: e.phoneNumberId,
    source,
    deployment,
    kind: e.kind,
    field: e.field,
    value: toWireJson(e.value),
    entry_time: e.entryTime,
    event_ts: e.timestamp,
    subject_id: e.subjectId,
    dedup_key: keys.primary,
    state: 'pending',
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    received_at: now,
    delivered_at: null,
    dead_at: null,
    replay_of: null,
  });
  await claimKey(tx, keys.primary, id, source, now);
  if (keys.crossSource !== null) await claimKey(tx, keys.crossSource, id, source, now);
  return true;
}

/**
 * Updates each number's "receiving from" view with this request's events (duplicates included:
 * they too show which API is talking) and records a switch when one happened.
 */
async function observe(tx: GwDb, events: readonly NormalisedEvent[], source: Source, deployment: string | null, now: number): Promise<void> {
  const seen = new Map<string, NumberRow>();
  for (const e of events) {
    if (e.phoneNumberId === null) continue;
    const row = seen.get(e.phoneNumberId) ?? (await findNumber(tx, e.phoneNumberId)) ?? newNumber(e, source, now);
    const ts = e.timestamp ?? Math.floor(now / 1000);
    const { view, switched } = observeSource({ current: row.current_source, currentLatest: row.current_latest, switchedAt: row.switched_at }, source, ts, now);
    if (switched) await insertSwitch(tx, { phone_number_id: row.phone_number_id, from_source: row.current_source, to_source: source, at: now, event_ts: ts });
    seen.set(e.phoneNumberId, {
      ...row,
      current_source: view.current ?? source,
      current_latest: view.currentLatest,
      switched_at: view.switchedAt,
      previous_source: switched ? row.current_source : row.previous_source,
      last_event_at: now,
      onprem_events: row.onprem_events + (source === 'onprem' ? 1 : 0),
      cloud_events: row.cloud_events + (source === 'cloud' ? 1 : 0),
      waba_id: e.wabaId,
      display_phone_number: metadataOf(e.value)?.display_phone_number || row.display_phone_number,
      deployment: deployment ?? row.deployment,
    });
  }
  for (const row of seen.values()) await saveNumber(tx, row);
}

function newNumber(e: NormalisedEvent, source: Source, now: number): NumberRow {
  return {
    phone_number_id: e.phoneNumberId ?? '',
    waba_id: e.wabaId,
    display_phone_number: '',
    current_source: source,
    current_latest: null,
    previous_source: null,
    switched_at: null,
    first_seen_at: now,
    last_event_at: now,
    onprem_events: 0,
    cloud_events: 0,
    deployment: null,
    confirmed_platform_type: null,
    confirmed_at: null,
  };
}
