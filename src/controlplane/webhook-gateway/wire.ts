/**
 * Wire shapes the gateway reads and writes (api-facts B.13, C.1–C.4, D.2–D.3). The gateway only ever
 * sees them as JSON from the network, so every field is optional until a normaliser has checked it.
 */

export type Source = 'onprem' | 'cloud';

export type Json = Record<string, unknown>;

/** Cloud API `metadata` of a `messages` change value. */
export interface CloudMetadata {
  display_phone_number: string;
  phone_number_id: string;
}

/** A Cloud webhook error object (statuses, `value.errors`); messages' `errors` omit `href`. */
export interface CloudError {
  code: number;
  title: string;
  message: string;
  error_data: { details: string };
  href?: string;
}

/** An On-Prem error object (`errors[]` of statuses, messages and payloads). */
export interface OnpremError {
  code: number;
  title: string;
  details?: string;
  href?: string;
}

/** Cloud `{object, entry[{id, time?, changes[{field, value}]}]}`. */
export interface CloudEnvelope {
  object: 'whatsapp_business_account';
  entry: { id: string; time?: number; changes: { value: unknown; field: string }[] }[];
}

/** Bare On-Prem payload: arrays, no envelope, no business number (the deployment tells which). */
export interface OnpremPayload {
  contacts?: Json[];
  messages?: Json[];
  statuses?: Json[];
  errors?: Json[];
}

/** What kind of thing a normalised event reports; decides its de-duplication key. */
export type EventKind = 'message' | 'status' | 'error' | 'other';

/**
 * One event in the app's contract: a single Cloud `change` (one message, one status, or one errors
 * value) for one lane (a phone number, or a WABA for account-level fields).
 */
export interface NormalisedEvent {
  kind: EventKind;
  field: string;
  wabaId: string;
  /** The business phone number, when the event is about one. */
  phoneNumberId: string | null;
  /** Cloud `change.value`. */
  value: Json;
  /** `entry.time` of account-level fields (Meta sends it only on those). */
  entryTime: number | null;
  /** Meta's own timestamp of the event, unix seconds (null when the payload carries none). */
  timestamp: number | null;
  /** The message or status id the event is about (for de-duplication). */
  subjectId: string | null;
  /** Status name for statuses. */
  status: string | null;
}

/** A piece of a payload the gateway could not express in Cloud format (counted, never forwarded). */
export interface Dropped {
  reason: string;
  item: unknown;
}

export interface Normalised {
  events: NormalisedEvent[];
  dropped: Dropped[];
}

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
