import { describe, expect, it } from 'vitest';
import { escapeNonAscii, toWireJson } from './wire-json.js';

describe('wire JSON', () => {
  it('escapes non-ASCII (DEL and up, surrogate halves one by one) as lowercase \\u escapes, keeping the JSON equal', () => {
    const body = toWireJson({ text: 'olá 👋\u007f' });
    expect(body).toBe('{"text":"ol\\u00e1 \\ud83d\\udc4b\\u007f"}');
    expect(JSON.parse(body)).toEqual({ text: 'olá 👋\u007f' });
  });

  it('leaves ASCII text as it is', () => {
    expect(escapeNonAscii('{"plain":"~ text"}')).toBe('{"plain":"~ text"}');
  });
});
