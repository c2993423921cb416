import { describe, expect, it } from 'vitest';
import type { PhoneNumberFields } from '../../src/controlplane/clients/graph-client.js';
import type { NumberFacts } from '../../src/controlplane/preflight/facts.js';
import { evaluate, isBlocked } from '../../src/controlplane/preflight/rules.js';
import { numberEntrySchema, type NumberEntry } from '../../src/controlplane/plan/schema.js';

const entry = (e: Record<string, unknown>): NumberEntry => numberEntrySchema.parse({ phone_number_id: '1', ...e });
const o2c = entry({ kind: 'onprem_to_cloud', waba_id: '2', deployment: 'd' });
const c2o = entry({ kind: 'cloud_to_onprem', waba_id: '2', deployment: 'd' });
const w2w = entry({ kind: 'waba_to_waba', source_waba_id: '2', destination_waba_id: '3' });

function facts(over: Omit<Partial<NumberFacts>, 'phone'> & { phone?: Partial<PhoneNumberFields> } = {}): NumberFacts {
  const { phone, ...rest } = over;
  return {
    phone: { ok: true, value: { id: '1', platform_type: 'ON_PREMISE', name_status: 'APPROVED', quality_rating: 'GREEN', is_pin_enabled: true, ...phone } },
    subscribedApps: { ok: true, value: 1 },
    deploymentHealth: { ok: true, value: 'connected' },
    env: { sourceToken: true, destinationToken: true, pin: 'ok', pinEnv: 'SB_PIN', backupPassword: 'ok', deploymentPassword: 'ok', controlToken: 'not_needed' },
    rehearsal: false,
    ...rest,
  } as NumberFacts;
}

const rules = (e: NumberEntry, f: NumberFacts): string[] => evaluate(e, f).map((x) => `${x.severity}:${x.rule}`);

