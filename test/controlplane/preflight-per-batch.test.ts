import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/controlplane/report/report.js';
import { Runner } from '../../src/controlplane/jobs/runner.js';
import { useRehearsal } from './support/harness.js';
import { ENV_BASE, numberOnOnprem, planFor, registrations, viaProxy, type Placed } from './support/world.js';

/**
 * `batch.preflight: per_batch`: the first batch is checked before the run, every later one while the
 * one before it migrates. Every number is still checked before it is touched, and one that fails is
 * skipped untouched — also when another process executes the run.
 */
describe('pre-flight batch by batch', () => {
  const h = useRehearsal({ faults: true });

  it('checks each batch while the previous one migrates; a blocked number of a later batch is skipped untouched', async () => {
    const { tp, world, proxy } = h;
    const placed: Placed[] = [];
    for (let i = 0; i < 5; i++) placed.push(await numberOnOnprem(tp, world));
    const blocked = placed[3] as Placed;
    const entries = placed.map((p) => ({ kind: 'onprem_to_cloud', placed: p, ...(p === blocked && { pin_env: 'UNSET_PIN' }) }));
    const plan = viaProxy(tp, proxy.url, planFor(tp, world, entries, { batch: { size: 2, concurrency: 2, preflight: 'per_batch' } }));
    // Batch 0 registers slowly: batch 1's pre-flight must happen meanwhile.
    for (const p of placed.slice(0, 2)) proxy.inject('POST', new RegExp(`/${p.number.id}/register$`), { kind: 'forward-then-hang', ms: 400 });

    const { store, runner } = await h.runner('per-batch');
    try {
      const { runId, preflight } = await runner.create(plan);
      expect(preflight).toMatchObject({ ready: 2, blocked: 0, unchecked: 3 });
      expect(preflight.numbers.map((n) => n.phone_number_id)).toEqual(placed.slice(0, 2).map((p) => p.number.id));
      expect((await store.jobs(runId)).map((j) => [j.batch, j.status, j.preflight === null])).toEqual([
        [0, 'pending', false],
        [0, 'pending', false],
        [1, 'pending', true],
        [1, 'pending', true],
        [2, 'pending', true],
      ]);
      // Numbers not checked yet have no gate: the gateway does not know them.
      expect(await store.gate(blocked.number.id)).toBeUndefined();

      // Another process executes the run (it finds the unchecked batches in the database).
      const next = new Runner(store, { env: { ...ENV_BASE, SB_TOKEN: world.token } });
      const summary = await next.execute(runId);
      expect(summary.counts).toEqual({ succeeded: 4, skipped: 1 });

      const jobs = await store.jobs(runId);
      expect(jobs.every((j) => j.preflight !== null)).toBe(true);
      expect(jobs[3]).toMatchObject({ status: 'skipped', batch: -1, error: 'pre-flight: the PIN variable UNSET_PIN is not set' });
      expect(await registrations(tp, blocked.number.id)).toBe(0);
      expect(await blocked.dep.health()).toBe('connected');
      const report = await buildReport(store, runId);
      expect(report.numbers[3]?.preflight).toContainEqual(expect.objectContaining({ rule: 'pin_known', severity: 'error' }));

      // Batch 1's first pre-flight read came before batch 0's numbers were verified.
      const at = (method: string, path: RegExp): number => proxy.hits.findIndex((hit) => hit.method === method && path.test(hit.path));
      const batch1Read = at('GET', new RegExp(`/${placed[2]?.number.id}\\?fields=display_phone_number`));
      const batch0Health = at('GET', new RegExp(`/${placed[0]?.number.id}\\?fields=platform_type,health_status`));
      expect(batch1Read).toBeGreaterThan(-1);
      expect(batch0Health).toBeGreaterThan(batch1Read);
      expect(proxy.pending()).toBe(0);
    } finally {
      await store.close();
    }
  });
});
