import type { PhoneNumberFields } from '../clients/graph-client.js';
import type { NumberEntry } from '../plan/schema.js';
import type { NumberFacts } from './facts.js';
import type { Finding } from '../wire.js';

/**
 * Pre-flight rules: pure functions from what was read (facts) to findings. An `error` blocks the
 * number (it is skipped and left untouched); a `warning` is reported; `info` explains what the job
 * will do. Each rule cites the seed it enforces.
 */

export type { Finding, Severity } from '../wire.js';

type Rule = (entry: NumberEntry, facts: NumberFacts) => Finding[];

const error = (rule: string, message: string, fix?: string): Finding => ({ rule, severity: 'error', message, ...(fix !== undefined && { fix }) });
const warning = (rule: string, message: string, fix?: string): Finding => ({ rule, severity: 'warning', message, ...(fix !== undefined && { fix }) });
const info = (rule: string, message: string): Finding => ({ rule, severity: 'info', message });

/** Meta's template limit per WABA (seed 004: "as many as we can until the template limit"). */
export const TEMPLATE_LIMIT = 250;

const phoneOf = (facts: NumberFacts): PhoneNumberFields | undefined => (facts.phone.ok ? facts.phone.value : undefined);

/** Where the number should be before the migration, and where it is after. */
const PLATFORM: Record<NumberEntry['kind'], { from: readonly string[]; to: string | undefined }> = {
  onprem_to_cloud: { from: ['ON_PREMISE'], to: 'CLOUD_API' },
  cloud_to_onprem: { from: ['CLOUD_API'], to: 'ON_PREMISE' },
  waba_to_waba: { from: ['CLOUD_API', 'ON_PREMISE'], to: undefined },
};

const tokens: Rule = (entry, facts) => {
  const out: Finding[] = [];
  if (!facts.env.sourceToken) out.push(error('token', 'no Graph token: the token environment variable is not set', 'export the variable named by graph.token_env (or source_token_env)'));
  if (entry.kind === 'waba_to_waba' && !facts.env.destinationToken) out.push(error('token', 'no destination token: destination_token_env is not set', 'export the destination owner\'s system-user token'));
  return out;
};

/** The plan says the platform's control API wants a token: without it every rehearsal helper is refused. */
const controlToken: Rule = (_entry, facts) =>
  facts.env.controlToken === 'unset'
    ? [error('rehearsal_token', 'the variable named by rehearsal.control_token_env is not set: the platform would refuse the rehearsal helpers (190)', 'export the token the platform was started with (--control-token)')]
    : [];

const numberReadable: Rule = (_entry, facts) =>
  facts.phone.ok ? [] : [error('number_readable', `cannot read the number: ${facts.phone.error}`, 'check the phone_number_id and that the token can manage its WABA')];

/** Seed 000 step 1 / 002: register needs the PIN (the existing one, or a new one when 2FA is off). */
const pinKnown: Rule = (entry, facts) => {
  const phone = phoneOf(facts);
  // Cloud → On-Prem sends a PIN only when two-step verification is on (seed 001 step 3).
  const needed = entry.kind !== 'cloud_to_onprem' || phone?.is_pin_enabled === true;
  if (!needed) return [];
  const where = facts.env.pinEnv ?? 'pin_env';
  switch (facts.env.pin) {
    case 'ok':
      return [];
    case 'unnamed':
      return [error('pin_known', 'no PIN: neither the number nor defaults name a pin_env', 'set pin_env (the existing two-step PIN; if unknown, disable two-step verification first)')];
    case 'unset':
      return [error('pin_known', `the PIN variable ${where} is not set`, `export ${where}`)];
    case 'invalid':
      return [error('pin_known', `${where} is not a 6-digit PIN`)];
  }
};

const backupPassword: Rule = (_entry, facts) => {
  switch (facts.env.backupPassword) {
    case 'unnamed':
      return [error('backup_password', 'no backup password: set backup_password_env (any string; it encrypts the On-Prem backup, seed 000 step 2)')];
    case 'unset':
      return [error('backup_password', 'the backup password variable is not set')];
    default:
      return [];
  }
};

const platformType: Rule = (entry, facts) => {
  const phone = phoneOf(facts);
  if (!phone) return [];
  const { from, to } = PLATFORM[entry.kind];
  if (to !== undefined && phone.platform_type === to) return [info('platform_type', `already on ${to}: the job only verifies it`)];
  if (from.includes(phone.platform_type ?? '')) return [];
  return [error('platform_type', `the number is on ${phone.platform_type ?? 'no API'} (expected ${from.join(' or ')})`, 'register the number on its current API first')];
};

/** Which gateway states each kind can start from. */
const deploymentHealth: Rule = (entry, facts) => {
  if (facts.env.deploymentPassword === 'unset') return [error('deployment', 'the deployment\'s password variable is not set', 'export the variable named by its password_env')];
  const health = facts.deploymentHealth;
  if (health === undefined) return [];
  if (!health.ok) return [error('deployment', `On-Prem deployment unreachable: ${health.error}`, 'check its URL, that it runs, and the admin password')];
  const phone = phoneOf(facts);
  const status = health.value;
  if (entry.kind === 'onprem_to_cloud') {
    if (phone?.platform_type === 'CLOUD_API' || status === 'connected') return [];
    return [error('deployment', `On-Prem deployment is ${status}; a backup needs it connected`, 'bring the deployment back online')];
  }
  if (entry.kind === 'cloud_to_onprem') {
    if (status === 'connected' && phone?.platform_type !== 'ON_PREMISE') return [error('deployment', 'the target deployment already serves another number (one number per deployment)', 'use a fresh deployment')];
    return [];
  }
  return status === 'connected' ? [] : [error('deployment', `source deployment is ${status}; two-step verification cannot be disabled through it`)];
};

