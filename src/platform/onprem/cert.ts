import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The display-name certificate an On-Prem client registers with (`cert` of `POST /v1/account`, and the
 * `certificate` field of a phone number on Graph). Ours: base64 of JSON {cc, phone_number, vname,
 * issued_at} plus an HMAC with the installation's secret, so a forged or edited cert is refused.
 */
export interface CertContents {
  cc: string;
  phone_number: string;
  vname: string;
  issued_at: number;
}

const sign = (secret: string, body: string): string => createHmac('sha256', secret).update(`cert:${body}`).digest('base64url');

export function issueCert(secret: string, contents: CertContents): string {
  const body = JSON.stringify(contents);
  return Buffer.from(JSON.stringify({ body, sig: sign(secret, body) }), 'utf8').toString('base64');
}

export function readCert(secret: string, cert: string): CertContents | undefined {
  try {
    const outer = JSON.parse(Buffer.from(cert, 'base64').toString('utf8')) as { body?: unknown; sig?: unknown };
    if (typeof outer.body !== 'string' || typeof outer.sig !== 'string') return undefined;
    const expected = Buffer.from(sign(secret, outer.body));
    const given = Buffer.from(outer.sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    return JSON.parse(outer.body) as CertContents;
  } catch {
    return undefined;
  }
}

/** The current certificate of a number (its approved display name), as Graph's `certificate` field. */
export function certificateOf(ctx: { certSecret: string; clock: { now(): number } }, n: { cc: string; number: string; verified_name: string }): string {
  return issueCert(ctx.certSecret, { cc: n.cc, phone_number: n.number, vname: n.verified_name, issued_at: Math.floor(ctx.clock.now() / 86_400_000) * 86_400 });
}
