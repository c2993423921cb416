import { describe, expect, it } from 'vitest';
import { newMessageId } from './ids.js';

/** The hex digits inside a wamid (after the embedded recipient). */
const hexOf = (wamid: string): string => /([0-9A-F]{18})\0$/.exec(Buffer.from(wamid.slice('wamid.'.length), 'base64').toString('latin1'))?.[1] ?? '';

describe('newMessageId', () => {
  it('looks like a wamid, embeds the recipient, stays within 128 characters and never repeats', () => {
    const ids = Array.from({ length: 50_000 }, () => newMessageId('16505551234'));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 100)) {
      expect(id).toMatch(/^wamid\.[A-Za-z0-9+/]+=*$/);
      expect(id.length).toBeLessThanOrEqual(128);
      expect(Buffer.from(id.slice(6), 'base64').toString('latin1')).toContain('16505551234');
    }
  });

  it('orders its digits by creation, so ids made together sit together in an index', () => {
    const hex = Array.from({ length: 5_000 }, () => hexOf(newMessageId('16505551234')));
    expect(hex.every((h) => h.length === 18)).toBe(true);
    // Time and sequence lead; only the last four digits are random.
    const leading = hex.map((h) => h.slice(0, 14));
    expect(leading).toEqual([...leading].sort());
    expect(new Set(leading).size).toBe(leading.length);
  });

  it('encodes the record byte for byte: tag, recipient, tag, 18 hex digits, terminator', () => {
    const bytes = Buffer.from(newMessageId('16505551234').slice('wamid.'.length), 'base64');
    const hex = bytes.subarray(20, 38).toString('latin1');
    expect(hex).toMatch(/^[0-9A-F]{18}$/);
    expect([...bytes]).toEqual([0x15, 0x18, 11, ...Buffer.from('16505551234'), 0x15, 0x02, 0x00, 0x11, 0x18, 18, ...Buffer.from(hex), 0x00]);
  });
});
