import { changeValue, contactsFor, messagesEvent, metadataOf, secondsOf, stringOf, type NumberRef } from './normalise.js';
import { isObject, objects, type Dropped, type Json, type Normalised, type NormalisedEvent } from './wire.js';

/**
 * Cloud API webhook → events. Cloud is already the app's contract, so values are kept as Meta sent
 * them; a `messages` value carrying several messages or statuses is split into one event each (so
 * each can be ordered, de-duplicated and retried on its own). Other fields pass through whole.
 */
export function normaliseCloud(body: unknown): Normalised {
  const events: NormalisedEvent[] = [];
  const dropped: Dropped[] = [];
  if (!isObject(body) || body['object'] !== 'whatsapp_business_account' || !Array.isArray(body['entry'])) {
    return { events, dropped: [{ reason: 'not a whatsapp_business_account webhook', item: body }] };
  }
  for (const entry of objects(body['entry'])) {
    const wabaId = stringOf(entry['id']);
    if (wabaId === null) {
      dropped.push({ reason: 'entry without id', item: entry });
      continue;
    }
    for (const change of objects(entry['changes'])) {
      const field = stringOf(change['field']);
      const value = change['value'];
      if (field === null || !isObject(value)) {
        dropped.push({ reason: 'change without field or value', item: change });
        continue;
      }
      const metadata = metadataOf(value);
      if (field !== 'messages' || !metadata) {
        events.push(otherEvent(wabaId, field, value, secondsOf(entry['time'])));
        continue;
      }
      const split = splitMessages({ wabaId, metadata }, value);
      if (split.length === 0) dropped.push({ reason: 'messages value without messages, statuses or errors', item: value });
      events.push(...split);
    }
  }
  return { events, dropped };
}

function splitMessages(number: NumberRef, value: Json): NormalisedEvent[] {
  const { messages, statuses, errors, contacts, metadata: _m, messaging_product: _p, ...extra } = value;
  const out: NormalisedEvent[] = [];
  for (const m of objects(messages)) {
    const from = stringOf(m['from']);
    const forMessage = m['type'] === 'system' ? [] : contactsFor(contacts, from);
    out.push(messagesEvent({ kind: 'message', number, value: changeValue(number.metadata, 'messages', [m], forMessage, extra), timestamp: m['timestamp'], subjectId: stringOf(m['id']) }));
  }
  for (const s of objects(statuses)) {
    // Newer status payloads carry the recipient's contact too; keep it with its status.
    const forStatus = objects(contacts).filter((c) => c['wa_id'] === s['recipient_id']);
    out.push(messagesEvent({ kind: 'status', number, value: changeValue(number.metadata, 'statuses', [s], forStatus, extra), timestamp: s['timestamp'], subjectId: stringOf(s['id']), status: stringOf(s['status']) }));
  }
  if (Array.isArray(errors) && errors.length > 0) {
    out.push(messagesEvent({ kind: 'error', number, value: changeValue(number.metadata, 'errors', errors, [], extra), timestamp: null, subjectId: null }));
  }
  return out;
}

/** Account-level fields (templates, quality, account_update ...): one event, filed under its WABA. */
function otherEvent(wabaId: string, field: string, value: Json, entryTime: number | null): NormalisedEvent {
  return {
    kind: 'other',
    field,
    wabaId,
    phoneNumberId: metadataOf(value)?.phone_number_id ?? null,
    value,
    entryTime,
    timestamp: entryTime,
    subjectId: null,
    status: null,
  };
}
