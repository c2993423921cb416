import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC_PATH, withTable } from './docs-table.js';
import { cloudError, ERROR_HREF, ERROR_TABLE, FALLBACK, mappingOf } from './error-codes.js';

describe('On-Prem → Cloud error codes', () => {
  it('has one row per On-Prem code, each to a Cloud code', () => {
    const codes = ERROR_TABLE.map((m) => m.onprem);
    expect(new Set(codes).size).toBe(codes.length);
    for (const m of ERROR_TABLE) expect(m.cloud, String(m.onprem)).toBeGreaterThanOrEqual(100);
  });

  it('maps the codes the platform\'s On-Prem deployments send back to the Cloud codes they came from', () => {
    // src/platform/onprem/messaging.ts turns 131047 into 470 and 131026 into 1013, anything else into 500.
    expect([470, 1013, 500].map((c) => mappingOf(c)?.cloud)).toEqual([131047, 131026, 131000]);
    expect(mappingOf(501)?.cloud).toBe(131051);
  });

  it('renders Cloud\'s error object and keeps the On-Prem code and words in the details', () => {
    expect(cloudError({ code: 471, title: 'Spam rate limit hit', details: 'too many' }, true)).toEqual({
      code: 131048,
      title: 'Spam rate limit hit',
      message: 'Spam rate limit hit',
      error_data: { details: 'On-Premises error 471 (Spam rate limit hit: too many)' },
      href: ERROR_HREF,
    });
    expect(cloudError({ code: 9999, title: 'New thing' }, false)).toEqual({ code: FALLBACK.cloud, title: FALLBACK.cloudTitle, message: FALLBACK.cloudTitle, error_data: { details: 'On-Premises error 9999 (New thing)' } });
  });

  it('the committed table in docs/webhook-gateway.md is the one generated from the code (npm run docs:gateway)', () => {
    const doc = readFileSync(DOC_PATH, 'utf8');
    expect(withTable(doc)).toBe(doc);
  });
});
