import { unixSeconds } from '../../core/clock.js';

/**
 * Cloud API webhook payload shapes (api-facts C.1–C.4). Values are built when the event happens
 * and stored in the outbox (as JSON); the envelope is added at delivery, when events may be batched.
 */

export interface NumberMetadata {
  display_phone_number: string;
  phone_number_id: string;
}

export interface WebhookError {
  code: number;
  title: string;
  message: string;
  error_data: { details: string };
  href: string;
}

export type StatusName = 'sent' | 'delivered' | 'read' | 'failed';

export interface Pricing {
  billable: boolean;
  pricing_model: 'PMP';
  type: 'regular' | 'free_customer_service';
  category: string;
}

export interface StatusEvent {
  messageId: string;
  status: StatusName;
  at: number;
  recipientId: string;
  pricing: Pricing | null;
  bizOpaqueCallbackData: string | null;
  error: WebhookError | null;
}

export const ERROR_HREF = 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/';

export function webhookError(code: number, title: string, details: string): WebhookError {
  return { code, title, message: title, error_data: { details }, href: ERROR_HREF };
}

export function statusesValue(metadata: NumberMetadata, event: StatusEvent): Record<string, unknown> {
  const status: Record<string, unknown> = {
    id: event.messageId,
    status: event.status,
    timestamp: unixSeconds(event.at),
    recipient_id: event.recipientId,
  };
  if (event.bizOpaqueCallbackData !== null) status['biz_opaque_callback_data'] = event.bizOpaqueCallbackData;
  if (event.pricing && event.status !== 'failed') status['pricing'] = event.pricing;
  if (event.error) status['errors'] = [event.error];
  return { messaging_product: 'whatsapp', metadata, statuses: [status] };
}

export interface InboundContact {
  name: string;
  waId: string;
}

/** `message` is the Cloud-format message object: {from, id, timestamp, type, <type>: {...}}. */
export function inboundValue(metadata: NumberMetadata, contact: InboundContact, message: Record<string, unknown>): Record<string, unknown> {
  return {
    messaging_product: 'whatsapp',
    metadata,
    contacts: [{ profile: { name: contact.name }, wa_id: contact.waId }],
    messages: [message],
  };
}

export interface CloudEvent {
  wabaId: string;
  field: string;
  /** The change value as stored in the outbox: JSON text, spliced into the body as it is. */
  valueJson: string;
  at: number;
}

/**
 * The body of one Cloud POST, as JSON text (not yet escaped: see escapeNonAscii). Groups events
 * into `entry[]` by WABA; `time` only on entries with a Business Management field, as Meta does (from
 * the first such event, also when a `messages` change precedes it in a batch). Stored values are
 * spliced in rather than parsed and serialised again: the same text, at a fraction of the cost.
 */
export function cloudEnvelope(events: readonly CloudEvent[]): string {
  const entries = new Map<string, { time?: number; changes: string[] }>();
  for (const e of events) {
    let entry = entries.get(e.wabaId);
    if (!entry) {
      entry = { changes: [] };
      entries.set(e.wabaId, entry);
    }
    if (e.field !== 'messages' && entry.time === undefined) entry.time = Math.floor(e.at / 1000);
    entry.changes.push(`{"value":${e.valueJson},"field":${JSON.stringify(e.field)}}`);
  }
  const entry = [...entries].map(([id, { time, changes }]) => `{"id":${JSON.stringify(id)},${time === undefined ? '' : `"time":${time},`}"changes":[${changes.join(',')}]}`);
  return `{"object":"whatsapp_business_account","entry":[${entry.join(',')}]}`;
}
