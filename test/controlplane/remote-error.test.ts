import { describe, expect, it } from 'vitest';
import { graphError, isTransient, onpremError } from '../../src/controlplane/clients/remote-error.js';
import { isRetryable, notYet, cannot } from '../../src/controlplane/errors.js';

describe('retry classification', () => {
  it.each([
    [503, 2],
    [400, 4],
    [400, 80007],
    [503, 133004],
    [500, 131000],
    [400, 1],
  ])('Graph %i #%i is transient', (status, code) => {
    expect(isTransient('graph', status, code)).toBe(true);
    expect(graphError(status, { error: { code, message: 'x' } }, 'POST /1/register').transient).toBe(true);
  });

  it.each([
    [400, 100],
    [400, 133005],
    [400, 133016],
    [403, 200],
    [401, 190],
    [500, 131045],
  ])('Graph %i #%i is permanent', (status, code) => {
    expect(isTransient('graph', status, code)).toBe(false);
  });

  it('a bare 5xx or 429 without an API code (proxy, load balancer) is transient; a bare 4xx is not', () => {
    expect(graphError(503, 'Service Unavailable', 'GET /1').transient).toBe(true);
    expect(graphError(429, {}, 'GET /1').transient).toBe(true);
    expect(graphError(404, 'not found', 'GET /1').transient).toBe(false);
  });

  it('transport failures (no answer) are transient', () => {
    expect(isTransient('transport', 0, undefined)).toBe(true);
  });

  it('On-Prem: 1011 service not ready (a disconnected deployment) is permanent, 1016 overloaded is transient', () => {
    expect(onpremError(500, { errors: [{ code: 1011, title: 'Service not ready' }] }, 'POST /v1/settings/backup').transient).toBe(false);
    expect(onpremError(503, { errors: [{ code: 1016, title: 'System overloaded' }] }, 'POST /v1/messages').transient).toBe(true);
  });

  it('parses code, subcode and details', () => {
    const e = graphError(400, { error: { message: '(#100) Invalid parameter', code: 100, error_subcode: 2388001, error_data: { details: '2FA on' } } }, 'POST /9/phone_numbers');
    expect({ code: e.code, subcode: e.subcode, message: e.message }).toEqual({ code: 100, subcode: 2388001, message: '(#100) Invalid parameter — 2FA on' });
    expect(e.describe()).toBe('graph 400 #100/2388001: (#100) Invalid parameter — 2FA on (POST /9/phone_numbers)');
  });

  it('isRetryable: step verdicts and unknown errors', () => {
    expect(isRetryable(notYet('code not delivered'))).toBe(true);
    expect(isRetryable(cannot('2FA is on'))).toBe(false);
    expect(isRetryable(new TypeError('bug'))).toBe(false);
  });
});
