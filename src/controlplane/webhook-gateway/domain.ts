import { createHash } from 'node:crypto';
import { isObject, type Json, type NormalisedEvent, type Source } from './wire.js';

/**
 * The gateway's rules, pure (no I/O; times are passed in): de-duplication keys, which API a number
 * is receiving from, retry and dead-letter decisions, ordering lanes.
 */

/** Events of one lane are delivered strictly in order; lanes are independent. */
export function laneOf(e: Pick<NormalisedEvent, 'phoneNumberId' | 'wabaId'>): string {
  return e.phoneNumberId ?? `waba:${e.wabaId}`;
}

/**
 * On-Prem writes a message id as the bare key ("gBEGkY..."), Cloud as "wamid." + the key; the
 * key is what identifies the message on both sides of a switch-over.
 */
export function canonicalMessageId(id: string): string {
  return id.startsWith('wamid.') ? id.slice('wamid.'.length) : id;
}

export interface DedupKeys {
  /** Same key → same event, whichever API it came from. */
  primary: string;
  /**
   * A content fingerprint of an inbound message, for APIs that give one message different ids.
   * Only matched against events from the *other* API: two equal messages arriving on the same API
   * (a consumer sending "ok" twice in one second) are two messages.
   */
  crossSource: string | null;
}

export function dedupKeys(e: NormalisedEvent): DedupKeys {
  const lane = laneOf(e);
  if (e.kind === 'message' && e.subjectId !== null) {
    return { primary: `m:${lane}:${canonicalMessageId(e.subjectId)}`, crossSource: `mf:${lane}:${fingerprint(firstItem(e.value, 'messages'))}` };
  }
  // A status is identified by its message and its name: "delivered" of X arrives once.
  if (e.kind === 'status' && e.subjectId !== null) return { primary: `s:${lane}:${canonicalMessageId(e.subjectId)}:${e.status ?? ''}`, crossSource: null };
  return { primary: `v:${lane}:${e.field}:${hash(stableJson({ value: e.value, time: e.entryTime }))}`, crossSource: null };
}

function firstItem(value: Json, key: string): unknown {
  const list = value[key];
  return Array.isArray(list) ? list[0] : undefined;
}

/**
 * What a message says, without the ids each API assigns on its own (message id; media ids and
 * URLs differ per API, the media's sha256 does not).
 */
function fingerprint(message: unknown): string {
  if (!isObject(message)) return hash('');
  const { id: _id, ...rest } = message;
  const body: Json = {};
  for (const [k, v] of Object.entries(rest)) {
    if (isObject(v)) {
      const { id: _mediaId, url: _url, ...content } = v;
      body[k] = content;
    } else body[k] = v;
  }
  return hash(stableJson(body));
}

const hash = (s: string): string => createHash('sha256').update(s).digest('base64url').slice(0, 32);

/** JSON with sorted keys, so equal objects hash equally whatever their key order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** What the gateway knows about where a number's webhooks come from. */
export interface SourceView {
  current: Source | null;
  /** Newest event timestamp (unix s) seen from the current source. */
  currentLatest: number | null;
  switchedAt: number | null;
  /** How many switches the gateway has seen: the number's queue is ordered by epoch first. */
  epoch: number;
  /** The API the number left at its last switch (null: never switched). */
  previous: Source | null;
}

/**
 * A number has switched API when an event arrives from the other API that is *newer* than anything
 * the current API reported. An older one is a straggler — something the old API sent before the
 * switch and delivers late — and does not flip the view back. Timestamps are whole seconds, so a
 * same-second event is ambiguous: from the API the number left it is a straggler, but from an API
 * the number was never seen leaving it can only be new — a migration that finishes within the
 * second of the old API's last event is still seen.
 */
export function observeSource(view: SourceView, source: Source, timestamp: number, receivedAt: number): { view: SourceView; switched: boolean } {
  if (view.current === null) return { view: { ...view, current: source, currentLatest: timestamp, switchedAt: null }, switched: false };
  if (source === view.current) return { view: { ...view, currentLatest: Math.max(view.currentLatest ?? timestamp, timestamp) }, switched: false };
  if (view.currentLatest !== null && (timestamp < view.currentLatest || (timestamp === view.currentLatest && source === view.previous))) return { view, switched: false };
  return { view: { current: source, currentLatest: timestamp, switchedAt: receivedAt, epoch: view.epoch + 1, previous: view.current }, switched: true };
}

/** Where an event goes in its number's queue: order key (epoch) and the earliest time it may go. */
export interface Placement {
  epoch: number;
  notBefore: number;
}

/**
 * Around a switch-over the two APIs deliver independently: the old API's last events can arrive
 * after the new API's first ones (its own queue was behind). So for `holdMs` after a switch the new
 * API's events wait, and the old API's stragglers are placed in the previous epoch — before every
 * event of the new one — so the app still sees the number's events in the order they happened.
 * (A straggler arriving after the hold is still delivered, just after the new API's first events.)
 */
export function placement(view: SourceView, source: Source, now: number, holdMs: number): Placement {
  if (view.current !== null && source !== view.current) return { epoch: Math.max(0, view.epoch - 1), notBefore: now };
  const holdEnds = view.switchedAt === null ? now : view.switchedAt + holdMs;
  return { epoch: view.epoch, notBefore: Math.max(now, holdEnds) };
}

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
  /** Give up once the event has waited this long since it arrived. */
  maxAgeMs: number;
}

/** Capped exponential backoff: base·2^(attempt-1), at most `maxMs`. */
export function backoffMs(attempt: number, p: Pick<RetryPolicy, 'baseMs' | 'maxMs'>): number {
  return Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, attempt - 1));
}

/** After failed attempt number `attempts`: retry at a time, or dead-letter. */
export function afterFailure(attempts: number, receivedAt: number, now: number, p: RetryPolicy): { dead: true } | { dead: false; nextAttemptAt: number } {
  if (attempts >= p.maxAttempts || now - receivedAt >= p.maxAgeMs) return { dead: true };
  return { dead: false, nextAttemptAt: now + backoffMs(attempts, p) };
}
