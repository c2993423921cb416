import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignature } from './signature.js';

describe('webhook signatures', () => {
  it('signs with HMAC-SHA256 of the exact body and the app secret', () => {
    const body = '{"a":1}';
    const expected = createHmac('sha256', 's3cret').update(body).digest('hex');
    expect(signatureHeader(body, 's3cret')).toBe(`sha256=${expected}`);
    expect(verifySignature(body, `sha256=${expected}`, 's3cret')).toBe(true);
    expect(verifySignature(body, `sha256=${expected}`, 'other')).toBe(false);
    expect(verifySignature(body, undefined, 's3cret')).toBe(false);
  });
});
