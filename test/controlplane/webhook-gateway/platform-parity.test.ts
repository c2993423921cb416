import { describe, expect, it } from 'vitest';
import { normaliseOnprem } from '../../../src/controlplane/webhook-gateway/normalise-onprem.js';
import { onpremInbound, onpremStatus } from '../../../src/platform/onprem/format.js';
import { inboundValue, statusesValue, webhookError } from '../../../src/platform/webhooks/cloud-format.js';

/**
 * The platform builds both formats from one Cloud-format message (src/platform/onprem/format.ts,
 * src/platform/webhooks/cloud-format.ts). Whatever it sends On-Prem, the gateway must turn back into
 * exactly what it would have sent on Cloud API. (Tests may import platform code; the gateway may not.)
 */

const metadata = { display_phone_number: '16315555557', phone_number_id: '668300679106647' };
const number = { wabaId: '819161483996081', metadata };
const contact = { name: 'Kerry Fisher', waId: '16505551234' };
const base = { from: '16505551234', id: 'HBgLMTY1MDU1NTEyMzQVAgASGBI=', timestamp: '1750090702' };
const media = { mime_type: 'image/jpeg', sha256: 'ab'.repeat(32), id: '1234567890123456' };

const messages: Record<string, Record<string, unknown>> = {
  text: { ...base, type: 'text', text: { body: 'Hello!' } },
  image: { ...base, type: 'image', image: { ...media, caption: 'look' } },
  video: { ...base, type: 'video', video: { ...media, mime_type: 'video/mp4' } },
  document: { ...base, type: 'document', document: { ...media, mime_type: 'application/pdf', filename: 'a.pdf' } },
  sticker: { ...base, type: 'sticker', sticker: { ...media, mime_type: 'image/webp', animated: false } },
  audio: { ...base, type: 'audio', audio: { ...media, mime_type: 'audio/ogg; codecs=opus', voice: false } },
  voice: { ...base, type: 'audio', audio: { ...media, mime_type: 'audio/ogg; codecs=opus', voice: true } },
  location: { ...base, type: 'location', location: { latitude: 1.5, longitude: 2.5, name: 'Shop', address: '1 Main St' } },
  reaction: { ...base, type: 'reaction', reaction: { message_id: 'gBGGFlA5', emoji: '👍' } },
  button: { ...base, context: { from: '16315555557', id: 'gBGGFlA5' }, type: 'button', button: { text: 'Yes', payload: 'YES' } },
  interactive: { ...base, context: { from: '16315555557', id: 'gBGGFlA5' }, type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'b1', title: 'Yes' } } },
};

describe('the platform\'s On-Prem webhooks, normalised, are its Cloud webhooks', () => {
  it.each(Object.keys(messages))('%s', (type) => {
    const message = messages[type] as Record<string, unknown>;
    const onprem = onpremInbound(contact, message);
    if (type === 'voice') expect((onprem['messages'] as { type: string }[])[0]?.type).toBe('voice');
    const { events, dropped } = normaliseOnprem(onprem, number);
    expect(dropped).toEqual([]);
    expect(events.map((e) => e.value)).toEqual([inboundValue(metadata, contact, message)]);
  });

  it('statuses, with the failed one\'s error mapped back to the Cloud code it came from', () => {
    const at = 1_750_090_702_000;
    for (const status of ['sent', 'delivered', 'read'] as const) {
      const { events } = normaliseOnprem(onpremStatus({ id: 'gB1', status, at, recipientId: '16505551234', error: null }), number);
      expect(events.map((e) => e.value)).toEqual([statusesValue(metadata, { messageId: 'gB1', status, at, recipientId: '16505551234', pricing: null, bizOpaqueCallbackData: null, error: null })]);
    }
    // The platform sends 131047 as On-Prem 470 (src/platform/onprem/messaging.ts); the gateway maps it back.
    const failed = normaliseOnprem(onpremStatus({ id: 'gB2', status: 'failed', at, recipientId: '16505551234', error: { code: 470, title: 'Re-engagement message' } }), number);
    const cloud = statusesValue(metadata, { messageId: 'gB2', status: 'failed', at, recipientId: '16505551234', pricing: null, bizOpaqueCallbackData: null, error: webhookError(131047, 'Re-engagement message', 'x') });
    const errorOf = (v: unknown): Record<string, unknown> => ((v as { statuses: { errors: Record<string, unknown>[] }[] }).statuses[0]?.errors[0] ?? {});
    expect(errorOf(failed.events[0]?.value)).toEqual({ ...errorOf(cloud), error_data: { details: 'On-Premises error 470 (Re-engagement message)' } });
  });
});
