import { unixSeconds } from '../../core/clock.js';

/**
 * On-Premises webhook payloads (api-facts D.3): no `entry`/`changes` envelope, posted to the
 * deployment's `settings.application.webhooks.url`. Push-to-talk is `type: "voice"` here, where
 * Cloud API writes `type: "audio"` with `audio.voice: true`.
 */
export const ONPREM_API_VERSION = '2.53.2';
export const meta = (): { api_status: 'stable'; version: string } => ({ api_status: 'stable', version: ONPREM_API_VERSION });

/** Converts a Cloud-format inbound message object to its On-Prem form. */
export function onpremMessage(cloud: Record<string, unknown>): Record<string, unknown> {
  const { type, ...rest } = cloud;
  const audio = rest['audio'] as { voice?: boolean; [k: string]: unknown } | undefined;
  if (type === 'audio' && audio?.voice) {
    const { voice: _flag, ...media } = audio;
    const { audio: _cloud, ...others } = rest;
    return { ...others, type: 'voice', voice: media };
  }
  if (type === 'audio' && audio) {
    const { voice: _flag, ...media } = audio;
    return { ...rest, type, audio: media };
  }
  return { ...rest, type };
}

export function onpremInbound(contact: { name: string; waId: string }, message: Record<string, unknown>): Record<string, unknown> {
  return { contacts: [{ profile: { name: contact.name }, wa_id: contact.waId }], messages: [onpremMessage(message)] };
}

export interface OnpremStatus {
  id: string;
  status: string;
  at: number;
  recipientId: string;
  error: { code: number; title: string } | null;
}

export function onpremStatus(s: OnpremStatus): Record<string, unknown> {
  return {
    statuses: [
      {
        id: s.id,
        recipient_id: s.recipientId,
        status: s.status,
        timestamp: unixSeconds(s.at),
        type: 'message',
        ...(s.error && { errors: [s.error] }),
      },
    ],
  };
}

/** Merges several bare payloads into one POST: their arrays concatenate. */
export function mergeOnpremPayloads(payloads: readonly Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown[]> = {};
  for (const p of payloads) {
    for (const [k, v] of Object.entries(p)) {
      if (Array.isArray(v)) (out[k] ??= []).push(...(v as unknown[]));
    }
  }
  return out;
}

/** The media types `settings.application.media.auto_download` can list (api-facts D.1). */
export const AUTO_DOWNLOAD_TYPES = ['image', 'video', 'voice', 'sticker', 'audio', 'document'] as const;

/** Default `/v1/settings/application` (api-facts D.1). */
export function defaultApplicationSettings(): Record<string, unknown> {
  return {
    callback_backoff_delay_ms: 3000,
    callback_persist: true,
    garbagecollector_enable: { media: false, messages: true },
    heartbeat_interval: 5,
    max_callback_backoff_delay_ms: 900000,
    media: { auto_download: [...AUTO_DOWNLOAD_TYPES] },
    notify_user_change_number: true,
    show_security_notifications: true,
    unhealthy_interval: 30,
    wa_id: '',
    webhooks: { url: '', max_concurrent_requests: 12, message: { sent: true, delivered: true, read: false } },
  };
}
