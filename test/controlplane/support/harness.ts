import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Runner } from '../../../src/controlplane/jobs/runner.js';
import { JobStore } from '../../../src/controlplane/jobs/store.js';
import { stopWorlds } from '../../support/graph-helpers.js';
import { TestPlatform, createWorld, type World } from '../../support/platform.js';
import { freshDatabaseLocation, removeDatabase } from '../../support/postgres.js';
import { FaultProxy } from './fault-proxy.js';
import { ENV_BASE } from './world.js';

/** What every control-plane scenario starts from: a live platform, a partner's world, a scratch folder. */
export interface Rehearsal {
  tp: TestPlatform;
  world: World;
  dir: string;
  /** A runner over a fresh control-plane database in `dir`; close the store when done. */
  runner(name: string, env?: Record<string, string>, options?: { controlPollMs?: number }): Promise<{ store: JobStore; runner: Runner }>;
  /** With `faults: true`: a fault-injecting proxy in front of the platform. */
  proxy: FaultProxy;
}

/** Registers the describe block's hooks; the returned object is filled in `beforeAll`. */
export function useRehearsal(options: { subscribe?: boolean; downtimeMs?: number; faults?: boolean; controlToken?: string } = {}): Rehearsal {
  const databases: string[] = [];
  const h = {
    async runner(name: string, env: Record<string, string> = {}, extra: { controlPollMs?: number } = {}) {
      // On the postgres test project the job store runs on PostgreSQL too.
      const location = await freshDatabaseLocation(`${name}.sqlite`);
      databases.push(location);
      const store = await JobStore.open(location);
      return { store, runner: new Runner(store, { env: { ...ENV_BASE, SB_TOKEN: h.world.token, ...env }, outboundPollMs: 20, ...extra }) };
    },
  } as Rehearsal;
  beforeAll(async () => {
    h.tp = await TestPlatform.start(options.controlToken === undefined ? {} : { control: { mode: 'token', token: options.controlToken } });
    h.world = await createWorld(h.tp, { subscribe: options.subscribe ?? true });
    if (options.downtimeMs !== undefined) await h.tp.control('PATCH', 'settings', { downtime_ms: options.downtimeMs });
    h.dir = mkdtempSync(join(tmpdir(), 'cp-test-'));
    if (options.faults) {
      h.proxy = new FaultProxy(h.tp.base);
      await h.proxy.start();
    }
  });
  afterAll(async () => {
    if (options.faults) await h.proxy.stop();
    await stopWorlds(h.world);
    await h.tp.stop();
    rmSync(h.dir, { recursive: true, force: true });
    for (const location of databases.splice(0)) await removeDatabase(location);
  });
  return h;
}
