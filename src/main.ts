import { buildPlatform } from './app.js';
import { isPostgresUrl } from './store/open.js';
import { HELP, loadConfig, type PlatformConfig } from './config.js';
import { CONTROL_PREFIX } from './control/routes.js';
import { CONSOLE_PREFIX } from './console-host.js';
import { CONTROLPLANE_PREFIX } from './controlplane-host.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    process.exit(2);
  }
  if (config === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const platform = await buildPlatform(config);
  const base = await platform.listen();
  const demo = await platform.demo();
  const lines = [
    'Switchboard platform is running',
    `  Web console:                                 ${base}${CONSOLE_PREFIX}`,
    `  Graph API (Cloud API + Business Management): ${base}/${config.defaultGraphVersion}/`,
    `  On-Premises API deployments:                 ${base}/onprem/{deployment}/v1/`,
    ...controlLines(config.control, base),
    `  Database:                                    ${withoutPassword(config.database)}`,
  ];
  if (demo) {
    lines.push(
      '',
      'Demo data',
      `  Access token:            ${demo.accessToken}`,
      `  WABA id:                 ${demo.wabaId}`,
      `  Phone number id:         ${demo.phoneNumberId}  (+1 631-555-5555, registered on Cloud API, PIN ${demo.pin})`,
      `  Unregistered number id:  ${demo.unregisteredPhoneNumberId}  (+1 631-555-5556)`,
      `  App id / secret:         ${demo.appId} / ${demo.appSecret}`,
      `  Consumer wa_id:          ${demo.consumerWaId}`,
      `  On-Prem deployment:      ${base}/onprem/${demo.onpremDeploymentId}/v1/  (admin / ${demo.onpremAdminPassword})`,
      `                           holds number id ${demo.onpremPhoneNumberId} (+1 631-555-5557, 2 shards), ready to migrate`,
      '',
      'Try it:',
      `  curl -H 'Authorization: Bearer ${demo.accessToken}' '${base}/${config.defaultGraphVersion}/${demo.wabaId}/phone_numbers'`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  const shutdown = (signal: string): void => {
    process.stdout.write(`\n${signal}: shutting down\n`);
    platform.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

/** The control API's lines; a token is never printed (it was given by the operator). */
function controlLines(access: PlatformConfig['control'], base: string): string[] {
  if (access.mode === 'disabled') return ['  Control API:                                 disabled (--no-control)'];
  const note = access.mode === 'token' ? '  (needs the control token)' : '';
  return [
    `  Control API (emulator only):                 ${base}${CONTROL_PREFIX}/${note}`,
    `  Control plane (rehearsals, console):         ${base}${CONTROLPLANE_PREFIX}/${note}`,
    `  Webhook sink (demo app's callback):          ${base}${CONTROL_PREFIX}/sink/demo`,
  ];
}

main().catch((err: unknown) => {
  process.stderr.write(`switchboard: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

/** A database URL's password must not reach the console or logs. */
function withoutPassword(location: string): string {
  if (!isPostgresUrl(location)) return location;
  const url = new URL(location);
  if (url.password) url.password = '***';
  return url.toString();
}
