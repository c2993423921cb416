/**
 * Time source for all domain code. The emulator's clock can be advanced through the control API
 * (tests jump 24 h for template re-rating, 14 days for registration windows, 72 h for rate limits).
 */
export interface Clock {
  now(): number;
}

export class ControllableClock implements Clock {
  constructor(private offsetMs = 0) {}

  now(): number {
    return Date.now() + this.offsetMs;
  }

  get offset(): number {
    return this.offsetMs;
  }

  setOffset(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }
}

/**
 * The latest time the emulator's clock may show: the end of year 9999. Dates stay four-digit ISO
 * strings, and everything computed from the clock (+14 days, +30 days) stays inside JavaScript's
 * Date range (±8.64e15 ms), past which `toISOString` throws.
 */
export const LATEST_CLOCK_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Unix seconds as Meta writes them in webhooks: a string. */
export const unixSeconds = (ms: number): string => String(Math.floor(ms / 1000));
