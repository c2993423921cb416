import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER, registerNumber, sendInbound, TestPlatform } from '../support/platform.js';
import { createTemplate, templateBody, uniqueName } from '../support/message-helpers.js';
import { migrate, migrationsOf, twoPartners, type TwoPartners } from '../support/waba-migration-helpers.js';

/**
 * Seed 004 end to end, Cloud API → Cloud API: the destination partner migrates a registered number
 * from another partner's WABA, then registers it and messages from it.
 */
describe('WABA-to-WABA migration, Cloud API to Cloud API (seed 004)', () => {
  let tp: TestPlatform;
  let p: TwoPartners;
  let mediaId: string;
  let inboundId: string;
  let approvedTemplate: { id: string };

  beforeAll(async () => {
    tp = await TestPlatform.start();
    p = await twoPartners(tp, { official_business_account: true, quality_rating: 'YELLOW', messaging_limit_tier: 'TIER_10K', is_official_business_account: true });
    approvedTemplate = await createTemplate(tp, p.source, templateBody(uniqueName('ship'), { category: 'UTILITY', text: 'Your order {{1}} has shipped.' }));
    await tp.control('POST', `templates/${approvedTemplate.id}/quality`, { quality_score: 'GREEN' });
    const upload = new FormData();
    upload.set('messaging_product', 'whatsapp');
    upload.set('file', new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])], { type: 'image/jpeg' }), 'a.jpg');
    const res = await fetch(`${tp.base}/v23.0/${p.number.id}/media`, { method: 'POST', headers: { authorization: `Bearer ${p.source.token}` }, body: upload });
    mediaId = ((await res.json()) as { id: string }).id;
    inboundId = (await sendInbound(tp, p.number.id, 'before the move')).messageId ?? '';
    await migrate(tp, p);
  });

  afterAll(async () => {
    await p.source.receiver.stop();
    await p.dest.receiver.stop();
    await tp.stop();
  });

  it('moves the number to the destination WABA and keeps its name, quality, limit and OBA status', async () => {
    const destList = await tp.graph<{ data: { id: string }[] }>('GET', `${p.dest.wabaId}/phone_numbers`, p.dest.token);
    expect(destList.body.data.map((n) => n.id)).toEqual([p.number.id]);
    const sourceList = await tp.graph<{ data: unknown[] }>('GET', `${p.source.wabaId}/phone_numbers`, p.source.token);
    expect(sourceList.body.data).toEqual([]);
    const view = await tp.graph('GET', `${p.number.id}?fields=verified_name,quality_rating,messaging_limit_tier,is_official_business_account,name_status,platform_type`, p.dest.token);
    expect(view.body).toMatchObject({ verified_name: 'Test Shop', quality_rating: 'YELLOW', messaging_limit_tier: 'TIER_10K', is_official_business_account: true, name_status: 'APPROVED', platform_type: 'NOT_APPLICABLE' });
    // The source partner can no longer see it.
    expect((await tp.graph('GET', p.number.id, p.source.token)).status).toBe(400);
  });

  it('duplicates the approved high-quality template, auto-approved with quality UNKNOWN', async () => {
    const list = await tp.graph<{ data: { name: string; status: string; id: string }[] }>('GET', `${p.dest.wabaId}/message_templates?fields=name,status,quality_score`, p.dest.token);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ status: 'APPROVED', quality_score: { score: 'UNKNOWN' } });
    const [m] = await migrationsOf(tp, p.number.id);
    expect(m).toMatchObject({ status: 'completed', source_api: 'cloud', source_waba_id: p.source.wabaId, dest_waba_id: p.dest.wabaId });
    expect(m?.report?.history_carried).toBe(true);
    expect(m?.report?.templates.duplicated).toEqual([expect.objectContaining({ source_id: approvedTemplate.id, status: 'APPROVED', reason: 'NONE' })]);
  });

  it('lets the destination register, reply to earlier messages and reuse uploaded media (both on Cloud API)', async () => {
    expect((await registerNumber(tp, p.dest, p.number.id, '654321')).status).toBe(200);
    const read = await tp.graph('POST', `${p.number.id}/messages`, p.dest.token, { messaging_product: 'whatsapp', status: 'read', message_id: inboundId });
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    const media = await tp.graph('GET', mediaId, p.dest.token);
    expect(media.status, JSON.stringify(media.body)).toBe(200);
    const sent = await tp.graph('POST', `${p.number.id}/messages`, p.dest.token, { messaging_product: 'whatsapp', to: CONSUMER, type: 'image', image: { id: mediaId } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  });

  it('tells both WABAs\' apps by Business Management webhooks', async () => {
    await tp.flushWebhooks();
    const source = p.source.receiver.changes('account_update');
    expect(source).toContainEqual(expect.objectContaining({ event: 'PHONE_NUMBER_MIGRATED', migration_info: expect.objectContaining({ role: 'SOURCE' }) }));
    expect(p.dest.receiver.changes('account_update')).toContainEqual(expect.objectContaining({ event: 'PHONE_NUMBER_MIGRATED', migration_info: expect.objectContaining({ role: 'DESTINATION' }) }));
    expect(p.dest.receiver.changes('phone_number_name_update')).toContainEqual(expect.objectContaining({ decision: 'APPROVED', requested_verified_name: 'Test Shop' }));
    expect(p.dest.receiver.changes('message_template_status_update')).toContainEqual(expect.objectContaining({ event: 'APPROVED' }));
    // Every delivery is signed with the receiving app's secret.
    expect(p.dest.receiver.received.every((r) => r.validSignature)).toBe(true);
  });
});
