import Fastify, { type FastifyInstance } from 'fastify';
import type { OnpremDeployment } from '../../store/schema.js';
import type { PlatformContext } from '../context.js';
import { installParsers } from '../http-common.js';
import { updateDeployment } from './repo.js';
import { onpremPlugin, renderOnpremError, type OnpremApiOptions } from './routes.js';
import { serverOptions } from '../http-server.js';

/**
 * Deployments with a port of their own: each gets a listener that serves its `/v1/...` at the root,
 * as a real On-Prem webapp container does (`https://host:9090/v1/...`), so unmodified On-Prem
 * clients can be pointed at it. Same routes and state as `/onprem/{id}/v1/...`.
 */
export class OnpremPortServers {
  private readonly servers = new Map<string, FastifyInstance>();

  constructor(
    private readonly ctx: PlatformContext,
    private readonly host: string,
    private readonly options: OnpremApiOptions & { bodyLimitBytes: number },
  ) {}

  async startAll(): Promise<void> {
    const deps = await this.ctx.store.db.selectFrom('onprem_deployments').selectAll().where('port', 'is not', null).execute();
    for (const dep of deps) {
      try {
        await this.start(dep);
      } catch (err) {
        // Several platform processes on one database (and one host) cannot all bind a deployment's
        // port: the first one serves it; every process still serves /onprem/{id}/v1/.
        if (!this.ctx.store.caps.sharedByProcesses || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        console.warn(`On-Prem deployment ${dep.id}: port ${String(dep.port)} is served by another process`);
      }
    }
  }

  /** Starts the deployment's listener; port 0 picks a free port, which is then remembered. */
  async start(dep: OnpremDeployment): Promise<number | undefined> {
    if (dep.port === null || this.servers.has(dep.id)) return dep.port ?? undefined;
    const server = Fastify(serverOptions(this.options.bodyLimitBytes, (_path, err) => renderOnpremError(err)));
    installParsers(server);
    await server.register(onpremPlugin(this.ctx, this.options, () => dep.id));
    const address = await server.listen({ host: this.host, port: dep.port });
    this.servers.set(dep.id, server);
    const port = Number(new URL(address).port);
    if (port !== dep.port) await updateDeployment(this.ctx.store.db, dep.id, { port });
    return port;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.close()));
    this.servers.clear();
  }
}
