import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayConfigError, parseGatewayConfig } from './config.js';

const ENV = { APP: 'app-secret', META: 'meta-secret', VERIFY: 'verify', DELI: 'a-secret-of-16-chars+' };
const MINIMAL = `
app: { url: "https://app.example/hook", secret_env: APP }
meta: { app_secret_env: META, verify_token_env: VERIFY }
deployments:
  deli: { secret_env: DELI, phone_number_id: "668300679106647", display_phone_number: 16315555557, waba_id: "819161483996081" }
`;

function issuesOf(text: string, env: Record<string, string> = ENV): string[] {
  try {
    parseGatewayConfig(text, env, 'gw.yaml');
  } catch (err) {
    if (err instanceof GatewayConfigError) return err.issues;
    throw err;
  }
  return [];
}

describe('gateway configuration', () => {
  it('fills defaults and reads secrets from the environment', () => {
    const c = parseGatewayConfig(MINIMAL, ENV);
    expect(c).toMatchObject({ host: '127.0.0.1', port: 4791, database: './data/webhook-gateway.sqlite', appUrl: 'https://app.example/hook', appSecret: 'app-secret', metaAppSecret: 'meta-secret', verifyToken: 'verify', apiToken: undefined, graph: undefined, retentionMs: 604_800_000 });
    expect(c.delivery).toEqual({ concurrency: 32, maxBatch: 1, timeoutMs: 10_000, pollMs: 500, switchoverHoldMs: 5000, retry: { baseMs: 1000, maxMs: 300_000, maxAttempts: 15, maxAgeMs: 86_400_000 } });
    expect(c.deployments.get('deli')).toEqual({ name: 'deli', secret: ENV.DELI, phoneNumberId: '668300679106647', displayPhoneNumber: '16315555557', wabaId: '819161483996081' });
  });

  it('lists every problem by path: schema, unset variables, weak deployment secrets', () => {
    expect(issuesOf('app: { url: "ftp://x", secret_env: "not a name" }\nmeta: {}\nextra: 1\n')).toEqual(
      expect.arrayContaining([
        'app.url: must be an http(s) URL',
        'app.secret_env: must be an environment variable name (letters, digits, _)',
        expect.stringMatching(/^meta\.app_secret_env: /),
        expect.stringMatching(/^\(file\): Unrecognized key/),
      ]),
    );
    expect(issuesOf(MINIMAL, { ...ENV, META: '', DELI: 'short' })).toEqual([
      'meta.app_secret_env: environment variable META is not set',
      'deployments.deli.secret_env: the secret must be at least 16 characters (it is the only thing authenticating On-Prem webhooks)',
    ]);
    expect(issuesOf(MINIMAL.replace('deli:', '"de/li":'))).toEqual([expect.stringMatching(/^deployments\.de\/li: a deployment name must be 1-64 letters/)]);
    expect(issuesOf('app: [')).toHaveLength(1);
  });

  it('the example in examples/ is valid', () => {
    const text = readFileSync(new URL('../../../examples/webhook-gateway.yaml', import.meta.url), 'utf8');
    const c = parseGatewayConfig(text, { GW_APP_SECRET: 'x', META_APP_SECRET: 'y', META_VERIFY_TOKEN: 'z', DELI_WEBHOOK_SECRET: '0123456789abcdef' });
    expect([...c.deployments.keys()]).toEqual(['jaspers-deli']);
  });
});
