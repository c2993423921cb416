import type { Pricing } from '../webhooks/cloud-format.js';

/**
 * Billing (seed 004 "Billing migration"). Under per-message pricing a message is charged when it is
 * delivered, to the WABA that sent it: so a message sent by the source before a migration and
 * delivered after it is still the source's charge, and everything sent after is the destination's.
 *
 * Amounts are an emulator rate card in micro-units of the WABA's currency (Meta's real rates vary by
 * market and volume tier; rehearsals need stable, visible numbers, not real prices).
 */
export const RATE_CARD_MICROS: Readonly<Record<string, number>> = {
  marketing: 25_000,
  utility: 4_000,
  authentication: 13_500,
  'authentication-international': 40_000,
  service: 0,
};

export interface Charge {
  readonly category: string;
  readonly pricingType: string;
  readonly amountMicros: number;
}

/** The charge for a delivered message, or none when it is not billable. */
export function chargeFor(pricing: Pricing | null): Charge | undefined {
  if (!pricing?.billable) return undefined;
  return { category: pricing.category, pricingType: pricing.type, amountMicros: RATE_CARD_MICROS[pricing.category] ?? 0 };
}

/** A status change charges the message once: when it first reaches delivered (or read without delivered). */
export function isFirstDelivery(previous: string, next: string): boolean {
  const reached = (s: string): boolean => s === 'delivered' || s === 'read';
  return reached(next) && !reached(previous);
}
