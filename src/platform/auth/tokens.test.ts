import { describe, expect, it } from 'vitest';
import { callerFromToken, extractToken, requirePermission } from './tokens.js';
import type { AccessTokenRow } from '../../store/schema.js';

const row = (over: Partial<AccessTokenRow> = {}): AccessTokenRow => ({
  token_hash: 'h',
  id: 't1',
  label: 'test',
  app_id: 'a1',
  business_ids: '["b1"]',
  waba_ids: '[]',
  permissions: '["whatsapp_business_management"]',
  expires_at: null,
  created_at: 0,
  ...over,
});

describe('access tokens', () => {
  it('rejects unknown tokens with 190', () => {
    const r = callerFromToken(undefined, 0);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.spec.code).toBe(190);
  });

  it('rejects expired tokens with 190/463', () => {
    const r = callerFromToken(row({ expires_at: 1000 }), 1000);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.spec.code, r.error.spec.subcode]).toEqual([190, 463]);
  });

  it('checks permissions', () => {
    const caller = callerFromToken(row(), 0);
    if (!caller.ok) throw new Error('expected caller');
    expect(requirePermission(caller.value, 'whatsapp_business_management').ok).toBe(true);
    const denied = requirePermission(caller.value, 'whatsapp_business_messaging');
    expect(denied.ok).toBe(false);
    if (!denied.ok) expect(denied.error.spec.httpStatus).toBe(403);
  });

  it('prefers a Bearer header over the access_token param, ignoring other schemes', () => {
    expect(extractToken('Bearer abc', 'def')).toBe('abc');
    expect(extractToken(undefined, 'def')).toBe('def');
    expect(extractToken('Basic xyz', 'def')).toBe('def');
    expect(extractToken('Basic xyz', undefined)).toBeUndefined();
  });
});
