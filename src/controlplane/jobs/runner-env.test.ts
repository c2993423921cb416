import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requestEnv } from '../http/run-env.js';
import { planSchema } from '../plan/schema.js';
import { Runner } from './runner.js';
import { JobStore } from './store.js';

const plan = planSchema.parse({
  version: 1,
  name: 'env',
  graph: { base_url: 'http://127.0.0.1:9', token_env: 'SB_TOKEN' },
  deployments: { d: { url: 'http://127.0.0.1:9/onprem/d', password_env: 'DEP' } },
  numbers: [{ phone_number_id: '1', kind: 'onprem_to_cloud', waba_id: '2', deployment: 'd' }],
});

/** Secrets per run, given explicitly (create / execute / useEnv), in memory only. */
describe('Runner: secrets of a run', () => {
  let store: JobStore;
  beforeEach(async () => {
    store = await JobStore.open(':memory:');
    for (const id of ['run-a', 'run-b', 'old-run']) await store.createRun(id, 'env', plan, []);
  });
  afterEach(() => store.close());

  const tokenOf = async (runner: Runner, runId: string): Promise<string | undefined> => (await runner.connectionsFor(runId)).env['SB_TOKEN'];

  it('keeps each run\'s own secrets apart; a run it was given none for (an earlier process\'s) gets the runner\'s', async () => {
    const runner = new Runner(store, { env: { SB_TOKEN: 'from-process' } });
    runner.useEnv('run-a', requestEnv(runner.options.env, { SB_TOKEN: 'a' }));
    runner.useEnv('run-b', { SB_TOKEN: 'b' });
    expect([await tokenOf(runner, 'run-a'), await tokenOf(runner, 'run-b'), await tokenOf(runner, 'old-run')]).toEqual(['a', 'b', 'from-process']);
    expect(runner.options.env).toEqual({ SB_TOKEN: 'from-process' });
  });

  it('replaces a run\'s secrets in place, so connections built earlier see the new values', async () => {
    const runner = new Runner(store, { env: {} });
    runner.useEnv('run-a', { SB_PIN: '000000', STALE: 'x' });
    const conn = await runner.connectionsFor('run-a');
    runner.useEnv('run-a', { SB_PIN: '123456' });
    expect(conn.env).toEqual({ SB_PIN: '123456' });
    expect(await runner.connectionsFor('run-a')).toBe(conn);
  });

  it('execute with env replaces them before the run continues', async () => {
    const runner = new Runner(store, { env: {} });
    const conn = await runner.connectionsFor('run-a');
    await runner.execute('run-a', { env: { SB_TOKEN: 'resumed' } });
    expect(conn.env).toEqual({ SB_TOKEN: 'resumed' });
  });

  it('never writes them to the job store', async () => {
    const runner = new Runner(store, { env: {} });
    await runner.execute('run-a', { env: { SB_TOKEN: 'secret-token-value' } });
    const tables = ['cp_runs', 'cp_jobs', 'cp_steps', 'cp_events', 'cp_gates', 'cp_outbound'] as const;
    for (const table of tables) expect(JSON.stringify(await store.db.selectFrom(table).selectAll().execute())).not.toContain('secret-token-value');
  });
});

describe('requestEnv', () => {
  it('overlays a request\'s values on the base environment without changing it', () => {
    const base = { SB_TOKEN: 'from-process', OTHER: 'kept' };
    expect(requestEnv(base, { SB_TOKEN: 'from-request' })).toEqual({ SB_TOKEN: 'from-request', OTHER: 'kept' });
    expect(requestEnv(base, undefined)).toBe(base);
    expect(base).toEqual({ SB_TOKEN: 'from-process', OTHER: 'kept' });
  });
});