describe('pre-flight rules', () => {
  it('a healthy On-Prem number is ready', () => {
    expect(evaluate(o2c, facts())).toEqual([]);
  });

  it('a control token variable the plan names but the environment lacks blocks', () => {
    const f = facts();
    expect(rules(o2c, { ...f, env: { ...f.env, controlToken: 'unset' } })).toEqual(['error:rehearsal_token']);
    expect(rules(o2c, { ...f, env: { ...f.env, controlToken: 'ok' } })).toEqual([]);
  });

  it('unknown PIN, unset backup password, missing token block', () => {
    expect(rules(o2c, facts({ env: { sourceToken: false, destinationToken: true, pin: 'unset', pinEnv: 'P', backupPassword: 'unset', deploymentPassword: 'ok', controlToken: 'not_needed' } }))).toEqual([
      'error:token',
      'error:pin_known',
      'error:backup_password',
    ]);
  });

  it('an unreachable or disconnected deployment blocks On-Prem → Cloud', () => {
    expect(rules(o2c, facts({ deploymentHealth: { ok: false, error: 'transport no answer: ECONNREFUSED' } }))).toEqual(['error:deployment']);
    expect(rules(o2c, facts({ deploymentHealth: { ok: true, value: 'disconnected' } }))).toEqual(['error:deployment']);
  });

  it('a number already on the target API is info, not an error (the job only verifies)', () => {
    expect(rules(o2c, facts({ phone: { platform_type: 'CLOUD_API' }, deploymentHealth: { ok: true, value: 'disconnected' } }))).toEqual(['info:platform_type']);
  });

  it('the wrong platform blocks', () => {
    expect(rules(c2o, facts({ phone: { platform_type: 'NOT_APPLICABLE', is_pin_enabled: false }, deploymentHealth: { ok: true, value: 'unregistered' } }))).toEqual(['error:platform_type']);
  });

  it('Cloud → On-Prem needs a free deployment, and a PIN only with two-step on', () => {
    const base = { phone: { platform_type: 'CLOUD_API', is_pin_enabled: false }, env: { sourceToken: true, destinationToken: true, pin: 'unnamed', pinEnv: undefined, backupPassword: 'not_needed', deploymentPassword: 'ok', controlToken: 'not_needed' } } as const;
    expect(rules(c2o, facts({ ...base, deploymentHealth: { ok: true, value: 'unregistered' } }))).toEqual([]);
    expect(rules(c2o, facts({ ...base, deploymentHealth: { ok: true, value: 'connected' } }))).toEqual(['error:deployment']);
    expect(rules(c2o, facts({ ...base, phone: { platform_type: 'CLOUD_API', is_pin_enabled: true }, deploymentHealth: { ok: true, value: 'unregistered' } }))).toEqual(['error:pin_known']);
  });

  it('WABA → WABA: name approved, no pending change, two-step off (Cloud, production), not on the Business app', () => {
    const f = facts({ phone: { platform_type: 'CLOUD_API', name_status: 'PENDING_REVIEW', new_name_status: 'PENDING', is_on_biz_app: true }, inDestination: { ok: true, value: false }, deploymentHealth: undefined });
    expect(rules(w2w, f)).toEqual(['error:name_status', 'error:name_status', 'error:two_step', 'error:biz_app']);
    expect(isBlocked(evaluate(w2w, f))).toBe(true);
    // In a rehearsal the emulator can turn two-step off as WhatsApp Manager would.
    expect(rules(w2w, facts({ phone: { platform_type: 'CLOUD_API' }, rehearsal: true, deploymentHealth: undefined }))).toEqual(['info:two_step']);
  });

  it('WABA → WABA: no subscribed app on the destination is info (the job subscribes first); template overflow warns', () => {
    const f = facts({
      phone: { platform_type: 'CLOUD_API', is_pin_enabled: false },
      deploymentHealth: undefined,
      subscribedApps: { ok: true, value: 0 },
      sourceTemplates: { ok: true, value: Array<string>(30).fill('APPROVED') },
      destinationTemplates: { ok: true, value: Array<string>(240).fill('APPROVED') },
    });
    expect(rules(w2w, f)).toEqual(['info:subscribed_apps', 'warning:template_capacity']);
  });

  it('RED quality and an unapproved name warn for API-to-API migrations', () => {
    expect(rules(o2c, facts({ phone: { quality_rating: 'RED', name_status: 'DECLINED' } }))).toEqual(['warning:name_status', 'warning:quality']);
  });

  it('the deployment must serve the number (On-Prem → Cloud) and have a webhook URL (Cloud → On-Prem)', () => {
    const phone = { display_phone_number: '+1 631-555-0001' };
    expect(rules(o2c, facts({ phone, deploymentApp: { ok: true, value: { waId: '16315550001', webhookUrl: undefined } } }))).toEqual([]);
    expect(evaluate(o2c, facts({ phone, deploymentApp: { ok: true, value: { waId: '16315550999', webhookUrl: 'http://x' } } }))[0]).toMatchObject({ rule: 'deployment', message: 'the deployment serves 16315550999, not 16315550001' });
    const target = { phone: { ...phone, platform_type: 'CLOUD_API', is_pin_enabled: false }, deploymentHealth: { ok: true, value: 'unregistered' } } as const;
    expect(rules(c2o, facts({ ...target, deploymentApp: { ok: true, value: { waId: undefined, webhookUrl: undefined } } }))).toEqual(['error:deployment_webhooks']);
    expect(rules(c2o, facts({ ...target, deploymentApp: { ok: true, value: { waId: undefined, webhookUrl: 'https://hooks.example' } } }))).toEqual([]);
  });

  it('an unreadable number blocks with the remote error', () => {
    const out = evaluate(o2c, { ...facts(), phone: { ok: false, error: 'graph 400 #100/33: Unsupported get request' } });
    expect(out[0]).toMatchObject({ rule: 'number_readable', severity: 'error', message: 'cannot read the number: graph 400 #100/33: Unsupported get request' });
  });
});
