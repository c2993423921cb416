import { unixSeconds } from '../../core/clock.js';

/**
 * Cloud API webhook payload shapes (api-facts C.1–C.4). Values are built when the event happens
 * and stored in the outbox; the envelope is added at delivery, when events may be batched.
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
  value: unknown;
  at: number;
}

/**
 * Groups events into `entry[]` by WABA; `time` only on entries with a Business Management field, as
 * Meta does (from the first such event, also when a `messages` change precedes it in a batch).
 */
export function cloudEnvelope(events: readonly CloudEvent[]): Record<string, unknown> {
  const entries = new Map<string, { id: string; time?: number; changes: { value: unknown; field: string }[] }>();
  for (const e of events) {
    let entry = entries.get(e.wabaId);
    if (!entry) {
      entry = { id: e.wabaId, changes: [] };
      entries.set(e.wabaId, entry);
    }
    if (e.field !== 'messages' && entry.time === undefined) entry.time = Math.floor(e.at / 1000);
    entry.changes.push({ value: e.value, field: e.field });
  }
  const entry = [...entries.values()].map(({ id, time, changes }) => (time === undefined ? { id, changes } : { id, time, changes }));
  return { object: 'whatsapp_business_account', entry };
}
