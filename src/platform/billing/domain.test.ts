import { describe, expect, it } from 'vitest';
import type { Pricing } from '../webhooks/cloud-format.js';
import { RATE_CARD_MICROS, chargeFor, isFirstDelivery } from './domain.js';

const regular = (category: string): Pricing => ({ billable: true, pricing_model: 'PMP', type: 'regular', category });

describe('chargeFor', () => {
  it('charges nothing without pricing (a failed message)', () => {
    expect(chargeFor(null)).toBeUndefined();
  });

  it('charges nothing for a non-billable message (service, or utility inside the window)', () => {
    expect(chargeFor({ billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' })).toBeUndefined();
    expect(chargeFor({ billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'utility' })).toBeUndefined();
  });

  it.each([
    ['marketing', 25_000],
    ['utility', 4_000],
    ['authentication', 13_500],
    ['authentication-international', 40_000],
  ])('charges a billable %s message %i micros, with its category and pricing type', (category, amount) => {
    expect(chargeFor(regular(category))).toEqual({ category, pricingType: 'regular', amountMicros: amount });
    expect(RATE_CARD_MICROS[category]).toBe(amount);
  });

  it('a billable category missing from the rate card is recorded at 0', () => {
    expect(chargeFor(regular('referral_conversion'))).toEqual({ category: 'referral_conversion', pricingType: 'regular', amountMicros: 0 });
  });

  it('service conversations cost nothing on the rate card', () => {
    expect(RATE_CARD_MICROS['service']).toBe(0);
  });
});

describe('isFirstDelivery', () => {
  it.each([
    ['accepted', 'delivered'],
    ['sent', 'delivered'],
    ['sent', 'read'],
    ['accepted', 'read'],
  ])('%s → %s charges', (previous, next) => {
    expect(isFirstDelivery(previous, next)).toBe(true);
  });

  it.each([
    ['delivered', 'read'],
    ['delivered', 'delivered'],
    ['read', 'read'],
    ['read', 'delivered'],
    ['accepted', 'sent'],
    ['sent', 'sent'],
    ['sent', 'failed'],
    ['accepted', 'failed'],
  ])('%s → %s does not', (previous, next) => {
    expect(isFirstDelivery(previous, next)).toBe(false);
  });
});
