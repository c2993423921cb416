import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { renderErrorTable } from '../../../src/controlplane/webhook-gateway/docs-table.js';
import { HookReceiver } from '../../support/webhook-helpers.js';
import { runCli, startCli } from '../support/cli.js';
import { GW_ENV, cloudText, gatewayConfigFile } from './support.js';
import { sign } from '../../../src/controlplane/webhook-gateway/signature.js';

/** `switchboard gateway ...` in a child process (node + tsx): help, check, error-codes, serve. */
describe('switchboard gateway CLI', { timeout: 120_000 }, () => {
  let dir: string;
  let configFile: string;
  const deployments = { deli: { phone_number_id: '668300679106647', display_phone_number: '16315555557', waba_id: '819161483996081' } };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-cli-'));
    configFile = join(dir, 'gateway.yaml');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--help lists the gateway commands, as docs/webhook-gateway.md shows', async () => {
    const res = await runCli(['gateway', '--help']);
    expect(res.code).toBe(0);
    for (const c of ['serve [options]', 'check [options]', 'error-codes [options]']) expect(res.stdout).toContain(c);
    expect(readFileSync(new URL('../../../docs/webhook-gateway.md', import.meta.url), 'utf8')).toContain(res.stdout.trim());
  });

  it('check: a bad configuration exits 2 naming every problem; a good one is summarised (secrets never shown)', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'app: { url: "not a url", secret_env: GW_APP_SECRET }\nmeta: { app_secret_env: META_APP_SECRET, verify_token_env: META_VERIFY_TOKEN }\n');
    const refused = await runCli(['gateway', 'check', '--config', bad], { ...GW_ENV });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${bad}: invalid gateway configuration\n  app.url: must be an http(s) URL`);
    const missingEnv = await runCli(['gateway', 'check', '--config', join(dir, 'nope.yaml')]);
    expect(missingEnv.code).toBe(1);

    writeFileSync(configFile, stringify(gatewayConfigFile({ appUrl: 'http://127.0.0.1:9/app', deployments }, join(dir, 'gw.sqlite'))));
    const unset = await runCli(['gateway', 'check', '--config', configFile], { ...GW_ENV, DEP_SECRET: '' });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('deployments.deli.secret_env: environment variable DEP_SECRET is not set');
    const ok = await runCli(['gateway', 'check', '--config', configFile, '--json'], { ...GW_ENV });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ valid: true, app_url: 'http://127.0.0.1:9/app', deployments: [{ name: 'deli', phone_number_id: '668300679106647' }], api_token: false, graph: false });
    for (const secret of Object.values(GW_ENV)) expect(ok.stdout + ok.stderr).not.toContain(secret);
  });

  it('error-codes prints the table the docs hold', async () => {
    const res = await runCli(['gateway', 'error-codes']);
    expect(res.stdout.trim()).toBe(renderErrorTable());
    const asJson = JSON.parse((await runCli(['gateway', 'error-codes', '--json'])).stdout) as { onprem: number; cloud: number }[];
    expect(asJson.find((r) => r.onprem === 470)?.cloud).toBe(131047);
  });

  it('serve: listens, prints its endpoints without secrets, forwards, and stops cleanly on SIGTERM', async () => {
    const app = await new HookReceiver().start();
    app.appSecret = GW_ENV.GW_APP_SECRET;
    writeFileSync(configFile, stringify(gatewayConfigFile({ appUrl: app.url, deployments }, join(dir, 'serve.sqlite'))));
    const { child, done } = startCli(['gateway', 'serve', '--config', configFile, '--port', '0'], { ...GW_ENV });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m?.[1] && out.includes('Operator API')) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`gateway exited ${String(code)}: ${out}`)));
      });
      expect(out).toMatch(new RegExp(`On-Prem webhook URL of deli: +${url}/webhooks/onprem/deli/<secret>  \\(number 668300679106647\\)`));
      for (const secret of Object.values(GW_ENV)) expect(out).not.toContain(secret);

      const handshake = await fetch(`${url}/webhooks/cloud?hub.mode=subscribe&hub.challenge=42&hub.verify_token=${GW_ENV.META_VERIFY_TOKEN}`);
      expect(await handshake.text()).toBe('42');
      const body = JSON.stringify(cloudText('668300679106647', 'wamid.cli', 'via the CLI'));
      const posted = await fetch(`${url}/webhooks/cloud`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body, GW_ENV.META_APP_SECRET) } });
      expect(posted.status).toBe(200);
      await app.waitFor(() => app.inboundTexts().includes('via the CLI'));
      expect(app.accepted()[0]?.validSignature).toBe(true);
    } finally {
      child.kill('SIGTERM');
      const result = await done;
      await app.stop();
      expect(result.code).toBe(0);
    }
  });
});
