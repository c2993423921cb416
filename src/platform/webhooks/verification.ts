import { randomBytes } from 'node:crypto';
import { errors, type ApiError } from '../../core/errors.js';

/**
 * The handshake Meta performs when a callback URL is saved: GET with hub.mode=subscribe, a random
 * hub.challenge and the verify token; the endpoint must answer 200 with the challenge as the body.
 */
export async function verifyCallbackUrl(url: string, verifyToken: string, timeoutMs = 5000): Promise<ApiError | undefined> {
  const challenge = String(randomBytes(4).readUInt32BE());
  const target = new URL(url);
  target.searchParams.set('hub.mode', 'subscribe');
  target.searchParams.set('hub.challenge', challenge);
  target.searchParams.set('hub.verify_token', verifyToken);
  try {
    const res = await fetch(target, { signal: AbortSignal.timeout(timeoutMs), headers: { 'user-agent': 'facebookplatform/1.0' } });
    const body = (await res.text()).trim();
    if (res.status === 200 && body === challenge) return undefined;
    return errors.callbackVerificationFailed(`The URL couldn't be validated. Response does not match challenge, expected value="${challenge}", received="${body.slice(0, 100)}" (HTTP ${res.status})`);
  } catch (err) {
    return errors.callbackVerificationFailed(`The URL couldn't be validated: ${err instanceof Error ? err.message : String(err)}`);
  }
}
