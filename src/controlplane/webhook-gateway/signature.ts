import { createHmac, timingSafeEqual } from 'node:crypto';
import { escapeNonAscii } from '../../core/wire-json.js';

/**
 * `X-Hub-Signature-256` both ways (api-facts B.13): checking Meta's on the way in, signing ours on
 * the way out. The gateway writes JSON with every non-ASCII character as a lowercase `\uXXXX`
 * escape and signs exactly those bytes, so raw-body verifiers and whatsapp-api-js (which re-escapes
 * before verifying) agree — the same choice the Switchboard platform makes for Meta's side
 * (toWireJson in src/core/wire-json.ts).
 */

export function sign(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time string comparison (secrets, tokens, signatures). */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type SignatureCheck = 'ok' | 'missing' | 'mismatch';

/**
 * Checks a raw body against its header. Also accepts the signature of the body's escaped form, in
 * case a sender signed escaped JSON but sent raw UTF-8 (whether Meta does is UNCONFIRMED).
 */
export function checkSignature(raw: Buffer, header: string | undefined, secret: string): SignatureCheck {
  if (!header) return 'missing';
  if (!header.startsWith('sha256=')) return 'mismatch';
  if (sameSecret(header, sign(raw, secret))) return 'ok';
  const text = raw.toString('utf8');
  if (/[^\x00-\x7e]/.test(text)) {
    if (sameSecret(header, sign(escapeNonAscii(text), secret))) return 'ok';
  }
  return 'mismatch';
}
