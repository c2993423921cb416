import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { serveControlPlane, type ControlPlaneServer } from '../../src/controlplane/http/server.js';
import { readEvents } from '../support/sse.js';
import { useRehearsal } from './support/harness.js';
import { ENV_BASE, numberOnCloud, numberOnOnprem, planFor, sentTexts } from './support/world.js';

describe('control plane HTTP API', () => {
  const h = useRehearsal();
  let server: ControlPlaneServer;

  beforeAll(async () => {
    server = await serveControlPlane({ dbPath: join(h.dir, 'cp.sqlite'), host: '127.0.0.1', port: 0, env: { ...ENV_BASE, SB_TOKEN: h.world.token } });
  });
  afterAll(() => server.close());

  const call = async (method: string, path: string, body?: unknown, type = 'application/json'): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${server.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': type }, ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('validates plans with precise errors', async () => {
    const res = await call('POST', '/plans/validate', 'version: 1\nname: x\ngraph: {token_env: T}\nnumbers: []\n', 'application/yaml');
    expect(res).toEqual({ status: 422, body: { valid: false, issues: [{ path: 'numbers', message: 'the plan must list at least one number', line: 4, column: 10 }] } });
  });

  it('starts a run from a YAML plan, streams progress over SSE, gateways messages, reports', async () => {
    const { tp, world } = h;
    const a = await numberOnOnprem(tp, world);
    const b = await numberOnCloud(tp, world);
    const yaml = stringify(planFor(tp, world, [{ kind: 'onprem_to_cloud', placed: a }, { kind: 'cloud_to_onprem', placed: b }]));
    const pre = await call('POST', '/preflight', yaml, 'application/yaml');
    expect(pre.body).toMatchObject({ ready: 2, blocked: 0 });

    const started = await call('POST', '/runs', yaml, 'application/yaml');
    expect(started.status).toBe(202);
    const runId = String(started.body['run_id']);
    const sent = await call('POST', `/numbers/${a.number.id}/messages`, { to: '16505551234', type: 'text', text: { body: 'through the control plane' } });
    expect(sent.status).toBe(202);

    const events = await readEvents(`${server.url}/runs/${runId}/events`, {}, (e) => e.event === 'run_finished');
    const finished = events.filter((e) => e.event === 'job_finished').map((e) => e.data['status']);
    expect(finished).toEqual(['succeeded', 'succeeded']);
    expect(events.at(-1)?.data).toMatchObject({ status: 'finished', counts: { succeeded: 2 } });

    const report = await call('GET', `/runs/${runId}/report`);
    expect(report.body).toMatchObject({ totals: { succeeded: 2 }, numbers: [{ phone_number_id: a.number.id, status: 'succeeded' }, { phone_number_id: b.number.id, status: 'succeeded' }] });
    await expect.poll(() => sentTexts(tp, a.number.id)).toEqual(['through the control plane']);
    expect((await call('GET', `/runs/${runId}`)).body).toMatchObject({ runId, status: 'finished', counts: { succeeded: 2 } });
    expect((await call('POST', '/numbers/999/messages', { to: '1', type: 'text', text: { body: 'x' } })).status).toBe(404);
    expect(await call('POST', '/runs/nope/resume', {})).toEqual({ status: 404, body: { error: 'no such run' } });
  });
});
