import { describe, expect, it } from 'vitest';
import { errorOf, valueOf } from '../../../test/support/result.js';
import type { Template } from '../../store/schema.js';
import type { TemplateObject } from './schema.js';
import { checkTemplateSend, placeholderNames } from './template-send.js';

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
  edit_history: '[]',
  ...over,
});

const send = (components?: TemplateObject['components']): TemplateObject => ({ name: 'order_update', language: { code: 'en_US' }, ...(components && { components }) });
const bodyParams = (n: number): TemplateObject['components'] => [{ type: 'body', parameters: Array.from({ length: n }, (_, i) => ({ type: 'text', text: `p${i}` })) }];

describe('placeholderNames', () => {
  it('counts distinct positional and named placeholders', () => {
    expect(placeholderNames(undefined)).toHaveLength(0);
    expect(placeholderNames('')).toHaveLength(0);
    expect(placeholderNames('No placeholders, {1} or {{}} either')).toHaveLength(0);
    expect(placeholderNames('Hi {{1}}, order {{2}} ships {{3}}')).toHaveLength(3);
    expect(placeholderNames('{{1}} and again {{1}}')).toHaveLength(1);
    expect(placeholderNames('Hello {{first_name}}, code {{ code }}')).toEqual(['first_name', 'code']);
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
    expect(valueOf(checkTemplateSend(text, send([{ type: 'header', parameters: [{ type: 'text', text: '42' }] }]))).id).toBe('1000');

    const plainHeader = template({}, [{ type: 'HEADER', format: 'TEXT', text: 'Hello' }, { type: 'BODY', text: 'Shipped' }]);
    expect(valueOf(checkTemplateSend(plainHeader, send())).id).toBe('1000');
  });

  it('checks status before parameters', () => {
    const t = template({ status: 'PAUSED' }, [{ type: 'BODY', text: 'Hi {{1}}' }]);
    expect(errorOf(checkTemplateSend(t, send())).spec.code).toBe(132015);
  });

  // Cloud API refuses what On-Prem let through (api-facts D.4); a rehearsal must meet it first.
  describe('components against the template', () => {
    const withButtons = template({}, [
      { type: 'HEADER', format: 'IMAGE' },
      { type: 'BODY', text: 'Order {{1}} is ready' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Thanks' }, { type: 'URL', text: 'Track', url: 'https://x.example/{{1}}' }] },
    ]);
    const header = { type: 'header', parameters: [{ type: 'image', image: { link: 'https://x.example/a.png' } }] };
    const body = { type: 'body', parameters: [{ type: 'text', text: 'A-1' }] };
    const button = (index?: string | number) => ({ type: 'button', sub_type: 'url', ...(index !== undefined && { index }), parameters: [{ type: 'text', text: 'A-1' }] });
    const codeOf = (components: TemplateObject['components']) => errorOf(checkTemplateSend(withButtons, send(components))).spec.code;

    it('accepts a complete send, buttons by index as a string or a number', () => {
      expect(valueOf(checkTemplateSend(withButtons, send([header, body, button('1')]))).id).toBe('1000');
      expect(valueOf(checkTemplateSend(withButtons, send([header, body, button(0)]))).id).toBe('1000');
    });

    it('a button without index is 131008; an index the template has no button for, 131009', () => {
      expect(codeOf([header, body, button()])).toBe(131008);
      expect(codeOf([header, body, button('')])).toBe(131008);
      expect(codeOf([header, body, button('2')])).toBe(131009);
      expect(codeOf([header, body, button('-1')])).toBe(131009);
      expect(codeOf([header, body, button('one')])).toBe(131009);
    });

    it('a component given twice is 131009', () => {
      expect(codeOf([header, body, body])).toBe(131009);
      expect(codeOf([header, header, body])).toBe(131009);
      expect(codeOf([header, body, button('1'), button(1)])).toBe(131009);
    });

    it('a text parameter without text, or with only whitespace, is 131008', () => {
      for (const text of [undefined, '', '   ', 42]) {
        const err = errorOf(checkTemplateSend(withButtons, send([header, { type: 'body', parameters: [{ type: 'text', ...(text !== undefined && { text }) }] }])));
        expect([err.spec.code, err.details], String(text)).toEqual([131008, 'body: Parameter of type text is missing text value']);
      }
    });

    it('a parameter whose type is not the media header format is 132012', () => {
      const err = errorOf(checkTemplateSend(withButtons, send([{ type: 'header', parameters: [{ type: 'text', text: 'x' }] }, body])));
      expect([err.spec.code, err.spec.httpStatus, err.details]).toEqual([132012, 400, 'header: Format mismatch, expected IMAGE, received TEXT']);
      expect(errorOf(checkTemplateSend(withButtons, send([{ type: 'header', parameters: [{ type: 'video' }] }, body]))).spec.code).toBe(132012);
    });

    it('a NAMED template takes its own parameter names, and no others', () => {
      const named = template({ parameter_format: 'NAMED' }, [{ type: 'BODY', text: 'Hi {{first_name}}, order {{order_id}}' }]);
      const params = (...names: (string | undefined)[]) => [{ type: 'body', parameters: names.map((n) => ({ type: 'text', text: 'v', ...(n !== undefined && { parameter_name: n }) })) }];
      expect(valueOf(checkTemplateSend(named, send(params('order_id', 'first_name')))).id).toBe('1000');
      expect(errorOf(checkTemplateSend(named, send(params('first_name', 'customer')))).details).toBe('body: parameter_name "customer" is not a parameter of the template');
      expect(errorOf(checkTemplateSend(named, send(params('first_name', undefined)))).spec.code).toBe(131009);
    });
  });
});
