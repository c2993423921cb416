import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseGatewayConfig } from '../../../src/controlplane/webhook-gateway/config.js';
import { WebhookGateway } from '../../../src/controlplane/webhook-gateway/gateway.js';
import { sign } from '../../../src/controlplane/webhook-gateway/signature.js';
import { GW_ENV, cloudText, gatewayConfigFile } from './support.js';

/** The gateway as a plugin inside another Fastify server (how `switchboard serve` can host it). */
describe('webhook gateway as a Fastify plugin', () => {
  let dir: string;
  let gateway: WebhookGateway;
  const host = Fastify();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-plugin-'));
    const config = parseGatewayConfig(stringify(gatewayConfigFile({ appUrl: 'http://127.0.0.1:9/app' }, join(dir, 'gw.sqlite'))), GW_ENV);
    gateway = await WebhookGateway.open(config);
    host.post('/host/echo', async (req) => ({ got: req.body }));
    await host.register(gateway.routes(), { prefix: '/gateway' });
    await host.ready();
  });
  afterAll(async () => {
    await host.close();
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves its routes under the prefix', async () => {
    const handshake = await host.inject({ method: 'GET', url: `/gateway/webhooks/cloud?hub.mode=subscribe&hub.challenge=7&hub.verify_token=${GW_ENV.META_VERIFY_TOKEN}` });
    expect(handshake.body).toBe('7');
    const body = JSON.stringify(cloudText('123', 'wamid.plugin', 'hi'));
    const posted = await host.inject({ method: 'POST', url: '/gateway/webhooks/cloud', payload: body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body, GW_ENV.META_APP_SECRET) } });
    expect(posted.json()).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
    expect((await host.inject({ method: 'GET', url: '/gateway/api/status' })).json()).toMatchObject({ queue: { pending: 1 } });
    expect((await host.inject({ method: 'GET', url: '/gateway/nope' })).json()).toEqual({ error: { code: 'not_found', message: 'no route GET /gateway/nope' } });
  });

  it('keeps its raw-body parser and error handling to itself', async () => {
    const res = await host.inject({ method: 'POST', url: '/host/echo', payload: { a: 1 } });
    expect(res.json()).toEqual({ got: { a: 1 } });
    expect((await host.inject({ method: 'GET', url: '/elsewhere' })).json()).toMatchObject({ statusCode: 404 });
  });
});
