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

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Unix seconds as Meta writes them in webhooks: a string. */
export const unixSeconds = (ms: number): string => String(Math.floor(ms / 1000));