/**
 * The deployment must be the one that serves the number (On-Prem → Cloud backs it up), and a Cloud →
 * On-Prem target needs a webhook URL, or inbound messages go nowhere after the switch (seed 001 step 1).
 */
const deploymentSettings: Rule = (entry, facts) => {
  const app = facts.deploymentApp;
  const phone = phoneOf(facts);
  if (app === undefined || !phone) return [];
  if (!app.ok) return [error('deployment', `cannot read the deployment's application settings: ${app.error}`)];
  const waId = (phone.display_phone_number ?? '').replace(/\D/g, '');
  if (entry.kind === 'onprem_to_cloud' && phone.platform_type === 'ON_PREMISE' && app.value.waId !== waId) {
    return [error('deployment', `the deployment serves ${app.value.waId ?? 'no number'}, not ${waId}`, 'name the deployment that holds this number')];
  }
  if (entry.kind === 'cloud_to_onprem' && app.value.webhookUrl === undefined) {
    return [error('deployment_webhooks', 'the target deployment has no webhook URL: inbound messages would go nowhere after the switch', 'PATCH /v1/settings/application {"webhooks":{"url":...}} first')];
  }
  return [];
};

/** Seed 004: the display name must be approved, with no pending change. */
const nameStatus: Rule = (entry, facts) => {
  const phone = phoneOf(facts);
  if (!phone) return [];
  const out: Finding[] = [];
  const approved = phone.name_status === 'APPROVED' || phone.name_status === 'AVAILABLE_WITHOUT_REVIEW';
  if (entry.kind === 'waba_to_waba') {
    if (!approved) out.push(error('name_status', `display name status is ${phone.name_status ?? 'unknown'}; migration needs APPROVED`, 'get the display name approved'));
    if (phone.new_name_status === 'PENDING') out.push(error('name_status', 'a display-name change is pending', 'wait for the review to finish'));
  } else if (!approved) {
    out.push(warning('name_status', `display name status is ${phone.name_status ?? 'unknown'}: messaging will be limited after the move`));
  }
  return out;
};

const quality: Rule = (_entry, facts) => {
  const q = phoneOf(facts)?.quality_rating;
  return q === 'RED' ? [warning('quality', 'quality rating is RED (it carries over; sends may be limited)')] : [];
};

/** Seed 004 step 1: two-step verification must be off before a WABA-to-WABA migration. */
const twoStep: Rule = (entry, facts) => {
  if (entry.kind !== 'waba_to_waba') return [];
  const phone = phoneOf(facts);
  if (!phone?.is_pin_enabled) return [];
  if (entry.source_api === 'onprem') return [info('two_step', 'two-step verification is on: the job disables it on the source deployment')];
  if (facts.rehearsal) return [info('two_step', 'two-step verification is on: the rehearsal disables it as WhatsApp Manager would')];
  return [error('two_step', 'two-step verification is on, and Cloud API cannot disable it by API', 'the source WABA owner disables it in WhatsApp Manager')];
};

const bizApp: Rule = (entry, facts) =>
  entry.kind === 'waba_to_waba' && phoneOf(facts)?.is_on_biz_app ? [error('biz_app', 'numbers in use with the WhatsApp Business app cannot be migrated this way (seed 004)')] : [];

const alreadyInDestination: Rule = (entry, facts) => {
  if (entry.kind !== 'waba_to_waba' || facts.inDestination === undefined) return [];
  if (!facts.inDestination.ok) return [error('destination', `cannot list the destination WABA's numbers: ${facts.inDestination.error}`, 'check the destination token')];
  return facts.inDestination.value ? [info('destination', 'the destination WABA already lists the number: the job resumes from verification')] : [];
};

/** Seed 000: subscribe after moving to Cloud; seed 004: the destination needs a subscribed app first. */
const subscriptions: Rule = (entry, facts) => {
  const apps = facts.subscribedApps;
  if (apps === undefined || entry.kind === 'cloud_to_onprem') return [];
  if (!apps.ok) return [error('subscribed_apps', `cannot read subscribed apps: ${apps.error}`)];
  if (apps.value > 0) return [];
  return [info('subscribed_apps', entry.kind === 'waba_to_waba' ? 'no app is subscribed to the destination WABA: the job subscribes one before migrating' : 'no app is subscribed to the WABA: the job subscribes after registering')];
};

/** Seed 004: only as many approved templates are duplicated as the destination can hold. */
const templateCapacity: Rule = (entry, facts) => {
  if (entry.kind !== 'waba_to_waba' || !facts.sourceTemplates?.ok || !facts.destinationTemplates?.ok) return [];
  const incoming = facts.sourceTemplates.value.filter((s) => s === 'APPROVED').length;
  const room = TEMPLATE_LIMIT - facts.destinationTemplates.value.length;
  return incoming > room ? [warning('template_capacity', `${incoming} approved templates to copy but room for ${Math.max(0, room)}: the rest must be re-created`, 'delete unused templates in the destination WABA first')] : [];
};

export const RULES: readonly Rule[] = [tokens, controlToken, numberReadable, pinKnown, backupPassword, platformType, deploymentHealth, deploymentSettings, nameStatus, quality, twoStep, bizApp, alreadyInDestination, subscriptions, templateCapacity];

export function evaluate(entry: NumberEntry, facts: NumberFacts): Finding[] {
  return RULES.flatMap((rule) => rule(entry, facts));
}

export const isBlocked = (findings: readonly Finding[]): boolean => findings.some((f) => f.severity === 'error');
