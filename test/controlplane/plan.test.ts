import { describe, expect, it } from 'vitest';
import { formatPath, parsePlan } from '../../src/controlplane/plan/load.js';

const valid = `
version: 1
name: spring
graph:
  base_url: http://127.0.0.1:4780
  token_env: SB_TOKEN
rehearsal: {}
otp:
  source: rehearsal_inbox
defaults:
  pin_env: SB_PIN
  backup_password_env: SB_BACKUP
deployments:
  deli:
    url: http://127.0.0.1:4780/onprem/deli
    password_env: DELI_PASSWORD
numbers:
  - phone_number_id: "1001"
    kind: onprem_to_cloud
    waba_id: "2001"
    deployment: deli
  - phone_number_id: 1002
    kind: cloud_to_onprem
    waba_id: "2001"
    deployment: deli
`;

function issuesOf(text: string): { path: string; message: string; line?: number }[] {
  const r = parsePlan(text);
  if (r.ok) throw new Error('expected the plan to be refused');
  return r.issues;
}

describe('plan validation', () => {
  it('accepts a valid YAML plan and fills defaults', () => {
    const r = parsePlan(valid);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.plan.graph.version).toBe('v23.0');
    expect(r.plan.batch).toEqual({ size: 50, concurrency: 4, preflight: 'upfront' });
    expect(r.plan.numbers[1]).toMatchObject({ phone_number_id: '1002', kind: 'cloud_to_onprem', code_method: 'sms' });
  });

  it('accepts JSON as well', () => {
    const r = parsePlan(JSON.stringify({ version: 1, name: 'j', graph: { token_env: 'T' }, numbers: [{ phone_number_id: '1', kind: 'onprem_to_cloud', waba_id: '2', deployment: 'd' }], deployments: { d: { url: 'http://x', password_env: 'P' } } }));
    expect(r.ok).toBe(true);
  });

  it('names the exact path and line of an unknown kind', () => {
    const issues = issuesOf(valid.replace('kind: cloud_to_onprem', 'kind: cloud_to_mars'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'numbers[1].kind', line: 23 });
    expect(issues[0]?.message).toMatch(/onprem_to_cloud/);
  });

  it('refuses literal secrets and says which *_env key to use', () => {
    const issues = issuesOf(valid.replace('  pin_env: SB_PIN', '  pin: "123456"'));
    expect(issues).toContainEqual(expect.objectContaining({ path: 'defaults.pin', message: expect.stringMatching(/pin_env/), line: 11 }));
  });

  it('rehearsal.control_token_env names a variable; a literal control_token or a bad name is refused clearly', () => {
    const r = parsePlan(valid.replace('rehearsal: {}', 'rehearsal:\n  control_token_env: SB_CONTROL_TOKEN'));
    expect(r.ok && r.plan.rehearsal).toEqual({ control_token_env: 'SB_CONTROL_TOKEN' });
    expect(issuesOf(valid.replace('rehearsal: {}', 'rehearsal:\n  control_token: "s3cret-s3cret-s3cret"'))).toContainEqual(
      expect.objectContaining({ path: 'rehearsal.control_token', message: expect.stringMatching(/control_token_env/), line: 8 }),
    );
    expect(issuesOf(valid.replace('rehearsal: {}', 'rehearsal:\n  control_token_env: "my token"'))).toEqual([
      expect.objectContaining({ path: 'rehearsal.control_token_env', message: 'must be an environment variable name (letters, digits, _)', line: 8 }),
    ]);
  });

  it('reports missing fields, unknown deployments, duplicates and the otp requirement', () => {
    const text = valid
      .replace('    waba_id: "2001"\n    deployment: deli\n  - phone_number_id: 1002', '    deployment: nowhere\n  - phone_number_id: 1001')
      .replace('otp:\n  source: rehearsal_inbox\n', '');
    const paths = issuesOf(text).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['numbers[0].waba_id']));
    const r2 = issuesOf(valid.replace('deployment: deli\n  - phone_number_id: 1002', 'deployment: nowhere\n  - phone_number_id: 1001').replace('otp:\n  source: rehearsal_inbox\n', ''));
    expect(r2.map((i) => `${i.path}: ${i.message}`)).toEqual(
      expect.arrayContaining([
        'numbers[0].deployment: unknown deployment "nowhere" (declare it under deployments)',
        'numbers[1].phone_number_id: duplicate: numbers[0] already migrates 1001',
        'otp: required: numbers[1] (cloud_to_onprem) needs a verification code',
      ]),
    );
  });

  it('reports YAML syntax errors with a line', () => {
    const issues = issuesOf('version: 1\nnumbers: [\n');
    expect(issues[0]?.line).toBeGreaterThan(0);
  });

  it('formats paths', () => {
    expect(formatPath(['numbers', 2, 'kind'])).toBe('numbers[2].kind');
    expect(formatPath([])).toBe('');
  });
});

describe('examples/migration-plan.yaml', () => {
  it('is a valid plan', async () => {
    const { loadPlanFile } = await import('../../src/controlplane/plan/load.js');
    const plan = await loadPlanFile(new URL('../../examples/migration-plan.yaml', import.meta.url).pathname);
    expect(plan.numbers.map((n) => n.kind)).toEqual(['onprem_to_cloud']);
  });
});
