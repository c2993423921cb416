import type { ControlAccess } from './control/guard.js';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isPostgresUrl } from './store/open.js';
import { defaultDispatcherOptions, type DispatcherOptions } from './platform/webhooks/dispatcher.js';

/** The only reader of environment variables and command-line flags. */
export interface PlatformConfig {
  host: string;
  port: number;
  /** SQLite file path, ':memory:', or a `postgres://` URL (several platform processes may share one). */
  database: string;
  /** Base URL clients use to reach this server; defaults to http://host:port. */
  publicUrl: string | undefined;
  /** Graph version assumed on unversioned paths. */
  defaultGraphVersion: string;
  seedDemo: boolean;
  bodyLimitBytes: number;
  maxUploadBytes: number;
  webhooks: DispatcherOptions;
  /** Default downtime of an API-to-API migration (changeable at run time via the control API). */
  downtimeMs: number;
  /** Whether Graph's per-WABA call quotas apply (changeable at run time via the control API). */
  graphRateLimits: boolean;
  /** Who may use the emulator-only control API. */
  control: ControlAccess;
}

export const DEFAULT_PORT = 4780;
/** "Downtime ... should only last a few seconds" (seeds 000, 001). */
export const DEFAULT_DOWNTIME_MS = 3000;

export const HELP = `Usage: switchboard-platform [options]

Starts the Switchboard platform: an emulator of the WhatsApp Cloud API, Business Management API and
any number of On-Premises API deployments, with durable state.

Options (each also settable by the environment variable shown):
  --host <addr>        interface to listen on        SWITCHBOARD_HOST   (default 127.0.0.1)
  --port <n>           port to listen on             SWITCHBOARD_PORT   (default ${DEFAULT_PORT}; 0 = any free port)
  --db <path|url>      SQLite file, or postgres://user@host:port/db (shareable by several processes)
                                                     SWITCHBOARD_DB     (default ./data/switchboard.sqlite)
  --public-url <url>   base URL clients reach us at  SWITCHBOARD_PUBLIC_URL
  --no-seed            do not seed demo data into an empty database   SWITCHBOARD_SEED=0
  --webhook-batch <n>  most events per webhook POST  SWITCHBOARD_WEBHOOK_BATCH (default ${defaultDispatcherOptions.maxBatch})
  --downtime-ms <n>    API-to-API migration downtime SWITCHBOARD_DOWNTIME_MS   (default ${DEFAULT_DOWNTIME_MS}; 0 allowed)
  --no-rate-limits     do not apply Graph's per-WABA call quotas          SWITCHBOARD_RATE_LIMITS=0
  --control-token <t>  require this token on the control API (Bearer or X-Switchboard-Token)  SWITCHBOARD_CONTROL_TOKEN
  --no-control         disable the control API (and its webhook sink)    SWITCHBOARD_CONTROL=0
  --help               print this help
`;

export function loadConfig(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): PlatformConfig | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      db: { type: 'string' },
      'public-url': { type: 'string' },
      'no-seed': { type: 'boolean' },
      'webhook-batch': { type: 'string' },
      'downtime-ms': { type: 'string' },
      'no-rate-limits': { type: 'boolean' },
      'control-token': { type: 'string' },
      'no-control': { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const port = Number(values.port ?? env['SWITCHBOARD_PORT'] ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${String(values.port ?? env['SWITCHBOARD_PORT'])}`);
  const batch = Number(values['webhook-batch'] ?? env['SWITCHBOARD_WEBHOOK_BATCH'] ?? defaultDispatcherOptions.maxBatch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 1000) throw new Error('webhook batch must be an integer from 1 to 1000');
  const downtimeMs = Number(values['downtime-ms'] ?? env['SWITCHBOARD_DOWNTIME_MS'] ?? DEFAULT_DOWNTIME_MS);
  if (!Number.isInteger(downtimeMs) || downtimeMs < 0 || downtimeMs > 60_000) throw new Error('downtime must be an integer number of milliseconds from 0 to 60000');
  const db = values.db ?? env['SWITCHBOARD_DB'] ?? './data/switchboard.sqlite';
  return {
    host: values.host ?? env['SWITCHBOARD_HOST'] ?? '127.0.0.1',
    port,
    database: db === ':memory:' || isPostgresUrl(db) ? db : resolve(db),
    publicUrl: values['public-url'] ?? env['SWITCHBOARD_PUBLIC_URL'],
    defaultGraphVersion: 'v23.0',
    seedDemo: !(values['no-seed'] ?? env['SWITCHBOARD_SEED'] === '0'),
    bodyLimitBytes: 5 * 1024 * 1024,
    maxUploadBytes: 100 * 1024 * 1024,
    webhooks: { ...defaultDispatcherOptions, maxBatch: batch },
    downtimeMs,
    graphRateLimits: !(values['no-rate-limits'] ?? env['SWITCHBOARD_RATE_LIMITS'] === '0'),
    control: controlAccess(values['no-control'] ?? env['SWITCHBOARD_CONTROL'] === '0', values['control-token'] ?? env['SWITCHBOARD_CONTROL_TOKEN']),
  };
}

function controlAccess(disabled: boolean, token: string | undefined): ControlAccess {
  if (disabled) return { mode: 'disabled' };
  if (token === undefined) return { mode: 'open' };
  if (token.length < 16) throw new Error('the control token must be at least 16 characters');
  return { mode: 'token', token };
}
