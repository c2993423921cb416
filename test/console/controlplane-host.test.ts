import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoData } from '../../src/control/seed.js';
import { CONTROLPLANE_PREFIX, controlPlaneDatabase } from '../../src/controlplane-host.js';
import { JobStore } from '../../src/controlplane/jobs/store.js';
import { TestPlatform, type HttpResult } from '../support/platform.js';
import { readEvents } from '../support/sse.js';

/**
 * The control plane embedded in the platform process (what the console's migration view drives):
 * mounted under the control API, its own job store beside the platform's database, secrets given per
 * request and never stored or sent back.
 */

interface DemoRehearsal {
  plan: string;
  env: Record<string, string>;
}

describe('embedded control plane', () => {
  let tp: TestPlatform;
  let demo: DemoData;
  let rehearsal: DemoRehearsal;

  beforeAll(async () => {
    tp = await TestPlatform.start({ seedDemo: true });
    demo = (await tp.platform.demo()) as DemoData;
  });
  afterAll(() => tp?.stop());

  const cp = <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<HttpResult<T>> => tp.request<T>(method, `${CONTROLPLANE_PREFIX}/${path}`, { body });

  it('offers a rehearsal plan for the demo data, with the values of the variables it names', async () => {
    const res = await cp<DemoRehearsal>('GET', 'demo-plan');
    expect(res.status).toBe(200);
    rehearsal = res.body;
    expect(rehearsal.plan).toContain(`base_url: ${tp.base}\n`);
    expect(rehearsal.plan).toContain(`phone_number_id: "${demo.onpremPhoneNumberId}"`);
    // The plan itself names secrets only.
    expect(rehearsal.plan).not.toContain(demo.accessToken);
    expect(rehearsal.env).toEqual({ SB_TOKEN: demo.accessToken, SB_PIN: demo.pin, SB_BACKUP_PASSWORD: 'tacocat', DELI_PASSWORD: demo.onpremAdminPassword });
  });

  it('validates plans sent with env, and refuses a malformed env or plan with the API\'s own errors', async () => {
    expect(await cp('POST', 'plans/validate', { plan: rehearsal.plan, env: rehearsal.env })).toMatchObject({ status: 200, body: { valid: true, numbers: 1 } });
    expect(await cp('POST', 'plans/validate', { plan: rehearsal.plan, env: { 'not a name': 'x' } })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^env: /) } });
    expect(await cp('POST', 'plans/validate', { plan: rehearsal.plan, env: { SB_PIN: 123456 } })).toMatchObject({ status: 400 });
    const bad = await cp('POST', 'plans/validate', { plan: rehearsal.plan.replace('kind: onprem_to_cloud', 'kind: to_the_moon') });
    expect(bad).toMatchObject({ status: 422, body: { valid: false, issues: [{ path: 'numbers[0].kind', line: expect.any(Number) }] } });
  });

  it('pre-flight reads secrets from the request only: without env the number is blocked, with it ready', async () => {
    const bare = await cp<{ ready: number; numbers: { findings: { rule: string; severity: string }[] }[] }>('POST', 'preflight', { plan: rehearsal.plan });
    expect(bare.body.ready).toBe(0);
    expect(bare.body.numbers[0]?.findings).toContainEqual(expect.objectContaining({ rule: 'token', severity: 'error' }));
    const ready = await cp('POST', 'preflight', { plan: rehearsal.plan, env: rehearsal.env });
    expect(ready.body).toMatchObject({ ready: 1, blocked: 0 });
  });

  it('runs the migration over the platform\'s public HTTP API, streams it, reports it and dates every step', async () => {
    const started = await cp<{ run_id: string }>('POST', 'runs', { plan: rehearsal.plan, env: rehearsal.env });
    expect(started.status).toBe(202);
    const runId = started.body.run_id;
    const events = await readEvents(`${tp.base}${CONTROLPLANE_PREFIX}/runs/${runId}/events`, {}, (e) => e.event === 'run_finished');
    expect(events.at(-1)?.data).toMatchObject({ status: 'finished', counts: { succeeded: 1 } });

    const report = await cp<{ numbers: { status: string; steps: { name: string }[] }[] }>('GET', `runs/${runId}/report`);
    expect(report.body.numbers[0]?.status).toBe('succeeded');
    const fields = await tp.graph('GET', `${demo.onpremPhoneNumberId}?fields=platform_type`, demo.accessToken);
    expect(fields.body['platform_type']).toBe('CLOUD_API');

    type Timeline = { run: { created_at: number }; numbers: { commit_step: string; steps: { name: string; started_at: number | null; finished_at: number | null }[] }[] };
    const timeline = await cp<Timeline>('GET', `runs/${runId}/timeline?phone_number_id=${demo.onpremPhoneNumberId}`);
    const number = timeline.body.numbers[0];
    expect(number?.commit_step).toBe('register');
    const register = number?.steps.find((s) => s.name === 'register');
    expect(register?.started_at).toBeGreaterThanOrEqual(timeline.body.run.created_at);
    expect(register?.finished_at).toBeGreaterThanOrEqual(register?.started_at ?? Infinity);
    expect((await cp<{ data: { id: string }[] }>('GET', 'runs')).body.data.map((r) => r.id)).toContain(runId);
    expect(await cp('GET', 'runs/run-nope/timeline')).toMatchObject({ status: 404, body: { error: 'no such run' } });

    // Secrets went with the requests only: not in the job store, not in any answer.
    const dbPath = controlPlaneDatabase(tp.database);
    expect(dbPath).toBe(join(dirname(tp.database), 'controlplane.sqlite'));
    const stored = [dbPath, `${dbPath}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('');
    expect(stored).toContain(runId);
    const answers = JSON.stringify([started.body, report.body, timeline.body, events]);
    for (const secret of [demo.accessToken, demo.onpremAdminPassword, 'tacocat']) {
      expect(stored).not.toContain(secret);
      expect(answers).not.toContain(secret);
    }
  });

  it('gateways the partner\'s messages with the run\'s secrets, and 404s a number in no run', async () => {
    const runs = (await cp<{ data: { id: string }[] }>('GET', 'runs')).body.data;
    const sent = await cp<{ state: string }>('POST', `numbers/${demo.onpremPhoneNumberId}/messages`, { to: demo.consumerWaId, type: 'text', text: { body: 'after the move' } });
    expect(sent).toMatchObject({ status: 202, body: { state: 'queued' } });
    await expect.poll(async () => (await cp<{ numbers: { messages: { sent: number } }[] }>('GET', `runs/${runs[0]?.id}/report`)).body.numbers[0]?.messages.sent).toBe(1);
    expect(await cp('POST', `numbers/${demo.unregisteredPhoneNumberId}/messages`, { to: '1', type: 'text', text: { body: 'x' } })).toMatchObject({ status: 404 });
  });
});

describe('embedded control plane behind the control API\'s access rules', () => {
  it('needs the control token when one is set', async () => {
    const token = 'a-control-token-of-16+';
    const tp = await TestPlatform.start({ seedDemo: true, control: { mode: 'token', token } });
    try {
      expect((await tp.request('GET', `${CONTROLPLANE_PREFIX}/runs`)).status).toBe(401);
      expect((await tp.request('GET', `${CONTROLPLANE_PREFIX}/runs`, { headers: { 'x-switchboard-token': token } })).body).toEqual({ data: [] });
      // The demo rehearsal names the control token too (its helpers call the control API), and runs.
      const headers = { 'x-switchboard-token': token };
      const { plan, env } = (await tp.request<DemoRehearsal>('GET', `${CONTROLPLANE_PREFIX}/demo-plan`, { headers })).body;
      expect(plan).not.toContain(token);
      expect(env['SB_CONTROL_TOKEN']).toBe(token);
      const started = await tp.request<{ run_id: string }>('POST', `${CONTROLPLANE_PREFIX}/runs`, { body: { plan, env }, headers });
      expect(started.status).toBe(202);
      const events = await readEvents(`${tp.base}${CONTROLPLANE_PREFIX}/runs/${started.body.run_id}/events`, { headers }, (e) => e.event === 'run_finished');
      expect(events.at(-1)?.data).toMatchObject({ status: 'finished', counts: { succeeded: 1 } });
    } finally {
      await tp.stop();
    }
  });

  it('is not there with the control API disabled', async () => {
    const tp = await TestPlatform.start({ control: { mode: 'disabled' } });
    try {
      expect((await tp.request('GET', `${CONTROLPLANE_PREFIX}/runs`)).status).toBe(404);
    } finally {
      await tp.stop();
    }
  });

  /** The demo rehearsal with a low-traffic window two hours from now: the run waits. */
  async function startWaitingRun(tp: TestPlatform): Promise<string> {
    const { plan, env } = (await tp.request<DemoRehearsal>('GET', `${CONTROLPLANE_PREFIX}/demo-plan`)).body;
    const later = (hours: number): string => `${String((new Date().getUTCHours() + hours) % 24).padStart(2, '0')}:00`;
    const waiting = plan.replace('rollback: auto\n', `rollback: auto\nwindow: { start: "${later(2)}", end: "${later(3)}", timezone: UTC }\n`);
    return (await tp.request<{ run_id: string }>('POST', `${CONTROLPLANE_PREFIX}/runs`, { body: { plan: waiting, env } })).body.run_id;
  }
  const statusOf = async (tp: TestPlatform, runId: string): Promise<string> => (await tp.request<{ status: string }>('GET', `${CONTROLPLANE_PREFIX}/runs/${runId}`)).body.status;

  it('settles a paused run that is cancelled (no process executes it any more)', async () => {
    const tp = await TestPlatform.start({ seedDemo: true });
    try {
      const runId = await startWaitingRun(tp);
      const paused = readEvents(`${tp.base}${CONTROLPLANE_PREFIX}/runs/${runId}/events`, {}, (e) => e.event === 'run_finished');
      await expect.poll(() => statusOf(tp, runId)).toBe('running');
      expect((await tp.request('POST', `${CONTROLPLANE_PREFIX}/runs/${runId}/pause`)).status).toBe(200);
      expect((await paused).at(-1)?.data).toMatchObject({ status: 'paused' });
      expect((await tp.request('POST', `${CONTROLPLANE_PREFIX}/runs/${runId}/cancel`)).status).toBe(200);
      await expect.poll(() => statusOf(tp, runId), { timeout: 5000 }).toBe('cancelled');
    } finally {
      await tp.stop();
    }
  });

  it('stops promptly with a run waiting for its window and its event stream open; the run is left paused', async () => {
    const tp = await TestPlatform.start({ seedDemo: true });
    const runId = await startWaitingRun(tp);
    const stream = readEvents(`${tp.base}${CONTROLPLANE_PREFIX}/runs/${runId}/events`, {}, () => false);
    await expect.poll(() => statusOf(tp, runId)).toBe('running');
    const t0 = Date.now();
    await tp.stop({ keepDatabase: true });
    expect(Date.now() - t0).toBeLessThan(4000);
    expect((await stream).map((e) => e.event)).not.toContain('job_started');
    const store = await JobStore.open(controlPlaneDatabase(tp.database));
    try {
      expect((await store.run(runId))?.status).toBe('paused');
    } finally {
      await store.close();
      rmSync(dirname(tp.database), { recursive: true, force: true });
    }
  });

  it('keeps its job store in memory when the platform\'s is, beside its file, or in its PostgreSQL database', () => {
    expect(controlPlaneDatabase(':memory:')).toBe(':memory:');
    expect(controlPlaneDatabase('/srv/switchboard/platform.sqlite')).toBe('/srv/switchboard/controlplane.sqlite');
    expect(controlPlaneDatabase('postgres://sb@db:5432/switchboard')).toBe('postgres://sb@db:5432/switchboard');
  });
});
