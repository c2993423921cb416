import { describe, expect, it } from 'vitest';
import { afterFailure, backoffMs, cancelStops, nextStepIndex } from '../../src/controlplane/jobs/state.js';
import { msUntilWindow } from '../../src/controlplane/jobs/window.js';
import { stepNames } from '../../src/controlplane/jobs/steps/index.js';

const policy = { max_attempts: 4, base_ms: 100, max_ms: 1000 };

describe('step state machine', () => {
  it('runs the first step that has not finished; skipped counts as finished', () => {
    expect(nextStepIndex([])).toBe(0);
    expect(nextStepIndex([{ name: 'a', status: 'succeeded', attempts: 1 }, { name: 'b', status: 'skipped', attempts: 0 }, { name: 'c', status: 'started', attempts: 1 }])).toBe(2);
    expect(nextStepIndex([{ name: 'a', status: 'succeeded', attempts: 1 }])).toBe(1);
  });

  it('retries transient failures with capped exponential backoff, then fails', () => {
    const half = () => 0.5;
    expect(afterFailure(1, true, policy, half)).toEqual({ action: 'retry', delayMs: 75 });
    expect(afterFailure(2, true, policy, half)).toEqual({ action: 'retry', delayMs: 150 });
    expect(afterFailure(3, true, policy, half)).toEqual({ action: 'retry', delayMs: 300 });
    expect(afterFailure(4, true, policy, half)).toEqual({ action: 'fail' });
    expect(afterFailure(1, false, policy, half)).toEqual({ action: 'fail' });
  });

  it('backoff never exceeds the cap and never drops below half of it', () => {
    for (let attempt = 1; attempt < 30; attempt++) {
      expect(backoffMs(attempt, policy, () => 1)).toBeLessThanOrEqual(1000);
      expect(backoffMs(attempt, policy, () => 0)).toBe(Math.min(1000, 100 * 2 ** (attempt - 1)) / 2);
    }
  });

  it('cancel stops a job before its commit step, not after, nor once the commit step was attempted', () => {
    expect(cancelStops(2, 3, false)).toBe(true);
    expect(cancelStops(3, 3, false)).toBe(true);
    expect(cancelStops(3, 3, true)).toBe(false);
    expect(cancelStops(4, 3, true)).toBe(false);
  });

  it('step lists per kind follow the seeds', () => {
    expect(stepNames('onprem_to_cloud')).toEqual(['snapshot', 'pause_outbound', 'backup', 'register', 'verify_health', 'subscribe_app', 'resume_outbound', 'verify']);
    expect(stepNames('cloud_to_onprem')).toEqual(['snapshot', 'pause_outbound', 'request_account', 'verify_account', 'verify_health', 'resume_outbound', 'verify']);
    expect(stepNames('waba_to_waba')).toEqual(['snapshot', 'pause_outbound', 'disable_two_step', 'subscribe_destination', 'initiate_migration', 'request_code', 'verify_code', 'register', 'verify_health', 'resume_outbound', 'verify']);
  });
});

describe('low-traffic window', () => {
  const at = (iso: string): number => Date.parse(iso);

  it('is open inside the window, including one that wraps midnight', () => {
    expect(msUntilWindow(at('2026-01-01T02:00:00Z'), { start: '01:00', end: '05:00', timezone: 'UTC' })).toBe(0);
    expect(msUntilWindow(at('2026-01-01T23:30:00Z'), { start: '22:00', end: '05:00', timezone: 'UTC' })).toBe(0);
    expect(msUntilWindow(at('2026-01-01T04:59:00Z'), { start: '22:00', end: '05:00', timezone: 'UTC' })).toBe(0);
    expect(msUntilWindow(at('2026-01-01T12:00:00Z'), undefined)).toBe(0);
  });

  it('says how long until it opens', () => {
    expect(msUntilWindow(at('2026-01-01T05:00:00Z'), { start: '22:00', end: '05:00', timezone: 'UTC' })).toBe(17 * 3600_000);
    expect(msUntilWindow(at('2026-01-01T00:30:00Z'), { start: '01:00', end: '05:00', timezone: 'UTC' })).toBe(30 * 60_000);
  });

  it('honours the time zone', () => {
    // 01:00 UTC is 02:00 in Paris in winter: inside 02:00–04:00 Paris time.
    expect(msUntilWindow(at('2026-01-01T01:00:00Z'), { start: '02:00', end: '04:00', timezone: 'Europe/Paris' })).toBe(0);
    expect(msUntilWindow(at('2026-01-01T01:00:00Z'), { start: '02:00', end: '04:00', timezone: 'UTC' })).toBe(3600_000);
  });
});
