import { escapeNonAscii, toWireJson } from '../../core/wire-json.js';
import type { WebhookEvent } from '../../store/schema.js';
import { mergeOnpremPayloads } from '../onprem/format.js';
import { cloudEnvelope } from './cloud-format.js';
import { postJson } from './http-post.js';
import { signatureHeader } from './signature.js';

/**
 * The part of webhook delivery that touches no database: build one POST per batch, sign it, send it,
 * say how it went. It runs on the delivery thread (poster.ts) or, where there is none, inline.
 */

/** The outbox columns a delivery round reads (the rest are bookkeeping). */
export const DUE_EVENT_COLUMNS = ['id', 'app_id', 'waba_id', 'phone_number_id', 'format', 'field', 'value', 'target_url', 'attempts', 'created_at'] as const;

/** A due outbox row, as a round reads it (`value` is the stored JSON text). */
export type DueEvent = Pick<WebhookEvent, (typeof DUE_EVENT_COLUMNS)[number]>;

/** What recording an attempt needs of each of its events. */
export type AttemptedEvent = Pick<DueEvent, 'id' | 'app_id' | 'target_url' | 'attempts' | 'created_at'>;

export interface OutgoingBatch {
  format: 'cloud' | 'onprem';
  url: string;
  /** The app secret that signs a Cloud POST; unused for On-Prem (unsigned). */
  secret: string;
  events: DueEvent[];
}

/** Batches of one lane go one after another (a number's events keep their order); lanes in parallel. */
export type DeliveryLane = OutgoingBatch[];

export interface RoundShape {
  /** Parallel lanes per target URL. */
  concurrency: number;
  /** Most events per POST. */
  maxBatch: number;
}

/**
 * Splits due events into lanes: same target URL and same phone number always share a lane, and a
 * batch never mixes targets. Up to `width` lanes per target give parallelism across numbers.
 */
export function lanes<E extends Pick<DueEvent, 'app_id' | 'format' | 'target_url' | 'phone_number_id' | 'waba_id'>>(events: readonly E[], width: number): Map<string, E[]> {
  const out = new Map<string, E[]>();
  for (const e of events) {
    const k = `${e.app_id} ${e.format} ${e.target_url} ${laneOf(e.phone_number_id ?? e.waba_id, width)}`;
    const list = out.get(k);
    if (list) list.push(e);
    else out.set(k, [e]);
  }
  return out;
}

function laneOf(key: string, width: number): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return Math.abs(h) % width;
}

/** A round's events as lanes of POSTs of at most `maxBatch` events each. */
export function planRound(due: readonly DueEvent[], shape: RoundShape, secrets: ReadonlyMap<string, string>): DeliveryLane[] {
  return [...lanes(due, shape.concurrency).values()].map((events) => {
    const batches: DeliveryLane = [];
    for (let i = 0; i < events.length; i += shape.maxBatch) {
      const slice = events.slice(i, i + shape.maxBatch);
      const first = slice[0] as DueEvent;
      batches.push({ format: first.format === 'onprem' ? 'onprem' : 'cloud', url: first.target_url, secret: secrets.get(first.app_id) ?? '', events: slice });
    }
    return batches;
  });
}

export interface BatchOutcome {
  events: AttemptedEvent[];
  /** Wall time (Date.now) the POST started; the dispatcher maps it onto the emulator's clock. */
  startedWallMs: number;
  durationMs: number;
  body: string;
  signature: string;
  httpStatus: number | null;
  error: string | null;
  snippet: string | null;
}

export async function deliverLanes(lanes: readonly DeliveryLane[], timeoutMs: number): Promise<BatchOutcome[][]> {
  return Promise.all(
    lanes.map(async (lane) => {
      const out: BatchOutcome[] = [];
      for (const batch of lane) out.push(await deliverBatch(batch, timeoutMs));
      return out;
    }),
  );
}

async function deliverBatch(batch: OutgoingBatch, timeoutMs: number): Promise<BatchOutcome> {
  // On-Prem deployments post bare, unsigned payloads to their own webhook URL (api-facts D.3).
  const onprem = batch.format === 'onprem';
  const body = onprem
    ? toWireJson(mergeOnpremPayloads(batch.events.map((e) => JSON.parse(e.value) as Record<string, unknown>)))
    : escapeNonAscii(cloudEnvelope(batch.events.map((e) => ({ wabaId: e.waba_id, field: e.field, valueJson: e.value, at: e.created_at }))));
  const signature = onprem ? '' : signatureHeader(body, batch.secret);
  const headers: Record<string, string> = onprem ? { 'user-agent': 'WhatsApp-OnPremises' } : { 'x-hub-signature-256': signature, 'user-agent': 'facebookexternalua' };
  const startedWallMs = Date.now();
  const t0 = performance.now();
  let httpStatus: number | null = null;
  let error: string | null = null;
  let snippet: string | null = null;
  try {
    const res = await postJson(batch.url, body, headers, timeoutMs);
    httpStatus = res.status;
    snippet = res.snippet;
    if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  const events = batch.events.map(({ id, app_id, target_url, attempts, created_at }) => ({ id, app_id, target_url, attempts, created_at }));
  return { events, startedWallMs, durationMs: Math.round(performance.now() - t0), body, signature, httpStatus, error, snippet };
}
