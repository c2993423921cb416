import { describe, expect, it } from 'vitest';
import type { RunnerEvent } from '../../src/controlplane/jobs/events.js';
import { codeInbox } from '../support/onprem-helpers.js';
import { useRehearsal } from './support/harness.js';
import { numberOnCloud, numberOnOnprem, planFor, registrations, sentTexts } from './support/world.js';

/**
 * The control plane against a live platform: real HTTP, real On-Prem deployments, no mocks. Seeds
 * 000/002 (On-Prem → Cloud) and 001 (Cloud → On-Prem) as jobs of steps.
 */
describe('control plane: mixed On-Prem → Cloud and Cloud → On-Prem plan', () => {
  const h = useRehearsal({ subscribe: false });

  it('migrates every eligible number once, skips the one failing pre-flight untouched, and delivers held messages in order', async () => {
    const { tp, world } = h;
    const toCloud = [await numberOnOnprem(tp, world, { shards: 2 }), await numberOnOnprem(tp, world)];
    const toOnprem = [await numberOnCloud(tp, world), await numberOnCloud(tp, world)];
    const blocked = await numberOnOnprem(tp, world);
    const plan = planFor(tp, world, [
      ...toCloud.map((placed) => ({ kind: 'onprem_to_cloud', placed })),
      ...toOnprem.map((placed) => ({ kind: 'cloud_to_onprem', placed })),
      // Its PIN variable is not set: pre-flight blocks it.
      { kind: 'onprem_to_cloud', placed: blocked, pin_env: 'NOT_SET_PIN' },
    ]);
    const { store, runner } = await h.runner('mixed');
    const events: RunnerEvent[] = [];
    runner.events.on((e) => events.push(e));
    try {
      const { runId, preflight } = await runner.create(plan);
      expect(preflight.numbers.map((n) => n.verdict)).toEqual(['ready', 'ready', 'ready', 'ready', 'blocked']);
      expect(preflight.numbers[4]?.findings).toContainEqual(expect.objectContaining({ rule: 'pin_known', severity: 'error', message: 'the PIN variable NOT_SET_PIN is not set' }));

      // The app sends through the control plane before and during the run: held, then delivered in order.
      const target = toCloud[0]?.number.id ?? '';
      await runner.outbound.hold(target, runId, { api: 'onprem', deployment: toCloud[0]?.dep.id ?? null, side: 'source' });
      for (const n of [1, 2, 3]) await runner.outbound.send(target, { to: '16505551234', type: 'text', text: { body: `held ${n}` } });

      const summary = await runner.execute(runId);
      expect(summary.counts).toEqual({ succeeded: 4, skipped: 1 });

      for (const { number, dep } of toCloud) {
        const fields = await tp.graph('GET', `${number.id}?fields=platform_type,is_official_business_account,health_status`, world.token);
        expect(fields.body).toMatchObject({ platform_type: 'CLOUD_API', is_official_business_account: true, health_status: { can_send_message: 'AVAILABLE' } });
        expect(await dep.health()).toBe('disconnected');
        expect(await registrations(tp, number.id)).toBe(1);
      }
      expect((await tp.graph('GET', `${toCloud[0]?.number.id}?fields=throughput`, world.token)).body).toMatchObject({ throughput: { level: 'HIGH' } });
      expect((await tp.graph<{ data: unknown[] }>('GET', `${world.wabaId}/subscribed_apps`, world.token)).body.data).toHaveLength(1);
      for (const { number, dep } of toOnprem) {
        expect((await tp.graph('GET', `${number.id}?fields=platform_type`, world.token)).body).toMatchObject({ platform_type: 'ON_PREMISE' });
        expect(await dep.health()).toBe('connected');
        expect(await codeInbox(tp, number.id)).toHaveLength(1);
      }

      // Untouched: still On-Prem, connected, never registered on Cloud, no step ran.
      expect((await tp.graph('GET', `${blocked.number.id}?fields=platform_type`, world.token)).body).toMatchObject({ platform_type: 'ON_PREMISE' });
      expect(await blocked.dep.health()).toBe('connected');
      expect(await registrations(tp, blocked.number.id)).toBe(0);
      const jobs = await store.jobs(runId);
      const skippedJob = jobs.find((j) => j.phone_number_id === blocked.number.id);
      expect(skippedJob).toMatchObject({ status: 'skipped', error: 'pre-flight: the PIN variable NOT_SET_PIN is not set' });
      expect(await store.steps([skippedJob?.id ?? ''])).toEqual([]);
      // Each step ran once and was recorded so: a step marked started together with its predecessor's
      // result is not counted twice; the job's end was written with its last step.
      for (const job of jobs.filter((j) => j.status === 'succeeded')) {
        const steps = await store.steps([job.id]);
        expect(steps.map((st) => [st.name, st.status, st.attempts, st.started_at !== null && st.finished_at !== null])).toEqual(steps.map((st) => [st.name, 'succeeded', 1, true]));
        expect(job).toMatchObject({ step_index: steps.length, error: null });
        expect(job.finished_at).not.toBeNull();
      }
      expect((await store.events(runId)).filter((e) => e.type === 'job_finished')).toHaveLength(4);

      // Held messages went out on Cloud API after the switch, once each, in order.
      expect(await sentTexts(tp, target)).toEqual(['held 1', 'held 2', 'held 3']);
      expect((await store.outbound(target)).map((m) => [m.status, m.api])).toEqual([['sent', 'cloud'], ['sent', 'cloud'], ['sent', 'cloud']]);
      // After the migration the gate is open on Cloud API: a new message leaves at once.
      await runner.outbound.send(target, { to: '16505551234', type: 'text', text: { body: 'after' } });
      await expect.poll(() => sentTexts(tp, target)).toEqual(['held 1', 'held 2', 'held 3', 'after']);

      expect(events.filter((e) => e.type === 'job_finished').map((e) => e.type === 'job_finished' && e.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);

      // The same plan again: every number is already where it should be, so the jobs only observe and verify.
      const again = await runner.create(planFor(tp, world, [...toCloud.map((placed) => ({ kind: 'onprem_to_cloud', placed })), ...toOnprem.map((placed) => ({ kind: 'cloud_to_onprem', placed }))]));
      expect(again.preflight.numbers.map((n) => n.findings.map((f) => `${f.severity}:${f.rule}`))).toEqual(Array(4).fill(['info:platform_type']));
      expect((await runner.execute(again.runId)).counts).toEqual({ succeeded: 4 });
      for (const { number } of toCloud) expect(await registrations(tp, number.id)).toBe(1);
      for (const { number } of toOnprem) expect(await codeInbox(tp, number.id)).toHaveLength(1);
      const steps = await store.steps((await store.jobs(again.runId)).map((j) => j.id));
      const observed = steps.filter((s) => ['register', 'request_account', 'verify_account'].includes(s.name));
      expect(observed.every((s) => (s.status === 'succeeded' || s.status === 'skipped') && s.attempts === 0)).toBe(true);
      // A backup is harmless, so it is tried: the disconnected deployment refuses it, and the step is skipped.
      expect(steps.filter((s) => s.name === 'backup').map((s) => [s.status, s.attempts, s.output])).toEqual(Array(2).fill(['skipped', 1, JSON.stringify({ reason: 'already on Cloud API' })]));
    } finally {
      await store.close();
    }
  });
});
