import { describe, expect, it } from 'vitest';
import { ERROR_HREF, cloudEnvelope, inboundValue, statusesValue, webhookError, type CloudEvent } from './cloud-format.js';
import { escapeNonAscii } from '../../core/wire-json.js';

const AT = 1_739_321_024_999; // ms; 1739321024 in unix seconds
const metadata = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };

const msg = (wabaId: string, n: number, at = AT): CloudEvent => ({ wabaId, field: 'messages', valueJson: JSON.stringify({ n }), at });
const bm = (wabaId: string, field: string, n: number, at = AT): CloudEvent => ({ wabaId, field, valueJson: JSON.stringify({ n }), at });
/** The envelope's JSON text, parsed (it must parse). */
const envelope = (events: CloudEvent[]): Record<string, unknown> => JSON.parse(cloudEnvelope(events)) as Record<string, unknown>;

describe('cloudEnvelope', () => {
  it('wraps one messages event without `time`', () => {
    expect(envelope([msg('111', 1)])).toEqual({ object: 'whatsapp_business_account', entry: [{ id: '111', changes: [{ value: { n: 1 }, field: 'messages' }] }] });
    expect((envelope([msg('111', 1)])['entry'] as object[])[0]).not.toHaveProperty('time');
  });

  it('adds `time` in unix seconds (floored) for Business Management fields', () => {
    for (const field of ['account_update', 'phone_number_name_update', 'message_template_status_update', 'phone_number_quality_update']) {
      expect(envelope([bm('222', field, 1)])).toEqual({ object: 'whatsapp_business_account', entry: [{ id: '222', time: 1_739_321_024, changes: [{ value: { n: 1 }, field }] }] });
    }
  });

  it('groups events by WABA in order of first appearance, keeping each WABA’s change order', () => {
    const env = envelope([msg('A', 1), msg('B', 2), msg('A', 3), bm('C', 'account_update', 4, AT + 5000), msg('B', 5)]);
    expect(env).toEqual({
      object: 'whatsapp_business_account',
      entry: [
        { id: 'A', changes: [{ value: { n: 1 }, field: 'messages' }, { value: { n: 3 }, field: 'messages' }] },
        { id: 'B', changes: [{ value: { n: 2 }, field: 'messages' }, { value: { n: 5 }, field: 'messages' }] },
        { id: 'C', time: 1_739_321_029, changes: [{ value: { n: 4 }, field: 'account_update' }] },
      ],
    });
  });

  it('takes `time` from the first Business Management event of an entry, even after a messages change', () => {
    const env = envelope([msg('A', 1, AT - 60_000), bm('A', 'phone_number_name_update', 2, AT), bm('A', 'account_update', 3, AT + 10_000)]);
    expect(env).toEqual({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'A',
          time: 1_739_321_024,
          changes: [
            { value: { n: 1 }, field: 'messages' },
            { value: { n: 2 }, field: 'phone_number_name_update' },
            { value: { n: 3 }, field: 'account_update' },
          ],
        },
      ],
    });
    // Key order on the wire: id, time, changes (as Meta's samples).
    expect(Object.keys((env['entry'] as object[])[0]!)).toEqual(['id', 'time', 'changes']);
  });

  it('gives an empty entry list for no events', () => {
    expect(envelope([])).toEqual({ object: 'whatsapp_business_account', entry: [] });
  });

  it('splices a stored value to the same text as serialising the parsed envelope would', () => {
    const value = statusesValue(metadata, { messageId: 'wamid.X', status: 'sent', at: AT, recipientId: '16505551234', pricing: null, bizOpaqueCallbackData: 'ñ "q" \\', error: null });
    const events: CloudEvent[] = [{ wabaId: '7', field: 'messages', valueJson: JSON.stringify(value), at: AT }, bm('7', 'account_update', 2)];
    const parsed = { object: 'whatsapp_business_account', entry: [{ id: '7', time: 1_739_321_024, changes: [{ value, field: 'messages' }, { value: { n: 2 }, field: 'account_update' }] }] };
    expect(cloudEnvelope(events)).toBe(JSON.stringify(parsed));
  });

  it('serialises to the exact wire form', () => {
    expect(escapeNonAscii(cloudEnvelope([{ wabaId: '9', field: 'messages', valueJson: JSON.stringify({ t: 'ñ' }), at: AT }]))).toBe(
      '{"object":"whatsapp_business_account","entry":[{"id":"9","changes":[{"value":{"t":"\\u00f1"},"field":"messages"}]}]}',
    );
  });
});

describe('change values', () => {
  it('builds an inbound messages value (C.2)', () => {
    const message = { from: '16505551234', id: 'wamid.X', timestamp: '1749416383', type: 'text', text: { body: 'hi' } };
    expect(inboundValue(metadata, { name: 'Sheena Nelson', waId: '16505551234' }, message)).toEqual({
      messaging_product: 'whatsapp',
      metadata,
      contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
      messages: [message],
    });
  });

  it('builds a statuses value with pricing and biz_opaque_callback_data when present (C.3)', () => {
    const pricing = { billable: true, pricing_model: 'PMP' as const, type: 'regular' as const, category: 'marketing' };
    expect(statusesValue(metadata, { messageId: 'wamid.Y', status: 'delivered', at: AT, recipientId: '16505551234', pricing, bizOpaqueCallbackData: 'ref-1', error: null })).toEqual({
      messaging_product: 'whatsapp',
      metadata,
      statuses: [{ id: 'wamid.Y', status: 'delivered', timestamp: '1739321024', recipient_id: '16505551234', biz_opaque_callback_data: 'ref-1', pricing }],
    });
    const read = statusesValue(metadata, { messageId: 'wamid.Y', status: 'read', at: AT, recipientId: '16505551234', pricing: null, bizOpaqueCallbackData: null, error: null });
    expect(read).toEqual({ messaging_product: 'whatsapp', metadata, statuses: [{ id: 'wamid.Y', status: 'read', timestamp: '1739321024', recipient_id: '16505551234' }] });
  });

  it('puts errors (and no pricing) on failed statuses (C.3/C.4)', () => {
    const error = webhookError(131047, 'Re-engagement message', 'Message failed to send because more than 24 hours have passed.');
    expect(error).toEqual({
      code: 131047,
      title: 'Re-engagement message',
      message: 'Re-engagement message',
      error_data: { details: 'Message failed to send because more than 24 hours have passed.' },
      href: ERROR_HREF,
    });
    const pricing = { billable: true, pricing_model: 'PMP' as const, type: 'regular' as const, category: 'utility' };
    expect(statusesValue(metadata, { messageId: 'wamid.Z', status: 'failed', at: AT, recipientId: '1', pricing, bizOpaqueCallbackData: null, error })).toEqual({
      messaging_product: 'whatsapp',
      metadata,
      statuses: [{ id: 'wamid.Z', status: 'failed', timestamp: '1739321024', recipient_id: '1', errors: [error] }],
    });
  });
});
