import type { TrafficWindow } from '../plan/schema.js';

/** Minutes since midnight of `at` in an IANA time zone. */
export function minuteOfDay(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(at));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

const parse = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Milliseconds until the low-traffic window opens (0 inside it). `end` before `start` wraps past
 * midnight (22:00–05:00). Minute resolution: a batch may start within the window's first minute.
 */
export function msUntilWindow(at: number, window: TrafficWindow | undefined): number {
  if (!window) return 0;
  const start = parse(window.start);
  const end = parse(window.end);
  const now = minuteOfDay(at, window.timezone);
  const inside = start <= end ? now >= start && now < end : now >= start || now < end;
  if (inside || start === end) return 0;
  const minutes = (start - now + 1440) % 1440;
  const secondsIntoMinute = Math.floor(at / 1000) % 60;
  return Math.max(0, minutes * 60_000 - secondsIntoMinute * 1000);
}
