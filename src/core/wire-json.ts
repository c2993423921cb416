/**
 * JSON as Meta writes webhook bodies: every non-ASCII character as a lowercase `\uXXXX` escape
 * (whatsapp-api-js re-escapes before verifying a signature). Emitting bodies already escaped makes
 * raw-body verifiers and escaping verifiers agree. Shared by the platform's webhook delivery and the
 * control plane's webhook gateway, which sign what they send.
 */
export function escapeNonAscii(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const toWireJson = (payload: unknown): string => escapeNonAscii(JSON.stringify(payload));
