import { describe, expect, it } from 'vitest';
import type { ApiError } from '../../core/errors.js';
import type { Result } from '../../core/result.js';
import type { Consumer, Template } from '../../store/schema.js';
import { checkTemplateSend, deliveryOutcome, normalizeRecipient, placeholderCount, pricingFor, SERVICE_WINDOW_MS } from './domain.js';
import type { TemplateObject } from './schema.js';

const errorOf = <T>(r: Result<T>): ApiError => {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.value)}`);
  return r.error;
};
const valueOf = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`expected success, got ${r.error.spec.message}`);
  return r.value;
};

const consumer = (over: Partial<Consumer> = {}): Consumer => ({ wa_id: '16505551234', name: 'Kerry', online: 1, auto_read: 0, created_at: 0, ...over });

const template = (over: Partial<Template> = {}, components: unknown[] = [{ type: 'BODY', text: 'Hello' }]): Template => ({
  id: '1000',
  waba_id: '2000',
  name: 'order_update',
  language: 'en_US',
  category: 'UTILITY',
  sub_category: null,
  parameter_format: 'POSITIONAL',
  components: JSON.stringify(components),
  status: 'APPROVED',
  rejected_reason: 'NONE',
  quality_score: 'UNKNOWN',
  quality_updated_at: 0,
  previous_category: null,
  source_template_id: null,
  created_at: 0,
  updated_at: 0,
  ...over,
});

const send = (components?: TemplateObject['components']): TemplateObject => ({ name: 'order_update', language: { code: 'en_US' }, ...(components && { components }) });
const bodyParams = (n: number): TemplateObject['components'] => [{ type: 'body', parameters: Array.from({ length: n }, (_, i) => ({ type: 'text', text: `p${i}` })) }];

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

describe('placeholderCount', () => {
  it('counts distinct positional and named placeholders', () => {
    expect(placeholderCount(undefined)).toBe(0);
    expect(placeholderCount('')).toBe(0);
    expect(placeholderCount('No placeholders, {1} or {{}} either')).toBe(0);
    expect(placeholderCount('Hi {{1}}, order {{2}} ships {{3}}')).toBe(3);
    expect(placeholderCount('{{1}} and again {{1}}')).toBe(1);
    expect(placeholderCount('Hello {{first_name}}, code {{ code }}')).toBe(2);
  });
});

describe('checkTemplateSend', () => {
  it('a missing template is 132001 with HTTP 404, naming template and language', () => {
    const err = errorOf(checkTemplateSend(undefined, send()));
    expect([err.spec.code, err.spec.httpStatus]).toEqual([132001, 404]);
    expect(err.details).toBe('template name (order_update) does not exist in en_US');
  });

  it('templates that are not approved (pending, rejected, ...) do not exist for sending', () => {
    for (const status of ['PENDING', 'REJECTED', 'IN_APPEAL', 'ARCHIVED', 'LIMIT_EXCEEDED']) {
      expect(errorOf(checkTemplateSend(template({ status }), send())).spec.code).toBe(132001);
    }
  });

  it('PAUSED is 132015 and DISABLED 132016, both HTTP 400', () => {
    const paused = errorOf(checkTemplateSend(template({ status: 'PAUSED' }), send()));
    expect([paused.spec.code, paused.spec.httpStatus]).toEqual([132015, 400]);
    const disabled = errorOf(checkTemplateSend(template({ status: 'DISABLED' }), send()));
    expect([disabled.spec.code, disabled.spec.httpStatus]).toEqual([132016, 400]);
  });

  it('an approved template with matching parameters is returned', () => {
    const t = template({}, [{ type: 'BODY', text: 'Hi {{1}}, order {{2}}' }]);
    expect(valueOf(checkTemplateSend(t, send(bodyParams(2))))).toBe(t);
    expect(valueOf(checkTemplateSend(template(), send()))).toMatchObject({ name: 'order_update' });
  });

  it('body parameter count mismatches are 132000', () => {
    const t = template({}, [{ type: 'BODY', text: 'Hi {{1}}, order {{2}}' }]);
    for (const components of [undefined, bodyParams(1), bodyParams(3)]) {
      const err = errorOf(checkTemplateSend(t, send(components)));
      expect([err.spec.code, err.spec.httpStatus]).toEqual([132000, 400]);
      expect(err.details).toMatch(/^body: /);
    }
    // Parameters for a body without placeholders are a mismatch too.
    expect(errorOf(checkTemplateSend(template(), send(bodyParams(1)))).spec.code).toBe(132000);
  });

  it('a media header expects exactly one parameter, a text header one per placeholder', () => {
    const media = template({}, [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Receipt' }]);
    expect(errorOf(checkTemplateSend(media, send())).details).toMatch(/^header: .*\(0\).*\(1\)/);
    expect(valueOf(checkTemplateSend(media, send([{ type: 'header', parameters: [{ type: 'image' }] }]))).id).toBe('1000');

    const text = template({}, [{ type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' }, { type: 'BODY', text: 'Shipped' }]);
    expect(errorOf(checkTemplateSend(text, send())).spec.code).toBe(132000);
    expect(valueOf(checkTemplateSend(text, send([{ type: 'header', parameters: [{ type: 'text' }] }]))).id).toBe('1000');

    const plainHeader = template({}, [{ type: 'HEADER', format: 'TEXT', text: 'Hello' }, { type: 'BODY', text: 'Shipped' }]);
    expect(valueOf(checkTemplateSend(plainHeader, send())).id).toBe('1000');
  });

  it('checks status before parameters', () => {
    const t = template({ status: 'PAUSED' }, [{ type: 'BODY', text: 'Hi {{1}}' }]);
    expect(errorOf(checkTemplateSend(t, send())).spec.code).toBe(132015);
  });
});
