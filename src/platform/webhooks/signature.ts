import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Meta signs the JSON with every non-ASCII character written as a lowercase `\uXXXX` escape
 * (whatsapp-api-js re-escapes before verifying). Emitting the body already escaped makes raw-body
 * verifiers and escaping verifiers agree.
 */
export function escapeNonAscii(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function serializeWebhookBody(payload: unknown): string {
  return escapeNonAscii(JSON.stringify(payload));
}

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
