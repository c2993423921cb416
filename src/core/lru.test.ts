import { describe, expect, it } from 'vitest';
import { LruCache } from './lru.js';

describe('LruCache', () => {
  it('evicts the least recently used entry at capacity', () => {
    const c = new LruCache<string, number>(2, 1000, () => 0);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1);
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
  });

  it('forgets entries after their time to live', () => {
    let now = 0;
    const c = new LruCache<string, number>(10, 100, () => now);
    c.set('a', 1);
    now = 99;
    expect(c.get('a')).toBe(1);
    now = 200;
    expect(c.get('a')).toBeUndefined();
  });

  it('keeps an entry read while in the older half, and leaves recent ones where they are', () => {
    const c = new LruCache<number, number>(4, 1000, () => 0);
    for (const k of [1, 2, 3, 4]) c.set(k, k);
    expect(c.get(1)).toBe(1); // oldest: moved to the newest end
    expect(c.get(4)).toBe(4); // newest half: stays
    c.set(5, 5); // evicts 2, the least recently used
    c.set(6, 6); // then 3
    expect([1, 2, 3, 4, 5, 6].map((k) => c.get(k))).toEqual([1, undefined, undefined, 4, 5, 6]);
  });
});
