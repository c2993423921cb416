import { describe, expect, it } from 'vitest';
import { planSchema } from '../../src/controlplane/plan/schema.js';
import { addNumber } from '../support/platform.js';
import { useRehearsal } from './support/harness.js';
import { PIN } from './support/world.js';

/** The platform's answer while it does not implement seed 004's migration call yet. */
const NOT_AVAILABLE = 'migration between WhatsApp Business Accounts is not available';

/**
 * Seed 004 (WABA → WABA between Solution Partners) driven by the control plane. Until the platform
 * implements `POST /{dest}/phone_numbers {migrate_phone_number:true}` the end-to-end test skips itself,
 * after checking that the job failed only there — before the number moved — and released held messages.
 */
describe('control plane: WABA → WABA (seed 004)', () => {
  const h = useRehearsal();

  it('disables two-step, migrates into the destination WABA, verifies the code, registers and subscribes', async (ctx) => {
    const { tp, world: source } = h;
    // The destination: the same client business, served by another partner (On-Behalf-Of).
    const partner = await tp.control<{ id: string }>('POST', 'businesses', { name: 'New Partner' });
    const destWaba = await tp.control<{ id: string }>('POST', 'wabas', { name: 'Client WABA (new partner)', owner_business_id: source.businessId, partner_business_id: partner.id, payment_method: 'card' });
    const app = await tp.control<{ id: string }>('POST', 'apps', { name: 'New Partner App', business_id: partner.id, skip_verification: true });
    const { access_token: destToken } = await tp.control<{ access_token: string }>('POST', 'tokens', { app_id: app.id, business_ids: [partner.id] });
    const number = await addNumber(tp, source, { register_pin: PIN });

    const plan = planSchema.parse({
      version: 1,
      name: 'w2w',
      graph: { base_url: tp.base, token_env: 'SB_TOKEN' },
      rehearsal: {},
      otp: { source: 'rehearsal_inbox' },
      defaults: { pin_env: 'SB_PIN' },
      retry: { max_attempts: 3, base_ms: 20, max_ms: 100 },
      numbers: [{ phone_number_id: number.id, kind: 'waba_to_waba', source_waba_id: source.wabaId, destination_waba_id: destWaba.id, destination_token_env: 'DEST_TOKEN' }],
    });
    const { store, runner } = await h.runner('w2w', { DEST_TOKEN: destToken });
    try {
      const { runId, preflight } = await runner.create(plan);
      expect(preflight.numbers[0]?.verdict).toBe('ready');
      await runner.execute(runId);
      const [job] = await store.jobs(runId);
      if (job?.error?.includes(NOT_AVAILABLE)) {
        // Rolled back: still in the source WABA, two-step verification on again (the job had turned it off).
        expect(job.status).toBe('rolled_back');
        expect(job.error).toMatch(/^initiate_migration: graph 400 #100.* — the number never left the source WABA; two-step verification is on again; held messages sent there$/);
        const fields = await tp.graph('GET', `${number.id}?fields=platform_type,status,is_pin_enabled`, source.token);
        expect(fields.body).toMatchObject({ platform_type: 'CLOUD_API', status: 'CONNECTED', is_pin_enabled: true });
        ctx.skip(`the platform does not implement WABA-to-WABA migration yet ("${NOT_AVAILABLE}")`);
      }
      expect(job?.status, job?.error ?? '').toBe('succeeded');
      const listed = await tp.graph<{ data: { id: string }[] }>('GET', `${destWaba.id}/phone_numbers`, destToken);
      expect(listed.body.data.map((n) => n.id)).toContain(number.id);
      const fields = await tp.graph('GET', `${number.id}?fields=platform_type,status,health_status`, destToken);
      expect(fields.body).toMatchObject({ platform_type: 'CLOUD_API', status: 'CONNECTED' });
      expect((await tp.graph<{ data: unknown[] }>('GET', `${destWaba.id}/subscribed_apps`, destToken)).body.data).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
