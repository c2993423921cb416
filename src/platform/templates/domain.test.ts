import { describe, expect, it } from 'vitest';
import { createTemplateSchema, PROMOTIONAL_PATTERNS, reviewTemplate, TEMPLATE_CATEGORIES, TEMPLATE_STATUSES } from './domain.js';

const valid = {
  name: 'order_update',
  category: 'UTILITY',
  language: 'en_US',
  components: [{ type: 'BODY', text: 'Your order {{1}} has shipped.' }],
};

const parse = (over: Record<string, unknown>) => createTemplateSchema.safeParse({ ...valid, ...over });
const issuePath = (over: Record<string, unknown>): string => {
  const r = parse(over);
  if (r.success) throw new Error(`expected ${JSON.stringify(over)} to be invalid`);
  return r.error.issues[0]?.path.map(String).join('.') ?? '';
};

describe('createTemplateSchema', () => {
  it('accepts a minimal template', () => {
    const r = parse({});
    expect(r.success).toBe(true);
    if (r.success) expect(r.data).toEqual(valid);
  });

  it('upper-cases category, parameter_format, component types and header formats', () => {
    const r = parse({ category: 'marketing', parameter_format: 'named', components: [{ type: 'header', format: 'image' }, { type: 'body', text: 'Hi {{name}}' }, { type: 'footer', text: 'Bye' }] });
    expect(r.success).toBe(true);
    if (!r.success) return;
    expect(r.data.category).toBe('MARKETING');
    expect(r.data.parameter_format).toBe('NAMED');
    expect(r.data.components.map((c) => c.type)).toEqual(['HEADER', 'BODY', 'FOOTER']);
    expect(r.data.components[0]).toEqual({ type: 'HEADER', format: 'IMAGE' });
  });

  it('names: lowercase letters, digits and underscores, 1 to 512 characters', () => {
    for (const name of ['a', 'order_update_2', 'x'.repeat(512)]) expect(parse({ name }).success, name).toBe(true);
    for (const name of ['', 'Order', 'order update', 'order-update', 'ordér', 'x'.repeat(513)]) expect(issuePath({ name }), name).toBe('name');
  });

  it('categories: AUTHENTICATION, MARKETING, UTILITY only', () => {
    expect(TEMPLATE_CATEGORIES).toEqual(['AUTHENTICATION', 'MARKETING', 'UTILITY']);
    for (const category of TEMPLATE_CATEGORIES) expect(parse({ category }).success).toBe(true);
    for (const category of ['TRANSACTIONAL', 'OTP', '']) expect(issuePath({ category }), category).toBe('category');
  });

  it('languages: codes such as en, en_US, zh_Hant', () => {
    for (const language of ['en', 'en_US', 'pt_BR', 'zh_Hant', 'fil']) expect(parse({ language }).success, language).toBe(true);
    for (const language of ['english', 'en-US', 'EN_US', 'e', '']) expect(issuePath({ language }), language).toBe('language');
  });

  it('components: at least one, exactly one BODY', () => {
    expect(issuePath({ components: [] })).toBe('components');
    expect(issuePath({ components: [{ type: 'FOOTER', text: 'x' }] })).toBe('components');
    expect(issuePath({ components: [{ type: 'BODY', text: 'a' }, { type: 'BODY', text: 'b' }] })).toBe('components');
    expect(issuePath({ components: 'BODY' })).toBe('components');
  });

  it('component rules: known types, text lengths, header formats, buttons', () => {
    const bad: unknown[][] = [
      [{ type: 'BODY', text: 'ok' }, { type: 'SIDEBAR' }],
      [{ type: 'BODY', text: '' }],
      [{ type: 'BODY', text: ' \n\t ' }],
      [{ type: 'BODY', text: 'a\u0000b' }],
      [{ type: 'BODY', text: 'x'.repeat(1025) }],
      [{ type: 'HEADER', format: 'TEXT', text: 'h'.repeat(61) }, { type: 'BODY', text: 'ok' }],
      [{ type: 'HEADER', format: 'GIF' }, { type: 'BODY', text: 'ok' }],
      [{ type: 'BODY', text: 'ok' }, { type: 'FOOTER', text: 'f'.repeat(61) }],
      [{ type: 'BODY', text: 'ok' }, { type: 'BUTTONS', buttons: [] }],
      [{ type: 'BODY', text: 'ok' }, { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'b'.repeat(26) }] }],
      [{ type: 'BODY', text: 'ok' }, { type: 'BUTTONS', buttons: Array.from({ length: 11 }, () => ({ type: 'QUICK_REPLY', text: 'b' })) }],
    ];
    for (const components of bad) expect(parse({ components }).success, JSON.stringify(components).slice(0, 80)).toBe(false);

    const good = [
      { type: 'HEADER', format: 'DOCUMENT' },
      { type: 'BODY', text: 'x'.repeat(1024) },
      { type: 'FOOTER', text: 'f'.repeat(60) },
      { type: 'BUTTONS', buttons: Array.from({ length: 10 }, (_, i) => ({ type: 'QUICK_REPLY', text: `b${i}`.padEnd(25, 'x') })) },
    ];
    expect(parse({ components: good }).success).toBe(true);
  });
});

describe('reviewTemplate (the categorisation check)', () => {
  const body = (text: string) => [{ type: 'BODY', text }];

  it('approves anything in MARKETING', () => {
    expect(reviewTemplate('MARKETING', body('Huge SALE: 50% off, buy now!'))).toEqual({ status: 'APPROVED', reason: 'NONE' });
  });

  it('rejects promotional wording in UTILITY or AUTHENTICATION as INCORRECT_CATEGORY', () => {
    const promotional = ['Get 20% off today', 'Enjoy a 5 % off coupon', 'Your discount is waiting', 'Discounted prices', 'Summer sale starts now', 'Use promo SAVE', 'New promotion inside', 'Enter promocode X', 'Limited-time offer', 'limited time offer', 'Buy now', 'A special offer for you'];
    for (const category of ['UTILITY', 'AUTHENTICATION']) {
      for (const text of promotional) expect(reviewTemplate(category, body(text)), `${category}: ${text}`).toEqual({ status: 'REJECTED', reason: 'INCORRECT_CATEGORY' });
    }
  });

  it('approves non-promotional utility text, including words that merely contain a trigger', () => {
    for (const text of ['Your order {{1}} has shipped.', 'Your code is 123456.', 'Wholesale order confirmed', 'Your 2 items are off the shelf and packed', 'Reply 1 to confirm']) {
      expect(reviewTemplate('UTILITY', body(text)), text).toEqual({ status: 'APPROVED', reason: 'NONE' });
    }
  });

  it('reads every component, not just the body', () => {
    expect(reviewTemplate('UTILITY', [{ type: 'HEADER', text: 'Flash sale' }, { type: 'BODY', text: 'Your receipt' }]).status).toBe('REJECTED');
    expect(reviewTemplate('UTILITY', [{ type: 'BODY', text: 'Your receipt' }, { type: 'FOOTER', text: 'Buy now and save' }]).status).toBe('REJECTED');
    expect(reviewTemplate('UTILITY', [{ type: 'BODY', text: 'Your receipt' }, { type: 'BUTTONS' }]).status).toBe('APPROVED');
  });

  it('has a pattern list and the documented status set', () => {
    expect(PROMOTIONAL_PATTERNS.length).toBeGreaterThan(0);
    for (const s of ['APPROVED', 'PENDING', 'REJECTED', 'PAUSED', 'DISABLED']) expect(TEMPLATE_STATUSES).toContain(s);
  });
});
