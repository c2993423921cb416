import { describe, expect, it } from 'vitest';
import { errorOf, valueOf } from '../../../test/support/result.js';
import type { Consumer } from '../../store/schema.js';
import { deliveryOutcome, normalizeRecipient, pricingFor, SERVICE_WINDOW_MS } from './domain.js';

const consumer = (over: Partial<Consumer> = {}): Consumer => ({ wa_id: '16505551234', name: 'Kerry', online: 1, auto_read: 0, created_at: 0, ...over });

describe('normalizeRecipient', () => {
  it('strips +, spaces, dashes and parentheses', () => {
    for (const to of ['16505551234', '+16505551234', '+1 650 555 1234', '1-650-555-1234', '+1 (650) 555-1234', ' +1 650-555-1234 ']) {
      expect(valueOf(normalizeRecipient(to))).toBe('16505551234');
    }
  });

  it('accepts 6 to 15 digits', () => {
    expect(valueOf(normalizeRecipient('123456'))).toBe('123456');
    expect(valueOf(normalizeRecipient('123456789012345'))).toBe('123456789012345');
  });

  it('rejects anything else with 131009 (HTTP 400), naming the input', () => {
    for (const to of ['', '+', '12345', '1234567890123456', 'abc', '1650555123x', 'wa:16505551234']) {
      const err = errorOf(normalizeRecipient(to));
      expect([err.spec.code, err.spec.httpStatus, err.spec.type]).toEqual([131009, 400, 'OAuthException']);
      expect(err.details).toContain(to);
    }
  });
});

describe('deliveryOutcome', () => {
  it('a recipient who is not a WhatsApp user fails with 131026, template or not, window or not', () => {
    for (const isTemplate of [true, false]) {
      for (const windowOpen of [true, false]) {
        const o = deliveryOutcome({ consumer: undefined, windowOpen, isTemplate });
        expect(o.statuses).toEqual(['failed']);
        expect(o.error).toMatchObject({ code: 131026, title: 'Message undeliverable', message: 'Message undeliverable' });
      }
    }
  });

  it('a free-form message outside the window fails with 131047', () => {
    const o = deliveryOutcome({ consumer: consumer(), windowOpen: false, isTemplate: false });
    expect(o.statuses).toEqual(['failed']);
    expect(o.error).toEqual({
      code: 131047,
      title: 'Re-engagement message',
      message: 'Re-engagement message',
      error_data: { details: expect.stringContaining('24 hours') },
      href: expect.stringMatching(/^https:\/\//),
    });
  });

  it('a template outside the window is delivered', () => {
    expect(deliveryOutcome({ consumer: consumer(), windowOpen: false, isTemplate: true })).toEqual({ statuses: ['sent', 'delivered'], error: null });
  });

  it('inside the window: sent and delivered; read too for auto-reading consumers', () => {
    expect(deliveryOutcome({ consumer: consumer(), windowOpen: true, isTemplate: false })).toEqual({ statuses: ['sent', 'delivered'], error: null });
    expect(deliveryOutcome({ consumer: consumer({ auto_read: 1 }), windowOpen: true, isTemplate: false })).toEqual({ statuses: ['sent', 'delivered', 'read'], error: null });
  });

  it('an offline consumer only gets "sent", auto_read or not', () => {
    for (const auto_read of [0, 1]) {
      expect(deliveryOutcome({ consumer: consumer({ online: 0, auto_read }), windowOpen: true, isTemplate: false })).toEqual({ statuses: ['sent'], error: null });
    }
  });

  it('the window lasts exactly 24 hours', () => {
    expect(SERVICE_WINDOW_MS).toBe(24 * 60 * 60 * 1000);
  });
});

describe('pricingFor', () => {
  it('service messages are free customer service', () => {
    expect(pricingFor(null, true)).toEqual({ billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' });
  });

  it('utility templates are free inside the window and billed outside', () => {
    expect(pricingFor('UTILITY', true)).toEqual({ billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'utility' });
    expect(pricingFor('UTILITY', false)).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' });
  });

  it('marketing and authentication templates are always billed, in lower case', () => {
    for (const windowOpen of [true, false]) {
      expect(pricingFor('MARKETING', windowOpen)).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' });
      expect(pricingFor('AUTHENTICATION', windowOpen)).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'authentication' });
    }
  });
});

