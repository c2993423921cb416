import { describe, expect, it } from 'vitest';
import { sharedPlatform } from '../support/platform.js';
import { createTemplate, templateBody, uniqueName } from '../support/message-helpers.js';
import { expectInvalid, expectNotFound, expectRequired } from '../support/webhook-helpers.js';

/** Error paths of the control endpoints added for WABA-to-WABA migrations (issue 4). */
describe('control API: migrations, billing, template quality, WABA deletion', () => {
  const shared = sharedPlatform();
  const UNKNOWN = '999999999999999';

  it('GET /migrations lists nothing for an unknown number, and answers the documented shape', async () => {
    const res = await shared.tp.request('GET', `/_switchboard/migrations?phone_number_id=${UNKNOWN}`);
    expect(res).toMatchObject({ status: 200, body: { data: [] } });
  });

  it('GET /billing/{waba}: unknown WABA → 404; non-numeric since/until → 100', async () => {
    const { tp, world } = shared;
    expectNotFound(await tp.request('GET', `/_switchboard/billing/${UNKNOWN}`), 'waba', UNKNOWN);
    expectInvalid(await tp.request('GET', `/_switchboard/billing/${world.wabaId}?since=abc`), /since/);
    const empty = await tp.request('GET', `/_switchboard/billing/${world.wabaId}`);
    expect(empty).toMatchObject({ status: 200, body: { waba_id: world.wabaId, total_micros: 0, by_category: {}, entries: [] } });
  });

  it('POST /templates/{id}/quality: unknown template → 404; a score outside GREEN/YELLOW/RED/UNKNOWN → 100', async () => {
    const { tp, world } = shared;
    expectNotFound(await tp.request('POST', `/_switchboard/templates/${UNKNOWN}/quality`, { body: { quality_score: 'GREEN' } }), 'template', UNKNOWN);
    const t = await createTemplate(tp, world, templateBody(uniqueName('q')));
    expectInvalid(await tp.request('POST', `/_switchboard/templates/${t.id}/quality`, { body: { quality_score: 'green' } }), /quality_score/);
    expectRequired(await tp.request('POST', `/_switchboard/templates/${t.id}/quality`, { body: {} }), 'quality_score');
  });

  it('DELETE /wabas/{id}: unknown → 404, and a deleted WABA is unknown afterwards', async () => {
    const { tp } = shared;
    expectNotFound(await tp.request('DELETE', `/_switchboard/wabas/${UNKNOWN}`), 'waba', UNKNOWN);
    const business = await tp.control<{ id: string }>('POST', 'businesses', { name: 'Gone Co' });
    const waba = await tp.control<{ id: string }>('POST', 'wabas', { name: 'Gone', owner_business_id: business.id });
    expect((await tp.request('DELETE', `/_switchboard/wabas/${waba.id}`)).body).toEqual({ success: true });
    expectNotFound(await tp.request('DELETE', `/_switchboard/wabas/${waba.id}`), 'waba', waba.id);
  });
});
