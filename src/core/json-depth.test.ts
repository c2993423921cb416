import { describe, expect, it } from 'vitest';
import { jsonNestsDeeperThan } from './json-depth.js';

const nested = (levels: number): string => `${'{"a":['.repeat(levels)}1${']}'.repeat(levels)}`;

describe('jsonNestsDeeperThan', () => {
  it('counts objects and arrays alike, up to the limit inclusive', () => {
    expect(jsonNestsDeeperThan(nested(2), 4)).toBe(false); // 4 levels
    expect(jsonNestsDeeperThan(nested(2), 3)).toBe(true);
    expect(jsonNestsDeeperThan('[[],[],{"a":{}}]', 3)).toBe(false); // 3 levels: siblings do not add up
    expect(jsonNestsDeeperThan('[[],[],{"a":{}}]', 2)).toBe(true);
  });

  it('skips brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(JSON.stringify({ s: '[[[[{{{{"\\' }), 1)).toBe(false);
    expect(jsonNestsDeeperThan('{"s":"\\"[[["}', 1)).toBe(false);
  });

  it('reads scalars and empty text as depth 0', () => {
    expect(jsonNestsDeeperThan('"[["', 0)).toBe(false);
    expect(jsonNestsDeeperThan('42', 0)).toBe(false);
    expect(jsonNestsDeeperThan('', 0)).toBe(false);
  });
});
