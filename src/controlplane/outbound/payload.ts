import type { PlatformMessage } from '../clients/rehearsal-client.js';

/**
 * Messages come in Cloud API shape (`{to, type, text: {...}}`, `messaging_product` optional) and leave
 * in the shape of the API the number is on at that moment.
 */

/** Tags a Cloud send so a rehearsal can tell, after a crash, whether it went out. */
export const trackingTag = (outboundId: number): string => `switchboard-cp:${outboundId}`;

export function toCloudPayload(payload: Record<string, unknown>, tag: string): Record<string, unknown> {
  return { ...payload, messaging_product: 'whatsapp', biz_opaque_callback_data: payload['biz_opaque_callback_data'] ?? tag };
}

/** On-Prem has no `messaging_product` nor `biz_opaque_callback_data`. */
export function toOnpremPayload(payload: Record<string, unknown>): Record<string, unknown> {
  const { messaging_product: _mp, biz_opaque_callback_data: _tag, ...rest } = payload;
  return { recipient_type: 'individual', ...rest };
}

const typeOf = (payload: Record<string, unknown>): string => (typeof payload['type'] === 'string' ? payload['type'] : 'text');

/** Whether a message in the platform's log is this outbound message. */
export function sameMessage(logged: PlatformMessage, payload: Record<string, unknown>, tag: string, api: 'cloud' | 'onprem'): boolean {
  if (logged.direction !== undefined && logged.direction !== 'outbound') return false;
  const expectedTag = payload['biz_opaque_callback_data'] ?? tag;
  if (api === 'cloud') return logged.biz_opaque_callback_data === expectedTag;
  const type = typeOf(payload);
  const body = logged.body as Record<string, unknown> | null;
  return String(payload['to'] ?? '').replace(/\D/g, '') === logged.wa_id && JSON.stringify(body?.[type]) === JSON.stringify(payload[type]);
}
