import { HOUR } from '../../core/clock.js';
import { errors, type ApiError } from '../../core/errors.js';

/**
 * Graph API quotas on WhatsApp Business Account edges (api-facts A.5, Meta's "about the platform"):
 * per app and per WABA, 200 calls an hour by default and 5,000 an hour once the WABA is active (has
 * a registered number). Exceeding it answers 80007. Migration requests count too (seed 004 "Standard
 * Graph API rate limits apply"). The window is a fixed clock hour of the emulator's clock, so tests can
 * move past it; counters live in memory (one process).
 */
export const WABA_QUOTA = { perHour: 200, activePerHour: 5000, windowMs: 1 * HOUR } as const;

/** Graph calls that count against a WABA's quota, as `kind METHOD edge`. */
export const QUOTA_CALLS: ReadonlySet<string> = new Set([
  'waba GET ',
  'waba GET phone_numbers',
  'waba POST phone_numbers',
  'waba GET message_templates',
  'waba POST message_templates',
  'waba DELETE message_templates',
  'waba GET subscribed_apps',
  'waba POST subscribed_apps',
  'waba DELETE subscribed_apps',
  'phone_number GET ',
]);

export const isQuotaCall = (kind: string, method: string, edge: string | null): boolean => QUOTA_CALLS.has(`${kind} ${method} ${edge ?? ''}`);

export interface QuotaUsage {
  /** Percentage of the hour's quota used, as `x-business-use-case-usage` reports it. */
  readonly callCountPercent: number;
  /** Minutes until calls are allowed again (0 while under the quota). */
  readonly minutesToRegain: number;
}

interface Window {
  start: number;
  count: number;
}

export class WabaQuota {
  private readonly windows = new Map<string, Window>();

  /** Counts one call by `appKey` on `wabaId`; an error when the hour's quota is already used up. */
  hit(appKey: string, wabaId: string, active: boolean, now: number): { usage: QuotaUsage; error?: ApiError } {
    const limit = active ? WABA_QUOTA.activePerHour : WABA_QUOTA.perHour;
    const start = now - (now % WABA_QUOTA.windowMs);
    const key = `${appKey}\u0000${wabaId}`;
    let w = this.windows.get(key);
    if (!w || w.start !== start) {
      if (this.windows.size > 100_000) this.windows.clear();
      w = { start, count: 0 };
      this.windows.set(key, w);
    }
    const over = w.count >= limit;
    if (!over) w.count += 1;
    const usage = { callCountPercent: Math.min(100, Math.floor((w.count * 100) / limit)), minutesToRegain: over ? Math.ceil((start + WABA_QUOTA.windowMs - now) / 60_000) : 0 };
    return over ? { usage, error: errors.wabaRateLimit() } : { usage };
  }

  clear(): void {
    this.windows.clear();
  }
}

/** The `x-business-use-case-usage` header value (api-facts A.5). */
export function usageHeader(wabaId: string, usage: QuotaUsage): string {
  return JSON.stringify({
    [wabaId]: [{ type: 'whatsapp_business_management', call_count: usage.callCountPercent, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: usage.minutesToRegain }],
  });
}
