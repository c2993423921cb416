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
});
