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

  it('with a maximum age, calls again once the shared answer is older than that', async () => {
    let now = 1000;
    const memo = new Memo(() => now);
    const scope = {};
    let calls = 0;
    const read = async (): Promise<number> => ++calls;
    expect(await memo.get(scope, 'k', read, 500)).toBe(1);
    now += 500;
    expect(await memo.get(scope, 'k', read, 500)).toBe(1);
    now += 1;
    expect(await memo.get(scope, 'k', read, 500)).toBe(2);
    expect(await memo.get(scope, 'k', read)).toBe(2);
  });
});
