import type { DeploymentConfig } from './config.js';
import type { Counters } from './counters.js';
import type { GatewayDatabase, GwDb } from './db.js';
import { dedupKeys, laneOf, observeSource, placement, type Placement } from './domain.js';
import { normaliseCloud } from './normalise-cloud.js';
import { normaliseOnprem } from './normalise-onprem.js';
import { metadataOf } from './normalise.js';
import { claimKey, findNumber, insertDropped, insertEvent, insertSwitch, keyOwner, saveNumber, type NumberRow } from './repo.js';
import { toWireJson } from '../../core/wire-json.js';
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
    /** How long a number's new API waits after a switch for the old API's stragglers. */
    private readonly switchoverHoldMs: number,
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
      const views = new NumberViews(tx, source, deployment, now, this.switchoverHoldMs);
      let accepted = 0;
      for (const e of n.events) if (await enqueue(tx, e, source, deployment, now, await views.observe(e))) accepted += 1;
      await views.save();
      for (const d of n.dropped) await insertDropped(tx, { source, deployment, reason: d.reason, item: JSON.stringify(d.item) ?? 'null', at: now });
      return { accepted, duplicates: n.events.length - accepted, dropped: n.dropped.length };
    });
    this.counters.add({ [`${prefix}.received`]: 1, [`${prefix}.events`]: result.accepted, [`${prefix}.duplicates`]: result.duplicates, [`${prefix}.dropped`]: result.dropped });
    if (result.accepted > 0) this.onQueued();
    return result;
  }
}

/** Queues one event unless its key (or, from the other API, its content) was seen; true if queued. */
async function enqueue(tx: GwDb, e: NormalisedEvent, source: Source, deployment: string | null, now: number, place: Placement): Promise<boolean> {
  const keys = dedupKeys(e);
  if (await keyOwner(tx, keys.primary)) return false;
  if (keys.crossSource !== null) {
    const owner = await keyOwner(tx, keys.crossSource);
    if (owner && owner.source !== source) return false;
  }
  const id = await insertEvent(tx, {
    lane: laneOf(e),
    epoch: place.epoch,
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
    next_attempt_at: place.notBefore,
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
 * The numbers' "receiving from" views, as one request's events change them (duplicates count too:
 * they also show which API is talking). Records switches; tells where each event goes in its queue.
 */
class NumberViews {
  private readonly rows = new Map<string, NumberRow>();

  constructor(
    private readonly tx: GwDb,
    private readonly source: Source,
    private readonly deployment: string | null,
    private readonly now: number,
    private readonly holdMs: number,
  ) {}

  async observe(e: NormalisedEvent): Promise<Placement> {
    if (e.phoneNumberId === null) return { epoch: 0, notBefore: this.now };
    const row = this.rows.get(e.phoneNumberId) ?? (await findNumber(this.tx, e.phoneNumberId)) ?? newNumber(e, this.source, this.now);
    const ts = e.timestamp ?? Math.floor(this.now / 1000);
    const { view, switched } = observeSource({ current: row.current_source, currentLatest: row.current_latest, switchedAt: row.switched_at, epoch: row.epoch, previous: row.previous_source }, this.source, ts, this.now);
    if (switched) await insertSwitch(this.tx, { phone_number_id: row.phone_number_id, from_source: row.current_source, to_source: this.source, at: this.now, event_ts: ts });
    this.rows.set(e.phoneNumberId, {
      ...row,
      current_source: view.current ?? this.source,
      epoch: view.epoch,
      current_latest: view.currentLatest,
      switched_at: view.switchedAt,
      previous_source: view.previous,
      last_event_at: this.now,
      onprem_events: row.onprem_events + (this.source === 'onprem' ? 1 : 0),
      cloud_events: row.cloud_events + (this.source === 'cloud' ? 1 : 0),
      waba_id: e.wabaId,
      display_phone_number: metadataOf(e.value)?.display_phone_number || row.display_phone_number,
      deployment: this.deployment ?? row.deployment,
    });
    return placement(view, this.source, this.now, this.holdMs);
  }

  async save(): Promise<void> {
    for (const row of this.rows.values()) await saveNumber(this.tx, row);
  }
}

function newNumber(e: NormalisedEvent, source: Source, now: number): NumberRow {
  return {
    phone_number_id: e.phoneNumberId ?? '',
    waba_id: e.wabaId,
    display_phone_number: '',
    current_source: source,
    epoch: 0,
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
