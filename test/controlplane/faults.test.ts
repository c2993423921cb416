import { describe, expect, it } from 'vitest';
import { codeInbox } from '../support/onprem-helpers.js';
import { useRehearsal } from './support/harness.js';
import { numberOnCloud, numberOnOnprem, planFor, registrations, sentTexts, viaProxy } from './support/world.js';

/**
 * Injected faults between the control plane and the platform: 503s, answers lost after the platform
 * acted, answers later than the timeout. Jobs must converge, and nothing non-idempotent may happen twice.
 */
describe('control plane under injected faults', () => {
  const h = useRehearsal({ faults: true });

  /** The same plan as planFor, with Graph and On-Prem reached through the proxy. */
  const proxied = (plan: ReturnType<typeof planFor>): ReturnType<typeof planFor> => viaProxy(h.tp, h.proxy.url, plan);

  it('converges through 503s, lost answers and timeouts without registering twice', async () => {
    const { tp, world, proxy } = h;
    const a = await numberOnOnprem(tp, world);
    const b = await numberOnOnprem(tp, world);
    const c = await numberOnCloud(tp, world);
    const plan = proxied(planFor(tp, world, [{ kind: 'onprem_to_cloud', placed: a }, { kind: 'onprem_to_cloud', placed: b }, { kind: 'cloud_to_onprem', placed: c }], { batch: { size: 3, concurrency: 3 } }));

    // a: register acts, but its answer arrives after the timeout; then the observation GET gets a 503.
    proxy.inject('POST', new RegExp(`/${a.number.id}/register$`), { kind: 'forward-then-hang', ms: 3000 });
    // b: the backup fails twice with a bare 503; register acts but the answer is lost.
    proxy.inject('POST', new RegExp(`/onprem/${b.dep.id}/v1/settings/backup$`), { kind: '503' }, 2);
    proxy.inject('POST', new RegExp(`/${b.number.id}/register$`), { kind: 'forward-then-503' });
    proxy.inject('GET', /\/subscribed_apps$/, { kind: '503' }, 2);
    // c: the verify call acts, the answer is lost.
    proxy.inject('POST', new RegExp(`/onprem/${c.dep.id}/v1/account/verify$`), { kind: 'forward-then-503' });
    proxy.inject('POST', new RegExp(`/${a.number.id}/messages$`), { kind: 'forward-then-503' });

    const { store, runner } = await h.runner('faults');
    try {
      const { runId } = await runner.create(plan);
      await runner.outbound.hold(a.number.id, runId, { api: 'onprem', deployment: a.dep.id, side: 'source' });
      for (const n of [1, 2]) await runner.outbound.send(a.number.id, { to: '16505551234', type: 'text', text: { body: `m${n}` } });
      const summary = await runner.execute(runId);
      const jobs = await store.jobs(runId);
      expect(summary.counts, JSON.stringify(jobs.map((j) => j.error))).toEqual({ succeeded: 3 });

      expect(await registrations(tp, a.number.id)).toBe(1);
      expect(await registrations(tp, b.number.id)).toBe(1);
      expect(await codeInbox(tp, c.number.id)).toHaveLength(1);
      expect(await c.dep.health()).toBe('connected');
      // The send whose answer was lost is settled from the platform's log, not sent again.
      expect(await sentTexts(tp, a.number.id)).toEqual(['m1', 'm2']);

      const steps = await store.steps(jobs.map((j) => j.id));
      const register = (id: string) => steps.find((s) => s.job_id.endsWith(`:${id}`) && s.name === 'register');
      expect(register(a.number.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(JSON.parse(register(a.number.id)?.output ?? '{}')).toEqual({ observed: 'already on Cloud API' });
      expect(register(b.number.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(steps.find((s) => s.job_id.endsWith(`:${b.number.id}`) && s.name === 'backup')).toMatchObject({ status: 'succeeded', attempts: 3 });
      expect(proxy.pending()).toBe(0);
      expect(proxy.hits.filter((hit) => hit.fault !== null)).toHaveLength(8);
    } finally {
      await store.close();
    }
  });

  it('a permanent error is not retried: a wrong PIN is rolled back by restoring the deployment from its backup', async () => {
    const { tp, world } = h;
    const d = await numberOnOnprem(tp, world);
    const plan = proxied(planFor(tp, world, [{ kind: 'onprem_to_cloud', placed: d, pin_env: 'WRONG_PIN' }]));
    const { store, runner } = await h.runner('rollback', { WRONG_PIN: '999999' });
    try {
      const { runId } = await runner.create(plan);
      await runner.outbound.send(d.number.id, { to: '16505551234', type: 'text', text: { body: 'before' } });
      const summary = await runner.execute(runId);
      expect(summary.counts).toEqual({ rolled_back: 1 });
      const [job] = await store.jobs(runId);
      expect(job?.error).toMatch(/^register: graph 400 #133005.*restored the On-Prem deployment from the backup/);
      const steps = await store.steps([job?.id ?? '']);
      expect(steps.find((s) => s.name === 'register')).toMatchObject({ status: 'failed', attempts: 1 });
      expect((await tp.graph('GET', `${d.number.id}?fields=platform_type`, world.token)).body).toMatchObject({ platform_type: 'ON_PREMISE' });
      expect(await d.dep.health()).toBe('connected');
      expect(await registrations(tp, d.number.id)).toBe(1);
    } finally {
      await store.close();
    }
  });
});
