import { describe, expect, it } from 'vitest';
import type { Runner } from '../../src/controlplane/jobs/runner.js';
import type { JobStore } from '../../src/controlplane/jobs/store.js';
import type { Plan } from '../../src/controlplane/plan/schema.js';
import { useRehearsal } from './support/harness.js';
import { numberOnOnprem, planFor, registrations, sentTexts, type Placed } from './support/world.js';

/** Pause, resume and cancel requested through the store, as `migrate pause|cancel` from another process does. */
describe('control plane: pause, resume, cancel', () => {
  const h = useRehearsal({ downtimeMs: 150 });

  async function setup(name: string, count: number): Promise<{ store: JobStore; runner: Runner; runId: string; placed: Placed[]; plan: Plan }> {
    const placed: Placed[] = [];
    for (let i = 0; i < count; i++) placed.push(await numberOnOnprem(h.tp, h.world));
    const plan = planFor(h.tp, h.world, placed.map((p) => ({ kind: 'onprem_to_cloud', placed: p })), { batch: { size: 2, concurrency: 1 } });
    const { store, runner } = await h.runner(name, {}, { controlPollMs: 10 });
    const { runId } = await runner.create(plan);
    return { store, runner, runId, placed, plan };
  }

  it('pause stops between steps; resume finishes every number exactly once', async () => {
    const { store, runner, runId, placed, plan } = await setup('pause', 4);
    try {
      const stop = runner.events.on((e) => {
        if (e.type === 'job_finished' && e.status === 'succeeded') void runner.pause(runId);
      });
      const paused = await runner.execute(runId);
      stop();
      expect(paused.status).toBe('paused');
      expect(paused.counts.succeeded).toBeGreaterThanOrEqual(1);
      expect(paused.counts.pending).toBeGreaterThanOrEqual(1);
      // A second run cannot take the numbers the paused run has not finished.
      const { runId: other } = await runner.create(plan);
      const pending = (await store.jobs(runId)).filter((j) => j.status === 'pending').map((j) => j.phone_number_id);
      const skipped = (await store.jobs(other)).filter((j) => j.status === 'skipped');
      expect(skipped.map((j) => j.phone_number_id)).toEqual(pending);
      expect(skipped[0]?.error).toBe(`pre-flight: still migrating in run ${runId} (resume or cancel it first)`);
      await store.setRunStatus(other, 'cancelled');
      const resumed = await runner.execute(runId);
      expect(resumed).toMatchObject({ status: 'finished', counts: { succeeded: 4 } });
      for (const p of placed) expect(await registrations(h.tp, p.number.id)).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('cancel: numbers that have not moved stay on their API and get their held messages there', async () => {
    const { store, runner, runId, placed } = await setup('cancel', 4);
    try {
      for (const p of placed) await runner.outbound.send(p.number.id, { to: '16505551234', type: 'text', text: { body: `to ${p.number.id}` } });
      const stop = runner.events.on((e) => {
        if (e.type === 'job_finished') void runner.cancel(runId);
      });
      const summary = await runner.execute(runId);
      stop();
      expect(summary.status).toBe('cancelled');
      expect(summary.counts.cancelled).toBeGreaterThanOrEqual(2);
      const jobs = await store.jobs(runId);
      for (const p of placed) {
        const job = jobs.find((j) => j.phone_number_id === p.number.id);
        const platform = (await h.tp.graph<{ platform_type: string }>('GET', `${p.number.id}?fields=platform_type`, h.world.token)).body.platform_type;
        expect(platform).toBe(job?.status === 'succeeded' ? 'CLOUD_API' : 'ON_PREMISE');
        if (job?.status === 'cancelled') expect(await p.dep.health()).toBe('connected');
        // Every message left exactly once, on whichever API the number was on.
        expect(await sentTexts(h.tp, p.number.id)).toEqual([`to ${p.number.id}`]);
      }
    } finally {
      await store.close();
    }
  });
});
