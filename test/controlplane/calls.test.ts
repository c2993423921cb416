import { describe, expect, it } from 'vitest';
import { Runner } from '../../src/controlplane/jobs/runner.js';
import { KINDS } from '../../src/controlplane/jobs/steps/index.js';
import { expectOnpremOk } from '../support/onprem-helpers.js';
import { useRehearsal } from './support/harness.js';
import { ENV_BASE, numberOnOnprem, planFor, registrations, viaProxy, type Placed } from './support/world.js';

/**
 * What an On-Prem → Cloud number costs in calls, counted at a proxy: reads already made are not made
 * again — but a register after a backup this process did not make still observes first.
 */
describe('control plane: calls per On-Prem → Cloud number', () => {
  const h = useRehearsal({ faults: true });
  const callsOf = (p: Placed): string[] =>
    h.proxy.hits.filter((hit) => hit.path.includes(`/${p.number.id}`) || hit.path.includes(`/onprem/${p.dep.id}/`)).map((hit) => `${hit.method} ${hit.path.replace(/\?fields=.*/, '?fields')}`);

  it('seven: pre-flight reads the number and the deployment; the run backs up, registers and reads the health once', async () => {
    const { tp, world, proxy } = h;
    const placed = [await numberOnOnprem(tp, world), await numberOnOnprem(tp, world)];
    const plan = viaProxy(tp, proxy.url, planFor(tp, world, placed.map((p) => ({ kind: 'onprem_to_cloud', placed: p }))));
    const { store, runner } = await h.runner('calls');
    try {
      const { runId } = await runner.create(plan);
      expect((await runner.execute(runId)).counts).toEqual({ succeeded: 2 });
      for (const p of placed) {
        const dep = `/onprem/${p.dep.id}/v1`;
        const graph = `/v23.0/${p.number.id}`;
        expect(callsOf(p).sort()).toEqual(
          [`POST ${dep}/users/login`, `GET ${dep}/health`, `GET ${dep}/settings/application`, `GET ${graph}?fields`, `POST ${dep}/settings/backup`, `POST ${graph}/register`, `GET ${graph}?fields`].sort(),
        );
      }
    } finally {
      await store.close();
    }
  });

  it('a register whose backup an earlier process made observes first', async () => {
    const { tp, world, proxy } = h;
    const p = await numberOnOnprem(tp, world);
    const plan = viaProxy(tp, proxy.url, planFor(tp, world, [{ kind: 'onprem_to_cloud', placed: p }]));
    const { store, runner } = await h.runner('calls-resumed');
    try {
      const { runId } = await runner.create(plan);
      // The earlier process: snapshot, outbound held, backup — then it died before register.
      const [job] = await store.jobs(runId);
      if (!job) throw new Error('no job');
      await store.startJob(job, KINDS.onprem_to_cloud.steps.map((s) => s.name), Date.now());
      const phone = (await tp.graph('GET', `${p.number.id}?fields=display_phone_number,country_dial_code,platform_type,is_official_business_account,throughput`, world.token)).body;
      await store.stepFinished(job.id, 'snapshot', 0, 'succeeded', { phone });
      await store.setGate({ phone_number_id: p.number.id, run_id: runId, state: 'held', api: 'onprem', deployment: p.dep.id, side: 'source' });
      await store.stepFinished(job.id, 'pause_outbound', 1, 'succeeded', undefined);
      const backup = expectOnpremOk<{ settings: { data: string } }>(await p.dep.call('POST', 'settings/backup', { password: ENV_BASE.SB_BACKUP }));
      await store.stepFinished(job.id, 'backup', 2, 'succeeded', { data: backup.settings.data });

      const next = new Runner(store, { env: { ...ENV_BASE, SB_TOKEN: world.token } });
      const before = proxy.hits.length;
      expect((await next.execute(runId)).counts).toEqual({ succeeded: 1 });
      const resumed = proxy.hits.slice(before).map((hit) => `${hit.method} ${hit.path}`);
      const observe = resumed.indexOf(`GET /v23.0/${p.number.id}?fields=platform_type`);
      expect(observe).toBeGreaterThan(-1);
      expect(observe).toBeLessThan(resumed.indexOf(`POST /v23.0/${p.number.id}/register`));
      expect(await registrations(tp, p.number.id)).toBe(1);
    } finally {
      await store.close();
    }
  });
});
