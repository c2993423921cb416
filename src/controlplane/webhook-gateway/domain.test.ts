import { describe, expect, it } from 'vitest';
import { afterFailure, backoffMs, canonicalMessageId, dedupKeys, laneOf, observeSource, placement, stableJson, type RetryPolicy, type SourceView } from './domain.js';
import type { NormalisedEvent } from './wire.js';

const message = (id: string, body: Record<string, unknown> = { type: 'text', text: { body: 'hi' } }, extra: Partial<NormalisedEvent> = {}): NormalisedEvent => ({
  kind: 'message',
  field: 'messages',
  wabaId: 'W',
  phoneNumberId: 'P',
  value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '1', phone_number_id: 'P' }, messages: [{ from: '1650', id, timestamp: '100', ...body }] },
  entryTime: null,
  timestamp: 100,
  subjectId: id,
  status: null,
  ...extra,
});

describe('de-duplication keys', () => {
  it('an inbound message has the same key from On-Prem (bare id) and Cloud ("wamid." + id)', () => {
    expect(canonicalMessageId('wamid.HBgLMTY1MA==')).toBe('HBgLMTY1MA==');
    expect(dedupKeys(message('HBgLMTY1MA==')).primary).toBe(dedupKeys(message('wamid.HBgLMTY1MA==')).primary);
    expect(dedupKeys(message('A')).primary).not.toBe(dedupKeys(message('B')).primary);
  });

  it('the content fingerprint ignores ids (message, context, media) but not content or time', () => {
    const media = (id: string, sha: string): Record<string, unknown> => ({ type: 'image', image: { id, sha256: sha, mime_type: 'image/jpeg' }, context: { from: '1', id: `ctx-${id}` } });
    const a = dedupKeys(message('onprem-id', media('111', 'abc'))).crossSource;
    expect(dedupKeys(message('wamid.cloud-id', media('999', 'abc'))).crossSource).toBe(a);
    expect(dedupKeys(message('x', media('111', 'def'))).crossSource).not.toBe(a);
    const later = message('x', media('111', 'abc'));
    (later.value['messages'] as Record<string, unknown>[])[0]!['timestamp'] = '101';
    expect(dedupKeys(later).crossSource).not.toBe(a);
  });

  it('a status is keyed by message and status name; other events by content', () => {
    const status = (id: string, s: string): NormalisedEvent => ({ ...message(id), kind: 'status', status: s, value: { statuses: [{ id, status: s }] } });
    expect(dedupKeys(status('wamid.X', 'read')).primary).toBe(dedupKeys(status('X', 'read')).primary);
    expect(dedupKeys(status('X', 'read')).primary).not.toBe(dedupKeys(status('X', 'delivered')).primary);
    expect(dedupKeys(status('X', 'read')).crossSource).toBeNull();
    const other = (v: Record<string, unknown>): NormalisedEvent => ({ ...message('m'), kind: 'other', field: 'account_update', phoneNumberId: null, subjectId: null, value: v, entryTime: 5 });
    expect(dedupKeys(other({ a: 1, b: 2 })).primary).toBe(dedupKeys(other({ b: 2, a: 1 })).primary);
    expect(dedupKeys(other({ a: 1 })).primary).not.toBe(dedupKeys(other({ a: 2 })).primary);
  });

  it('lanes are numbers, or the WABA for account-level events', () => {
    expect(laneOf({ phoneNumberId: '123', wabaId: 'W' })).toBe('123');
    expect(laneOf({ phoneNumberId: null, wabaId: 'W' })).toBe('waba:W');
    expect(stableJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });
});

describe('which API a number receives from', () => {
  const empty: SourceView = { current: null, currentLatest: null, switchedAt: null, epoch: 0, previous: null };

  it('the first event sets it without a switch; the same API keeps it', () => {
    const first = observeSource(empty, 'onprem', 100, 1_000);
    expect(first).toEqual({ view: { current: 'onprem', currentLatest: 100, switchedAt: null, epoch: 0, previous: null }, switched: false });
    expect(observeSource(first.view, 'onprem', 105, 2_000).view.currentLatest).toBe(105);
    expect(observeSource(first.view, 'onprem', 90, 2_000).view.currentLatest).toBe(100);
  });

  it('a newer event from the other API is a switch, stamped with the time it arrived', () => {
    const on = observeSource(empty, 'onprem', 100, 1_000).view;
    expect(observeSource(on, 'cloud', 101, 7_000)).toEqual({ view: { current: 'cloud', currentLatest: 101, switchedAt: 7_000, epoch: 1, previous: 'onprem' }, switched: true });
  });

  it('a same-second event from an API the number never left is a switch (a migration inside one second)', () => {
    const on = observeSource(empty, 'onprem', 100, 1_000).view;
    expect(observeSource(on, 'cloud', 100, 1_900)).toEqual({ view: { current: 'cloud', currentLatest: 100, switchedAt: 1_900, epoch: 1, previous: 'onprem' }, switched: true });
    expect(observeSource(on, 'cloud', 99, 1_900).switched).toBe(false);
  });

  it('a straggler from the old API (older or same second) does not switch it back', () => {
    const cloud = observeSource(observeSource(empty, 'onprem', 100, 1_000).view, 'cloud', 105, 2_000).view;
    expect(observeSource(cloud, 'onprem', 104, 3_000)).toEqual({ view: cloud, switched: false });
    expect(observeSource(cloud, 'onprem', 105, 3_000)).toEqual({ view: cloud, switched: false });
    // A real migration back later is a switch again.
    expect(observeSource(cloud, 'onprem', 200, 9_000).switched).toBe(true);
  });
});

describe('placement around a switch-over', () => {
  const onprem: SourceView = { current: 'onprem', currentLatest: 100, switchedAt: null, epoch: 0, previous: null };
  const switched: SourceView = { current: 'cloud', currentLatest: 101, switchedAt: 10_000, epoch: 1, previous: 'onprem' };

  it('events of the current API go now, in the current epoch', () => {
    expect(placement(onprem, 'onprem', 5_000, 3_000)).toEqual({ epoch: 0, notBefore: 5_000 });
    expect(placement({ ...onprem, current: null }, 'cloud', 5_000, 3_000)).toEqual({ epoch: 0, notBefore: 5_000 });
  });

  it('for the hold after a switch the new API waits; the old API\'s stragglers go first, in the previous epoch', () => {
    expect(placement(switched, 'cloud', 10_000, 3_000)).toEqual({ epoch: 1, notBefore: 13_000 });
    expect(placement(switched, 'cloud', 12_500, 3_000)).toEqual({ epoch: 1, notBefore: 13_000 });
    expect(placement(switched, 'onprem', 12_000, 3_000)).toEqual({ epoch: 0, notBefore: 12_000 });
    expect(placement(switched, 'cloud', 20_000, 3_000)).toEqual({ epoch: 1, notBefore: 20_000 });
    expect(placement(switched, 'cloud', 10_000, 0)).toEqual({ epoch: 1, notBefore: 10_000 });
  });
});

describe('retries', () => {
  const policy: RetryPolicy = { baseMs: 100, maxMs: 1_000, maxAttempts: 5, maxAgeMs: 60_000 };

  it('backs off exponentially, capped', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, policy))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('dead-letters after the last attempt or once too old', () => {
    expect(afterFailure(1, 0, 10, policy)).toEqual({ dead: false, nextAttemptAt: 110 });
    expect(afterFailure(5, 0, 10, policy)).toEqual({ dead: true });
    expect(afterFailure(2, 0, 60_000, policy)).toEqual({ dead: true });
  });
});
