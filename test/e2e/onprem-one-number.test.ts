import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnpremClient, expectOnpremError, numberRow } from '../support/onprem-helpers.js';
import { TestPlatform, addNumber, createWorld, type World } from '../support/platform.js';

/** An On-Prem deployment is "a docker deployment" of one business number. */
describe('one deployment serves one number', () => {
  let tp: TestPlatform;
  let world: World;
  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
  });
  afterAll(async () => {
    await world.receiver.stop();
    await tp.stop();
  });

  it('refuses to register a second number while the first is connected (1004), and leaves both as they were', async () => {
    const first = await addNumber(tp, world);
    const second = await addNumber(tp, world);
    const dep = await OnpremClient.create(tp);
    await dep.register(first, '123456');
    expect(await dep.health()).toBe('connected');

    expectOnpremError(await dep.requestAccount(second, { pin: '123456' }), 409, 1004, 'Resource already exists', /already serves/);
    expect(await numberRow(tp, first.id)).toMatchObject({ api: 'onprem', onprem_deployment_id: dep.id });
    expect(await numberRow(tp, second.id)).toMatchObject({ api: 'cloud', onprem_deployment_id: null });
  });
});

describe('stickerpacks are On-Prem only (seed 000: "Cloud API does not support stickerpacks")', () => {
  it('lists a deployment\'s stickerpacks, which do not exist on Cloud API after a migration', async () => {
    const tp = await TestPlatform.start();
    const world = await createWorld(tp);
    try {
      const n = await addNumber(tp, world);
      const dep = await OnpremClient.create(tp);
      await dep.register(n, '123456');
      const created = await dep.call('POST', 'stickerpacks', { name: 'Jasper fruits', publisher: "Jasper's Market" });
      expect(created.status).toBe(201);
      const listed = await dep.call('GET', 'stickerpacks');
      expect((listed.body as { stickerpacks: { name: string }[] }).stickerpacks.map((p) => p.name)).toEqual(['Jasper fruits']);
      expectOnpremError(await dep.call('POST', 'stickerpacks', { name: 'x' }), 400, 1008, 'Required parameter is missing');

      const data = await dep.backup('tacocat');
      expect(Buffer.from(data, 'base64').toString('latin1')).not.toContain('Jasper fruits');
      const reg = await tp.graph('POST', `${n.id}/register`, world.token, { messaging_product: 'whatsapp', pin: '123456', backup: { password: 'tacocat', data } });
      expect(reg.status).toBe(200);
      const cloud = await tp.graph<{ error: { code: number; message: string } }>('GET', `${n.id}/stickerpacks`, world.token);
      expect(cloud.status).toBe(400);
      expect(cloud.body.error).toMatchObject({ code: 2500, message: 'Unknown path components: /stickerpacks' });
    } finally {
      await world.receiver.stop();
      await tp.stop();
    }
  });
});

describe('a deployment on a port of its own', () => {
  it('serves /v1/... at the root of its port, sharing state with /onprem/{id}/v1, and survives a restart', async () => {
    const tp = await TestPlatform.start();
    const world = await createWorld(tp);
    let restarted: TestPlatform | undefined;
    try {
      const n = await addNumber(tp, world);
      const created = await tp.request<{ port: number; port_url: string }>('POST', '/_switchboard/onprem/deployments', { body: { id: 'own-port', admin_password: 'Adm1n-Passw0rd!', port: 0 } });
      expect(created.status).toBe(201);
      expect(created.body.port).toBeGreaterThan(0);
      expect(created.body.port_url).toBe(`http://127.0.0.1:${created.body.port}`);

      const auth = `Basic ${Buffer.from('admin:Adm1n-Passw0rd!').toString('base64')}`;
      const login = await fetch(`${created.body.port_url}/v1/users/login`, { method: 'POST', headers: { authorization: auth } });
      expect(login.status).toBe(200);
      const token = ((await login.json()) as { users: { token: string }[] }).users[0]?.token ?? '';
      const health = await fetch(`${created.body.port_url}/v1/health`, { headers: { authorization: `Bearer ${token}` } });
      expect(await health.json()).toEqual({ health: { gateway_status: 'unregistered' }, meta: { api_status: 'stable', version: expect.any(String) as unknown } });
      // The same token works on the shared path: one deployment, two addresses.
      const shared = await tp.request('GET', '/onprem/own-port/v1/health', { token });
      expect(shared.status).toBe(200);
      const unknown = await fetch(`${created.body.port_url}/v2/anything`, { headers: { authorization: `Bearer ${token}` } });
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { errors: { code: number }[] }).errors[0]?.code).toBe(1006);
      void n;

      await tp.stop({ keepDatabase: true });
      restarted = await TestPlatform.start({ database: tp.database });
      // The client's pooled keep-alive socket died with the old process: the first try may fail on it.
      const healthAgain = (): Promise<Response> => fetch(`${created.body.port_url}/v1/health`, { headers: { authorization: `Bearer ${token}` } });
      const again = await healthAgain().catch(healthAgain);
      expect(again.status).toBe(200);
    } finally {
      await world.receiver.stop();
      if (restarted) await restarted.stop();
      else await tp.stop();
    }
  });
});
