import { describe, expect, it } from 'vitest';
import { Memo } from './memo.js';

describe('Memo', () => {
  it('shares one call per scope and key, concurrent or later', async () => {
    const memo = new Memo();
    const a = {};
    const b = {};
    let calls = 0;
    const read = async (): Promise<number> => ++calls;
    expect(await Promise.all([memo.get(a, 'w1', read), memo.get(a, 'w1', read)])).toEqual([1, 1]);
    expect(await memo.get(a, 'w1', read)).toBe(1);
    // Another key or another scope (another token's client) is another call.
    expect(await memo.get(a, 'w2', read)).toBe(2);
    expect(await memo.get(b, 'w1', read)).toBe(3);
  });

  it('forgets a failed call, so the next caller tries again', async () => {
    const memo = new Memo();
    const scope = {};
    await expect(memo.get(scope, 'k', () => Promise.reject(new Error('503')))).rejects.toThrow('503');
    expect(await memo.get(scope, 'k', async () => 'ok')).toBe('ok');
  });
});
