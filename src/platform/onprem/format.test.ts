import { describe, expect, it } from 'vitest';
import { ONPREM_API_VERSION, defaultApplicationSettings, meta, mergeOnpremPayloads, onpremInbound, onpremMessage, onpremStatus } from './format.js';

const AT = Date.UTC(2025, 5, 1, 12, 0, 0, 999);

describe('meta', () => {
  it('is {api_status:"stable", version}', () => {
    expect(meta()).toEqual({ api_status: 'stable', version: ONPREM_API_VERSION });
    expect(ONPREM_API_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('onpremMessage', () => {
  const base = { from: '16315551234', id: 'ABGGFlA5FpafAgo6tHcNmNjXmuSf', timestamp: '1518694235' };
  const media = { id: '463eb7ec-ff4e-4f2b-a1b2-0123456789ab', mime_type: 'audio/ogg; codecs=opus', sha256: 'abc123' };

  it('turns a Cloud push-to-talk note (audio.voice: true) into type "voice" with a voice object', () => {
    const out = onpremMessage({ ...base, type: 'audio', audio: { ...media, voice: true } });
    expect(out).toEqual({ ...base, type: 'voice', voice: media });
    expect(out).not.toHaveProperty('audio');
    expect(out['voice']).not.toHaveProperty('voice');
  });

  it('keeps an ordinary audio message as audio, without the voice flag', () => {
    expect(onpremMessage({ ...base, type: 'audio', audio: { ...media, voice: false } })).toEqual({ ...base, type: 'audio', audio: media });
    expect(onpremMessage({ ...base, type: 'audio', audio: media })).toEqual({ ...base, type: 'audio', audio: media });
  });

  it('passes every other type through unchanged', () => {
    const text = { ...base, type: 'text', text: { body: 'Hello this is an answer' } };
    expect(onpremMessage(text)).toEqual(text);
    const image = { ...base, type: 'image', image: { id: 'x', mime_type: 'image/jpeg', sha256: 'y', caption: 'c' } };
    expect(onpremMessage(image)).toEqual(image);
    const location = { ...base, type: 'location', location: { latitude: 1, longitude: 2 } };
    expect(onpremMessage(location)).toEqual(location);
  });

  it('does not treat a voice flag on a non-audio type as push-to-talk', () => {
    const doc = { ...base, type: 'document', document: { id: 'd', voice: true } };
    expect(onpremMessage(doc)).toEqual(doc);
  });

  it('does not mutate its input', () => {
    const input = { ...base, type: 'audio', audio: { ...media, voice: true } };
    const copy = structuredClone(input);
    onpremMessage(input);
    expect(input).toEqual(copy);
  });
});

describe('onpremInbound', () => {
  it('is {contacts:[{profile:{name}, wa_id}], messages:[...]} with no entry/changes envelope', () => {
    const out = onpremInbound({ name: 'Kerry Fisher', waId: '16315551234' }, { from: '16315551234', id: 'm1', timestamp: '1', type: 'audio', audio: { id: 'a', voice: true } });
    expect(out).toEqual({
      contacts: [{ profile: { name: 'Kerry Fisher' }, wa_id: '16315551234' }],
      messages: [{ from: '16315551234', id: 'm1', timestamp: '1', type: 'voice', voice: { id: 'a' } }],
    });
  });
});

describe('onpremStatus', () => {
  it('is a bare {statuses:[...]} with the timestamp in whole seconds as a string', () => {
    expect(onpremStatus({ id: 'gBEGkYiEB1VXAglK1ZEqA1YKPrU', status: 'delivered', at: AT, recipientId: '16315551234', error: null })).toEqual({
      statuses: [{ id: 'gBEGkYiEB1VXAglK1ZEqA1YKPrU', recipient_id: '16315551234', status: 'delivered', timestamp: String(Math.floor(AT / 1000)), type: 'message' }],
    });
  });

  it('carries errors only when there is one', () => {
    const failed = onpremStatus({ id: 'x', status: 'failed', at: AT, recipientId: '1', error: { code: 470, title: 'Re-engagement message' } });
    expect(failed).toEqual({ statuses: [{ id: 'x', recipient_id: '1', status: 'failed', timestamp: String(Math.floor(AT / 1000)), type: 'message', errors: [{ code: 470, title: 'Re-engagement message' }] }] });
    const ok = onpremStatus({ id: 'x', status: 'sent', at: AT, recipientId: '1', error: null });
    expect((ok['statuses'] as Record<string, unknown>[])[0]).not.toHaveProperty('errors');
  });
});

describe('mergeOnpremPayloads', () => {
  it('concatenates each array key in payload order', () => {
    const a = onpremStatus({ id: 'a', status: 'sent', at: AT, recipientId: '1', error: null });
    const b = onpremInbound({ name: 'K', waId: '1' }, { id: 'm', type: 'text', text: { body: 'hi' } });
    const c = onpremStatus({ id: 'a', status: 'delivered', at: AT, recipientId: '1', error: null });
    const merged = mergeOnpremPayloads([a, b, c]);
    expect(Object.keys(merged).sort()).toEqual(['contacts', 'messages', 'statuses']);
    expect((merged['statuses'] as { status: string }[]).map((s) => s.status)).toEqual(['sent', 'delivered']);
    expect(merged['messages']).toEqual(b['messages']);
    expect(merged['contacts']).toEqual(b['contacts']);
  });

  it('keeps a single payload as it is, and an empty list is {}', () => {
    const a = onpremStatus({ id: 'a', status: 'sent', at: AT, recipientId: '1', error: null });
    expect(mergeOnpremPayloads([a])).toEqual(a);
    expect(mergeOnpremPayloads([])).toEqual({});
  });

  it('drops keys that are not arrays, and does not mutate the inputs', () => {
    const a = { statuses: [{ id: 'a' }], note: 'x' };
    const b = { statuses: [{ id: 'b' }], count: 2 };
    expect(mergeOnpremPayloads([a, b])).toEqual({ statuses: [{ id: 'a' }, { id: 'b' }] });
    expect(a).toEqual({ statuses: [{ id: 'a' }], note: 'x' });
    expect(b).toEqual({ statuses: [{ id: 'b' }], count: 2 });
  });
});

describe('defaultApplicationSettings', () => {
  it('is the documented default set (api-facts D.1), with no webhook URL and no wa_id', () => {
    expect(defaultApplicationSettings()).toEqual({
      callback_backoff_delay_ms: 3000,
      callback_persist: true,
      garbagecollector_enable: { media: false, messages: true },
      heartbeat_interval: 5,
      max_callback_backoff_delay_ms: 900000,
      media: { auto_download: ['image', 'video', 'voice', 'sticker', 'audio', 'document'] },
      notify_user_change_number: true,
      show_security_notifications: true,
      unhealthy_interval: 30,
      wa_id: '',
      webhooks: { url: '', max_concurrent_requests: 12, message: { sent: true, delivered: true, read: false } },
    });
  });

  it('returns a fresh object each time (nested objects included)', () => {
    const first = defaultApplicationSettings();
    (first['webhooks'] as Record<string, unknown>)['url'] = 'https://changed.example';
    (first['media'] as { auto_download: string[] }).auto_download.push('x');
    first['heartbeat_interval'] = 99;
    const second = defaultApplicationSettings();
    expect((second['webhooks'] as Record<string, unknown>)['url']).toBe('');
    expect((second['media'] as { auto_download: string[] }).auto_download).toHaveLength(6);
    expect(second['heartbeat_interval']).toBe(5);
  });
});
