import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toWireJson } from '../../core/wire-json.js';
import { checkSignature, sameSecret, sign } from './signature.js';

describe('X-Hub-Signature-256', () => {
  const secret = 'app-secret';
  const hmac = (s: string): string => `sha256=${createHmac('sha256', secret).update(s).digest('hex')}`;

  it('signs exactly the bytes it writes, with non-ASCII escaped (as Meta and the platform do)', () => {
    const body = toWireJson({ text: 'olá 👍' });
    expect(body).toBe('{"text":"ol\\u00e1 \\ud83d\\udc4d"}');
    expect(sign(body, secret)).toBe(hmac(body));
  });

  it('accepts a matching header; refuses a missing, malformed or wrong one', () => {
    const raw = Buffer.from('{"a":1}');
    expect(checkSignature(raw, hmac('{"a":1}'), secret)).toBe('ok');
    expect(checkSignature(raw, undefined, secret)).toBe('missing');
    expect(checkSignature(raw, '', secret)).toBe('missing');
    expect(checkSignature(raw, 'sha1=abc', secret)).toBe('mismatch');
    expect(checkSignature(raw, hmac('{"a":2}'), secret)).toBe('mismatch');
    expect(checkSignature(raw, hmac('{"a":1}').toUpperCase(), secret)).toBe('mismatch');
  });

  it('a raw UTF-8 body signed in its escaped form is accepted too', () => {
    const raw = Buffer.from('{"t":"é"}', 'utf8');
    expect(checkSignature(raw, hmac('{"t":"\\u00e9"}'), secret)).toBe('ok');
    expect(checkSignature(raw, hmac('{"t":"é"}'), secret)).toBe('ok');
  });

  it('compares secrets in constant time, lengths included', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('ab', 'abc')).toBe(false);
  });
});
