import Fastify from 'fastify';
import { GraphClient } from '../clients/graph-client.js';
import { GatewayAdmin, type PlatformTypeLookup } from './admin.js';
import type { GatewayConfig } from './config.js';
import { openGatewayDb, type GatewayDatabase, type GwDb } from './db.js';
import { Counters } from './counters.js';
import { Forwarder } from './forwarder.js';
import { prune } from './repo.js';
import { webhookGatewayRoutes } from './routes.js';
import { Ingest } from './service.js';
import { WriteBatcher } from './write-batch.js';

export interface GatewayOptions {
  /** Clock for every timestamp and schedule (tests inject one). */
  now?: () => number;
  /** Overrides `config.database`. */
  databasePath?: string;
}

/**
 * The webhook gateway, wired: database, ingest, forwarder, operator API. `routes()` is a Fastify
 * plugin, so the same gateway can run alone (`serveGateway`) or inside another server.
 */
export class WebhookGateway {
  private pruneTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly config: GatewayConfig,
    readonly db: GwDb,
    readonly ingest: Ingest,
    readonly admin: GatewayAdmin,
    readonly forwarder: Forwarder,
    private readonly now: () => number,
    private readonly counters: Counters,
  ) {}

  static async open(config: GatewayConfig, options: GatewayOptions = {}): Promise<WebhookGateway> {
    const now = options.now ?? Date.now;
    const db = await openGatewayDb(options.databasePath ?? config.database);
    const writes = new WriteBatcher<GatewayDatabase>(db);
    const counters = new Counters(db, writes);
    const forwarder = new Forwarder(db, writes, { appUrl: config.appUrl, appSecret: config.appSecret, ...config.delivery }, now, counters);
    const ingest = new Ingest(writes, now, counters, () => forwarder.wake(), config.delivery.switchoverHoldMs);
    const admin = new GatewayAdmin(db, writes, now, () => forwarder.wake(), platformTypeLookup(config), counters);
    return new WebhookGateway(config, db, ingest, admin, forwarder, now, counters);
  }

  routes(): ReturnType<typeof webhookGatewayRoutes> {
    return webhookGatewayRoutes({ config: this.config, ingest: this.ingest, admin: this.admin });
  }

  /** Starts delivering, and hourly prunes what is older than `retention_ms` (dead letters are kept). */
  start(): void {
    this.forwarder.start();
    const sweep = (): void => {
      prune(this.db, this.now() - this.config.retentionMs).catch((err: unknown) => console.error('webhook gateway prune:', err));
    };
    sweep();
    this.pruneTimer = setInterval(sweep, 3600_000);
    this.pruneTimer.unref();
  }

  async close(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.forwarder.stop();
    await this.counters.close();
    await this.db.destroy();
  }
}

function platformTypeLookup(config: GatewayConfig): PlatformTypeLookup | undefined {
  const g = config.graph;
  if (!g) return undefined;
  const client = new GraphClient(g.baseUrl, g.version, g.token, config.delivery.timeoutMs);
  return async (id) => (await client.getNumber(id, ['platform_type'])).platform_type ?? 'UNKNOWN';
}

export interface ServedGateway {
  url: string;
  gateway: WebhookGateway;
  close(): Promise<void>;
}

/** The gateway alone on its own port (`switchboard gateway serve`). */
export async function serveGateway(config: GatewayConfig, options: GatewayOptions & { host?: string; port?: number } = {}): Promise<ServedGateway> {
  const gateway = await WebhookGateway.open(config, options);
  const app = Fastify({ logger: false });
  await app.register(gateway.routes());
  const address = await app.listen({ host: options.host ?? config.host, port: options.port ?? config.port });
  gateway.start();
  return {
    url: address.replace('[::1]', 'localhost'),
    gateway,
    close: async () => {
      await app.close();
      await gateway.close();
    },
  };
}
