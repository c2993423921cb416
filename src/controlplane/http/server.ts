import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Connections } from '../connections.js';
import type { RunnerEvent } from '../jobs/events.js';
import { LeaseHeldError, Runner } from '../jobs/runner.js';
import { JobStore } from '../jobs/store.js';
import { parsePlan } from '../plan/load.js';
import type { Env } from '../plan/secrets.js';
import { runPreflight } from '../preflight/run.js';
import { buildReport } from '../report/report.js';

/**
 * The CLI's operations over HTTP. Plans are posted as JSON or YAML (`content-type: application/yaml`);
 * runs execute in the background; `GET /runs/{id}/events` streams progress as server-sent events.
 */
export function controlPlaneRoutes(runner: Runner): (app: FastifyInstance) => Promise<void> {
  const executing = new Map<string, Promise<unknown>>();
  const start = (runId: string): void => {
    if (executing.has(runId)) return;
    const p = runner
      .execute(runId)
      .catch((err: unknown) => {
        if (!(err instanceof LeaseHeldError)) console.error(`run ${runId} stopped:`, err);
      })
      .finally(() => executing.delete(runId));
    executing.set(runId, p);
  };

  return async (app) => {
    app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

    app.post('/plans/validate', async (req, reply) => {
      const result = planOf(req.body);
      return reply.code(result.ok ? 200 : 422).send(result.ok ? { valid: true, numbers: result.plan.numbers.length } : { valid: false, issues: result.issues });
    });

    app.post('/preflight', async (req, reply) => {
      const result = planOf(req.body);
      if (!result.ok) return reply.code(422).send({ valid: false, issues: result.issues });
      return runPreflight(new Connections(result.plan, runner.options.env));
    });

    app.post('/runs', async (req, reply) => {
      const result = planOf(req.body);
      if (!result.ok) return reply.code(422).send({ valid: false, issues: result.issues });
      const { runId, preflight } = await runner.create(result.plan);
      start(runId);
      return reply.code(202).send({ run_id: runId, preflight });
    });

    app.get('/runs/:id', async (req) => ({ ...(await runner.summary(idOf(req))), lease_owner: (await runner.store.run(idOf(req)))?.lease_owner ?? null }));
    app.get('/runs/:id/report', async (req) => buildReport(runner.store, idOf(req)));

    // Unknown runs answer 404 on every /runs/{id}/... control call.
    app.addHook('preHandler', async (req, reply) => {
      if (!req.routeOptions.url?.startsWith('/runs/:id')) return;
      if (!(await runner.store.run(idOf(req)))) await reply.code(404).send({ error: 'no such run' });
    });
    app.post('/runs/:id/pause', async (req) => {
      await runner.pause(idOf(req));
      return { status: 'paused' };
    });
    app.post('/runs/:id/cancel', async (req) => {
      await runner.cancel(idOf(req));
      return { status: 'cancelling' };
    });
    app.post('/runs/:id/resume', async (req, reply) => {
      const body = (req.body ?? {}) as { retry_failed?: boolean };
      if (body.retry_failed) await runner.retryFailed(idOf(req));
      await runner.store.setRunStatus(idOf(req), 'running');
      start(idOf(req));
      return reply.code(202).send({ status: 'running' });
    });

    app.get('/runs/:id/events', (req, reply) => streamEvents(runner, idOf(req), req, reply));

    // The partner's app sends here instead of to Graph during the migration window.
    app.post('/numbers/:id/messages', async (req, reply) => {
      const payload = req.body;
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return reply.code(400).send({ error: 'a JSON message body is required' });
      try {
        const queued = await runner.outbound.send(idOf(req), payload as Record<string, unknown>);
        return reply.code(202).send(queued);
      } catch (err) {
        return reply.code(404).send({ error: err instanceof Error ? err.message : String(err) });
      }
    });
  };
}

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;

function planOf(body: unknown): ReturnType<typeof parsePlan> {
  return parsePlan(typeof body === 'string' ? body : JSON.stringify(body ?? {}));
}

/** Replays the run's recorded events, then forwards live ones until the client goes away. */
async function streamEvents(runner: Runner, runId: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (type: string, data: unknown, id?: number): void => {
    res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const after = Number(req.headers['last-event-id'] ?? 0) || 0;
  const replayed = await runner.store.events(runId, after);
  for (const e of replayed) send(e.type, JSON.parse(e.data), e.id);
  // A run that is over has nothing more to say.
  const status = (await runner.store.run(runId))?.status;
  if (status === 'finished' || status === 'cancelled') return void res.end();
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  const unsubscribe = runner.events.on((e: RunnerEvent) => {
    if (e.runId !== runId) return;
    send(e.type, e);
    if (e.type === 'run_finished') res.end();
  });
  res.on('close', () => {
    clearInterval(ping);
    unsubscribe();
  });
}

export interface ControlPlaneServer {
  url: string;
  runner: Runner;
  http: FastifyInstance;
  close(): Promise<void>;
}

export async function serveControlPlane(options: { dbPath: string; host: string; port: number; env: Env }): Promise<ControlPlaneServer> {
  const store = await JobStore.open(options.dbPath);
  const runner = new Runner(store, { env: options.env });
  const http = Fastify({ logger: false });
  await http.register(controlPlaneRoutes(runner));
  const url = await http.listen({ host: options.host, port: options.port });
  return {
    url,
    runner,
    http,
    async close() {
      await http.close();
      await store.close();
    },
  };
}
