import type { CloudEnvelope, Json } from './wire.js';

/** What the app receives: events regrouped into Cloud's envelope (api-facts C.1). */
export interface Deliverable {
  wabaId: string;
  field: string;
  value: Json;
  entryTime: number | null;
}

/**
 * One `entry` per WABA in first-seen order, changes in event order; `time` only on entries of
 * account-level fields (Meta omits it on `messages`).
 */
export function appEnvelope(events: readonly Deliverable[]): CloudEnvelope {
  const entries = new Map<string, CloudEnvelope['entry'][number]>();
  for (const e of events) {
    let entry = entries.get(e.wabaId);
    if (!entry) {
      entry = { id: e.wabaId, changes: [] };
      entries.set(e.wabaId, entry);
    }
    if (e.field !== 'messages' && e.entryTime !== null && entry.time === undefined) entry.time = e.entryTime;
    entry.changes.push({ value: e.value, field: e.field });
  }
  return { object: 'whatsapp_business_account', entry: [...entries.values()].map(({ id, time, changes }) => (time === undefined ? { id, changes } : { id, time, changes })) };
}
