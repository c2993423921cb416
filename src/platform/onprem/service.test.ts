import { describe, expect, it } from 'vitest';
import type { OnpremDeployment, PhoneNumber } from '../../store/schema.js';
import { defaultApplicationSettings } from './format.js';
import { gatewayStatus, mergeSettings } from './service.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const NUMBER_ID = '106540352242922';

const deployment = (over: Partial<OnpremDeployment> = {}): OnpremDeployment => ({
  id: 'dep-a',
  port: null,
  admin_password_hash: 'x',
  password_change_required: 0,
  settings: JSON.stringify(defaultApplicationSettings()),
  shards: 1,
  phone_number_id: NUMBER_ID,
  pending_registration: null,
  created_at: NOW,
  ...over,
});

/** The fields gatewayStatus looks at; the rest of a row is irrelevant to it. */
const number = (over: Partial<PhoneNumber> = {}): PhoneNumber => ({ id: NUMBER_ID, api: 'onprem', onprem_deployment_id: 'dep-a', ...over }) as PhoneNumber;

describe('gatewayStatus', () => {
  it('is connected when the number is registered on On-Prem with this deployment', () => {
    expect(gatewayStatus(deployment(), number())).toBe('connected');
  });

  it('is unregistered when the deployment has no number, or the number row is gone', () => {
    expect(gatewayStatus(deployment({ phone_number_id: null }), undefined)).toBe('unregistered');
    expect(gatewayStatus(deployment({ phone_number_id: null }), number())).toBe('unregistered');
    expect(gatewayStatus(deployment(), undefined)).toBe('unregistered');
  });

  it('is disconnected when the number moved to Cloud API, to no API, or to another deployment', () => {
    expect(gatewayStatus(deployment(), number({ api: 'cloud', onprem_deployment_id: null }))).toBe('disconnected');
    expect(gatewayStatus(deployment(), number({ api: 'cloud', onprem_deployment_id: 'dep-a' }))).toBe('disconnected');
    expect(gatewayStatus(deployment(), number({ api: 'none', onprem_deployment_id: null }))).toBe('disconnected');
    expect(gatewayStatus(deployment(), number({ api: 'onprem', onprem_deployment_id: 'dep-b' }))).toBe('disconnected');
    expect(gatewayStatus(deployment({ id: 'dep-b' }), number())).toBe('disconnected');
  });

  it('ignores pending registrations: only a verified registration connects', () => {
    const pending = deployment({ phone_number_id: null, pending_registration: JSON.stringify({ phone_number_id: NUMBER_ID, vname: 'Shop' }) });
    expect(gatewayStatus(pending, number({ api: 'cloud', onprem_deployment_id: null }))).toBe('unregistered');
  });
});

describe('mergeSettings', () => {
  const current = (): Record<string, unknown> => ({ ...defaultApplicationSettings(), wa_id: '16315551019' });

  it('replaces present top-level scalars and leaves absent keys unchanged', () => {
    const out = mergeSettings(current(), { heartbeat_interval: 10, callback_persist: false });
    expect(out).toEqual({ ...current(), heartbeat_interval: 10, callback_persist: false });
  });

  it('merges nested objects at every depth', () => {
    const out = mergeSettings(current(), { webhooks: { url: 'https://hooks.example/onprem', message: { read: true } } });
    expect(out['webhooks']).toEqual({ url: 'https://hooks.example/onprem', max_concurrent_requests: 12, message: { sent: true, delivered: true, read: true } });
    expect(out['garbagecollector_enable']).toEqual({ media: false, messages: true });
  });

  it('replaces arrays whole', () => {
    expect(mergeSettings(current(), { media: { auto_download: ['image'] } })['media']).toEqual({ auto_download: ['image'] });
    expect(mergeSettings({ list: [1, 2, 3] }, { list: [4] })).toEqual({ list: [4] });
  });

  it('an object replaces a scalar, a scalar or null replaces an object', () => {
    expect(mergeSettings({ a: 1 }, { a: { b: 2 } })).toEqual({ a: { b: 2 } });
    expect(mergeSettings({ a: { b: 2 } }, { a: 3 })).toEqual({ a: 3 });
    expect(mergeSettings({ a: { b: 2 } }, { a: null })).toEqual({ a: null });
    expect(mergeSettings({ a: { b: 2 } }, { a: [1] })).toEqual({ a: [1] });
  });

  it('adds keys that were not there, and an empty patch is a no-op', () => {
    expect(mergeSettings({ a: 1 }, { b: 2 })).toEqual({ a: 1, b: 2 });
    expect(mergeSettings({ a: { x: 1 } }, { a: { y: 2 } })).toEqual({ a: { x: 1, y: 2 } });
    expect(mergeSettings(current(), {})).toEqual(current());
  });

  it('does not mutate the current settings or the patch', () => {
    const before = current();
    const patch = { webhooks: { message: { read: true } }, heartbeat_interval: 7 };
    const patchCopy = structuredClone(patch);
    const out = mergeSettings(before, patch);
    expect(before).toEqual(current());
    expect(patch).toEqual(patchCopy);
    (out['webhooks'] as Record<string, unknown>)['url'] = 'changed';
    expect((before['webhooks'] as Record<string, unknown>)['url']).toBe('');
  });
});
