import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from './support/cli.js';
import { useRehearsal } from './support/harness.js';
import { ENV_BASE, numberOnOnprem, planFor } from './support/world.js';

/** The `switchboard` CLI in a child process: help, validation errors, exit codes, --json. */
// Every case starts the CLI in child processes (node + tsx): slow on a loaded machine.
describe('switchboard CLI', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cp-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--help lists the commands and exit codes, as the docs show', async () => {
    const res = await runCli(['--help']);
    expect(res.code).toBe(0);
    for (const command of ['plan', 'preflight [options] <plan>', 'migrate', 'report [options]', 'serve [options]', '5  the run is being executed by another live process']) expect(res.stdout).toContain(command);
    const doc = readFileSync(new URL('../../docs/control-plane.md', import.meta.url), 'utf8');
    expect(doc).toContain(res.stdout.trim());
    const migrate = await runCli(['migrate', '--help']);
    expect(migrate.stdout).toMatch(/run \[options\] <plan>[\s\S]*resume[\s\S]*status[\s\S]*pause[\s\S]*cancel/);
  });

  it('plan validate on a bad file exits 2 and names file, line, path and the problem', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, ['version: 1', 'name: bad', 'graph:', '  token_env: SB_TOKEN', 'numbers:', '  - phone_number_id: "1"', '    kind: onprem_to_mars', ''].join('\n'));
    const res = await runCli(['plan', 'validate', bad]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${bad}:7:11  numbers[0].kind: Invalid discriminator value. Expected 'onprem_to_cloud' | 'cloud_to_onprem' | 'waba_to_waba'`);
    const asJson = await runCli(['plan', 'validate', bad, '--json']);
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.stdout)).toEqual({ valid: false, issues: [expect.objectContaining({ path: 'numbers[0].kind', line: 7, column: 11 })] });
  });

  it('an unknown command is a usage error (exit 2)', async () => {
    const res = await runCli(['migrate', 'fly']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unknown command/);
  });

  describe('against a live platform', () => {
    const h = useRehearsal();

    it('preflight --json reports the blocked number and exits 3; migrate run migrates the rest; report --json explains', async () => {
      const { tp, world } = h;
      const ok = await numberOnOnprem(tp, world);
      const blocked = await numberOnOnprem(tp, world);
      const planFile = join(dir, 'plan.yaml');
      writeFileSync(planFile, stringify(planFor(tp, world, [{ kind: 'onprem_to_cloud', placed: ok }, { kind: 'onprem_to_cloud', placed: blocked, pin_env: 'UNSET_PIN' }])));
      const env = { ...ENV_BASE, SB_TOKEN: world.token };

      expect((await runCli(['plan', 'validate', planFile])).stdout).toContain('valid plan "rehearsal" — 2 number(s): 2 onprem_to_cloud');
      const pre = await runCli(['preflight', planFile, '--json'], env);
      expect(pre.code).toBe(3);
      const report = JSON.parse(pre.stdout) as { ready: number; blocked: number; numbers: { verdict: string }[] };
      expect({ ready: report.ready, blocked: report.blocked, verdicts: report.numbers.map((n) => n.verdict) }).toEqual({ ready: 1, blocked: 1, verdicts: ['ready', 'blocked'] });

      const db = join(dir, 'cli.sqlite');
      const run = await runCli(['migrate', 'run', planFile, '--db', db, '--json'], env);
      expect(run.code, run.stderr).toBe(3);
      const final = JSON.parse(run.stdout) as { totals: Record<string, number>; numbers: { phone_number_id: string; status: string; error: string | null; verification: { name: string; ok: boolean }[] | null }[] };
      expect(final.totals).toEqual({ succeeded: 1, skipped: 1 });
      expect(final.numbers[0]?.verification?.every((c) => c.ok)).toBe(true);
      expect(final.numbers[1]).toMatchObject({ phone_number_id: blocked.number.id, status: 'skipped', error: 'pre-flight: the PIN variable UNSET_PIN is not set' });

      const status = await runCli(['migrate', 'status', '--db', db]);
      expect(status.stdout).toMatch(new RegExp(`${ok.number.id}\\s+onprem_to_cloud\\s+succeeded`));
      const table = await runCli(['report', '--db', db]);
      expect(table.code).toBe(3);
      expect(table.stdout).toMatch(new RegExp(`${blocked.number.id}\\s+onprem_to_cloud\\s+skipped.*UNSET_PIN`));
    });
  });
});
