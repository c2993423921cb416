import type { Command } from 'commander';
import { loadGatewayConfig, type GatewayConfig } from '../webhook-gateway/config.js';
import { renderErrorTable } from '../webhook-gateway/docs-table.js';
import { ERROR_TABLE } from '../webhook-gateway/error-codes.js';
import type { Env } from '../plan/secrets.js';

/**
 * `switchboard gateway ...`: the webhook gateway (docs/webhook-gateway.md). Secrets come from the
 * environment variables the configuration names and are never printed.
 */
export function addGatewayCommands(program: Command, env: Env, out: (text: string) => void, json: (value: unknown) => void): void {
  const gateway = program.command('gateway').description('one Cloud-format webhook stream for the app, through API migrations');

  gateway
    .command('serve')
    .description('receive both APIs\' webhooks, forward them to the app in Cloud format (until stopped)')
    .requiredOption('--config <file>', 'gateway configuration (YAML or JSON)')
    .option('--db <path>', 'gateway database (SQLite file; default: the configuration\'s "database")')
    .option('--host <addr>', 'interface to listen on (default: the configuration\'s listen.host)')
    .option('--port <n>', 'port, 0 = any free port (default: the configuration\'s listen.port)')
    .action(async (opts: { config: string; db?: string; host?: string; port?: string }) => {
      const config = await loadGatewayConfig(opts.config, env);
      const { serveGateway } = await import('../webhook-gateway/gateway.js');
      const served = await serveGateway(config, { ...(opts.db && { databasePath: opts.db }), ...(opts.host && { host: opts.host }), ...(opts.port !== undefined && { port: Number(opts.port) }) });
      out(describeEndpoints(served.url, config).join('\n'));
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await served.close();
    });

  gateway
    .command('check')
    .description('validate a gateway configuration and the environment variables it names')
    .requiredOption('--config <file>', 'gateway configuration (YAML or JSON)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { config: string; json?: boolean }) => {
      const c = await loadGatewayConfig(opts.config, env);
      const summary = { valid: true, app_url: c.appUrl, deployments: [...c.deployments.values()].map((d) => ({ name: d.name, phone_number_id: d.phoneNumberId })), api_token: c.apiToken !== undefined, graph: c.graph !== undefined };
      if (opts.json) json(summary);
      else out(`${opts.config}: valid gateway configuration — app ${c.appUrl}, ${c.deployments.size} On-Prem deployment(s)${c.apiToken ? ', API token required' : ''}`);
    });

  gateway
    .command('error-codes')
    .description('the On-Premises → Cloud API error-code table the gateway applies')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => (opts.json ? json(ERROR_TABLE) : out(renderErrorTable())));
}

function describeEndpoints(url: string, c: GatewayConfig): string[] {
  const rows: [string, string][] = [
    ['Cloud callback URL (Meta app)', `${url}/webhooks/cloud`],
    ...[...c.deployments.values()].map((d): [string, string] => [`On-Prem webhook URL of ${d.name}`, `${url}/webhooks/onprem/${d.name}/<secret>  (number ${d.phoneNumberId})`]),
    ['Forwarding to', c.appUrl],
    ['Operator API', `${url}/api/status`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return [`Switchboard webhook gateway listening on ${url}`, ...rows.map(([label, value]) => `  ${`${label}:`.padEnd(width)}  ${value}`)];
}
