import { createHmac, timingSafeEqual } from 'node:crypto';

/** `X-Hub-Signature-256` header value: `sha256=<hex HMAC-SHA256(body, app secret)>`. */
export function signatureHeader(body: string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body, 'utf8').digest('hex')}`;
}

export function verifySignature(body: string | Buffer, header: string | undefined, appSecret: string): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(signatureHeader(body.toString(), appSecret));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
