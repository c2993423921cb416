import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { JobStore } from '../../src/controlplane/jobs/store.js';
import { eventually } from '../support/onprem-helpers.js';
import { runCli, startCli } from './support/cli.js';
import { useRehearsal } from './support/harness.js';
import { ENV_BASE, numberOnCloud, numberOnOnprem, planFor, registrations, sentTexts, type Placed } from './support/world.js';

/**
 * The runner in a child process is killed with SIGKILL in the middle of a run, then `migrate resume`
 * finishes it: every number migrates exactly once, and the messages sent through the control plane
 * (before, during and after the crash) reach each number exactly once, in order.
 */
describe('crash and resume', () => {
  // Each API switch takes 250 ms, so the kill lands while numbers are mid-migration.
  const h = useRehearsal({ downtimeMs: 250 });

  it('kill -9 mid-run, then migrate resume: each number migrated once, held messages delivered once and in order', async () => {
    const { tp, world, dir } = h;
    const toCloud: Placed[] = [];
    for (let i = 0; i < 8; i++) toCloud.push(await numberOnOnprem(tp, world));
    const toOnprem = [await numberOnCloud(tp, world), await numberOnCloud(tp, world)];
    const plan = planFor(tp, world, [...toCloud.map((placed) => ({ kind: 'onprem_to_cloud', placed })), ...toOnprem.map((placed) => ({ kind: 'cloud_to_onprem', placed }))], {
      batch: { size: 4, concurrency: 2 },
    });
    const planFile = join(dir, 'plan.yaml');
    writeFileSync(planFile, stringify(plan));
    const db = join(dir, 'cp.sqlite');
    const env = { ...ENV_BASE, SB_TOKEN: world.token };
    const all = [...toCloud, ...toOnprem];
    const expected = new Map<string, string[]>(all.map((p) => [p.number.id, []]));

    const first = startCli(['migrate', 'run', planFile, '--db', db, '--no-progress'], env);
    await eventually(async () => (await runExists(db)) || first.child.exitCode !== null, 20_000, 50);
    const store = await JobStore.open(db);
    try {
      // The app sends through the control plane while the run is going (as the HTTP API does).
      const send = async (round: string): Promise<void> => {
        for (const p of all) {
          for (const n of [1, 2]) {
            const body = `${round}-${n}`;
            await store.enqueue(p.number.id, { to: '16505551234', type: 'text', text: { body } });
            expected.get(p.number.id)?.push(body);
          }
        }
      };
      await send('before');
      await eventually(async () => (await store.jobs((await store.latestRun())?.id ?? '')).filter((j) => j.status === 'succeeded').length >= 2, 20_000, 10);
      first.child.kill('SIGKILL');
      const killed = await first.done;
      expect(killed.signal).toBe('SIGKILL');
      const runId = (await store.latestRun())?.id ?? '';
      const unfinished = (await store.jobs(runId)).filter((j) => j.status !== 'succeeded');
      expect(unfinished.length).toBeGreaterThan(0);

      // While nobody runs: messages for numbers mid-migration stay held.
      await send('during');

      const resumed = await runCli(['migrate', 'resume', '--db', db, '--no-progress'], env);
      expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
      await send('after');
      const second = await runCli(['migrate', 'resume', '--db', db, '--no-progress'], env);
      expect(second.code).toBe(0);

      for (const { number } of toCloud) {
        expect((await tp.graph('GET', `${number.id}?fields=platform_type`, world.token)).body).toMatchObject({ platform_type: 'CLOUD_API' });
        expect(await registrations(tp, number.id)).toBe(1);
      }
      for (const { number, dep } of toOnprem) {
        expect((await tp.graph('GET', `${number.id}?fields=platform_type`, world.token)).body).toMatchObject({ platform_type: 'ON_PREMISE' });
        expect(await dep.health()).toBe('connected');
      }
      // "after" messages go out through the gates opened by the migration (delivered by the poller of
      // the second resume, or the gateway of a serving process); wait for them too.
      await eventually(async () => (await store.outbound()).every((m) => m.status === 'sent'), 10_000, 50).catch(() => undefined);
      const outbound = await store.outbound();
      expect(outbound.filter((m) => m.status !== 'sent').map((m) => [m.phone_number_id, m.status, m.error])).toEqual([]);
      for (const p of all) expect({ id: p.number.id, texts: await sentTexts(tp, p.number.id) }).toEqual({ id: p.number.id, texts: expected.get(p.number.id) });
    } finally {
      await store.close();
    }
  }, 120_000);
});

async function runExists(db: string): Promise<boolean> {
  try {
    const store = await JobStore.open(db);
    try {
      return (await store.latestRun()) !== undefined;
    } finally {
      await store.close();
    }
  } catch {
    return false;
  }
}
