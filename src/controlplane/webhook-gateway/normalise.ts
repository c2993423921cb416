import { isObject, objects, type CloudMetadata, type EventKind, type Json, type NormalisedEvent } from './wire.js';

/**
 * Pieces both normalisers share: the app's contract is one Cloud `messages` change value per event
 * (one message, one status, or one errors list), so ordering and de-duplication work per item.
 */

/** The business number an event belongs to, with the WABA its entry is filed under. */
export interface NumberRef {
  wabaId: string;
  metadata: CloudMetadata;
}

/** Unix seconds from Meta's string (or number) timestamps; null when absent or not a number. */
export function secondsOf(v: unknown): number | null {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : null;
}

export const stringOf = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The contact entries that describe `waId` (Cloud puts the sender's profile beside its message).
 * A payload with one contact and one sender needs no match.
 */
export function contactsFor(contacts: unknown, waId: string | null): Json[] {
  const list = objects(contacts);
  const matching = list.filter((c) => c['wa_id'] === waId);
  if (matching.length > 0) return matching;
  return list.length === 1 ? list : [];
}

interface EventInput {
  kind: EventKind;
  number: NumberRef;
  value: Json;
  timestamp: unknown;
  subjectId: string | null;
  status?: string | null;
}

/** A `messages`-field event about one business number. */
export function messagesEvent(e: EventInput): NormalisedEvent {
  return {
    kind: e.kind,
    field: 'messages',
    wabaId: e.number.wabaId,
    phoneNumberId: e.number.metadata.phone_number_id,
    value: e.value,
    entryTime: null,
    timestamp: secondsOf(e.timestamp),
    subjectId: e.subjectId,
    status: e.status ?? null,
  };
}

/** `{messaging_product, metadata, [contacts], <key>: [item]}` in Cloud's key order. */
export function changeValue(metadata: CloudMetadata, key: 'messages' | 'statuses' | 'errors', items: unknown[], contacts: Json[] = [], extra: Json = {}): Json {
  return { messaging_product: 'whatsapp', metadata, ...extra, ...(contacts.length > 0 && { contacts }), [key]: items };
}

/** The metadata of a Cloud value, when it names a number. */
export function metadataOf(value: Json): CloudMetadata | null {
  const m = value['metadata'];
  if (!isObject(m)) return null;
  const id = stringOf(m['phone_number_id']);
  if (id === null) return null;
  return { display_phone_number: String(m['display_phone_number'] ?? ''), phone_number_id: id };
}
