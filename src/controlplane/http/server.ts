import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { Connections } from '../connections.js';
import type { RunnerEvent } from '../jobs/events.js';
import { LeaseHeldError, Runner } from '../jobs/runner.js';
import { JobStore } from '../jobs/store.js';
import { formatPath, parsePlan } from '../plan/load.js';
import type { Plan } from '../plan/schema.js';
import type { Env } from '../plan/secrets.js';
import { runPreflight } from '../preflight/run.js';
import { buildReport } from '../report/report.js';
import { sleep } from '../util/pool.js';
import { buildTimeline, listRuns } from '../report/timeline.js';
import { requestEnv, requestEnvSchema, type RequestEnv } from './run-env.js';

/**
 * The CLI's operations over HTTP. Plans are posted as JSON or YAML (`content-type: application/yaml`),
 * or as `{plan, env}` where `plan` is either and `env` gives secrets for this request and run (kept in
 * memory only); runs execute in the background; `GET /runs/{id}/events` streams progress as
 * server-sent events. Mountable under a prefix (the platform embeds it under `/_switchboard/controlplane`).
 */
export function controlPlaneRoutes(runner: Runner): (app: FastifyInstance) => Promise<void> {
  const executing = new Map<string, Promise<unknown>>();
  // Resumed or cancelled while an execution was still winding down (after a pause): it may have
  // read the old status last, so the run is executed once more afterwards.
  const again = new Set<string>();
  let closing = false;
  const start = (runId: string): void => {
    if (executing.has(runId)) return void again.add(runId);
    const p = runner
      .execute(runId)
      .catch((err: unknown) => {
        if (!(err instanceof LeaseHeldError)) console.error(`run ${runId} stopped:`, err instanceof Error ? err.message : String(err));
      })
      .finally(() => {
        executing.delete(runId);
        if (again.delete(runId) && !closing) start(runId);
      });
    executing.set(runId, p);
  };
  const streams: Streams = { open: new Set(), waits: windowWaits(runner) };

  return async (app) => {
    app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
    // Shutting down pauses this process's runs (resume continues them); open event streams would
    // keep the server from closing. A step still in flight after a few seconds is left to resume's observation.
    app.addHook('preClose', async () => {
      closing = true;
      for (const res of streams.open) res.end();
      await Promise.all([...executing.keys()].map((id) => runner.pause(id)));
      const settled = new AbortController();
      await Promise.race([Promise.allSettled(executing.values()).finally(() => settled.abort()), sleep(STOP_GRACE_MS, settled.signal)]);
    });

    app.post('/plans/validate', async (req, reply) => {
      const request = planRequest(req.body);
      if (!request.ok) return reply.code(request.status).send(request.body);
      return reply.code(200).send({ valid: true, numbers: request.plan.numbers.length });
    });

    app.post('/preflight', async (req, reply) => {
      const request = planRequest(req.body);
      if (!request.ok) return reply.code(request.status).send(request.body);
      return runPreflight(new Connections(request.plan, requestEnv(runner.options.env, request.env)));
    });

    app.post('/runs', async (req, reply) => {
      const request = planRequest(req.body);
      if (!request.ok) return reply.code(request.status).send(request.body);
      const { runId, preflight } = await runner.create(request.plan, { env: requestEnv(runner.options.env, request.env) });
      start(runId);
      return reply.code(202).send({ run_id: runId, preflight });
    });

    app.get('/runs', async (req) => ({ data: await listRuns(runner.store, limitOf(req.query)) }));

    // Unknown runs answer 404 on every /runs/{id}... call (the route as registered, under any prefix).
    app.addHook('preHandler', async (req, reply) => {
      if (!req.routeOptions.url?.startsWith(`${app.prefix}/runs/:id`)) return;
      if (!(await runner.store.runState(idOf(req)))) await reply.code(404).send({ error: 'no such run' });
    });
    app.get('/runs/:id', async (req) => ({ ...(await runner.summary(idOf(req))), lease_owner: (await runner.store.runState(idOf(req)))?.lease_owner ?? null }));
    app.get('/runs/:id/report', async (req) => buildReport(runner.store, idOf(req)));
    app.get('/runs/:id/timeline', async (req) => buildTimeline(runner.store, idOf(req), queryString(req.query, 'phone_number_id')));
    app.post('/runs/:id/pause', async (req) => {
      await runner.pause(idOf(req));
      return { status: 'paused' };
    });
    app.post('/runs/:id/cancel', async (req) => {
      await runner.cancel(idOf(req));
      // A run nobody executes (paused, or left by a stopped process) is settled by executing it once more.
      start(idOf(req));
      return { status: 'cancelling' };
    });
    app.post('/runs/:id/resume', async (req, reply) => {
      const body = resumeSchema.safeParse(req.body ?? {});
      if (!body.success) return reply.code(400).send({ error: body.error.issues.map((i) => `${formatPath(i.path) || 'body'}: ${i.message}`).join('; ') });
      // New secrets (a corrected PIN) reach the run before it continues; without them it keeps its own.
      if (body.data.env) runner.useEnv(idOf(req), requestEnv(runner.options.env, body.data.env));
      if (body.data.retry_failed) await runner.retryFailed(idOf(req));
      await runner.store.setRunStatus(idOf(req), 'running');
      start(idOf(req));
      return reply.code(202).send({ status: 'running' });
    });

    app.get('/runs/:id/events', (req, reply) => streamEvents(runner, idOf(req), req, reply, streams));

    // The partner's app sends here instead of to Graph during the migration window.
    app.post('/numbers/:id/messages', async (req, reply) => {
      const payload = req.body;
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return reply.code(400).send({ error: 'a JSON message body is required' });
      const gate = await runner.store.gate(idOf(req));
      if (!gate) return reply.code(404).send({ error: `number ${idOf(req)} is not part of a migration run` });
      try {
        // A message that leaves at once is sent with its run's secrets (the runner knows them by run).
        const queued = await runner.outbound.send(idOf(req), payload as Record<string, unknown>);
        return reply.code(202).send(queued);
      } catch (err) {
        return reply.code(404).send({ error: err instanceof Error ? err.message : String(err) });
      }
    });
  };
}

/** How long closing waits for steps in flight before the store goes away under them. */
const STOP_GRACE_MS = 5000;

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;

const queryString = (query: unknown, key: string): string | undefined => {
  const value = (query as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

const limitOf = (query: unknown): number => {
  const n = Number(queryString(query, 'limit') ?? 50);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 500) : 50;
};

const resumeSchema = z.strictObject({ retry_failed: z.boolean().optional(), env: requestEnvSchema.optional() });

type PlanRequest = { ok: true; plan: Plan; env: RequestEnv | undefined } | { ok: false; status: 400 | 422; body: unknown };

/**
 * A plan as the body itself (JSON object or YAML text), or wrapped as `{plan, env}`. A bare plan always
 * has `version`, so a body with `plan` and no `version` is the wrapper.
 */
function planRequest(body: unknown): PlanRequest {
  const wrapped = typeof body === 'object' && body !== null && !Array.isArray(body) && 'plan' in body && !('version' in body);
  const raw: unknown = wrapped ? (body as { plan: unknown }).plan : body;
  const env = wrapped ? requestEnvSchema.optional().safeParse((body as { env?: unknown }).env) : { success: true as const, data: undefined };
  if (!env.success) return { ok: false, status: 400, body: { error: `env: ${env.error.issues.map((i) => i.message).join('; ')}` } };
  const result = parsePlan(typeof raw === 'string' ? raw : JSON.stringify(raw ?? {}));
  if (!result.ok) return { ok: false, status: 422, body: { valid: false, issues: result.issues } };
  return { ok: true, plan: result.plan, env: env.data };
}

/** Replays the run's recorded events, then forwards live ones until the client goes away. */
interface Streams {
  /** Closed when the server closes. */
  open: Set<ServerResponse>;
  /** Runs waiting for their low-traffic window, and until when (the event is not recorded). */
  waits: ReadonlyMap<string, { batch: number; until: number }>;
}

/** Follows `window_wait` events, so a subscriber arriving during the wait still learns of it. */
function windowWaits(runner: Runner): Map<string, { batch: number; until: number }> {
  const waits = new Map<string, { batch: number; until: number }>();
  runner.events.on((e) => {
    if (e.type === 'window_wait') waits.set(e.runId, { batch: e.batch, until: Date.now() + e.ms });
    else if (e.type === 'batch_started' || e.type === 'run_finished') waits.delete(e.runId);
  });
  return waits;
}

async function streamEvents(runner: Runner, runId: string, req: FastifyRequest, reply: FastifyReply, streams: Streams): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  streams.open.add(res);
  res.on('close', () => streams.open.delete(res));
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (type: string, data: unknown, id?: number): void => {
    res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const after = Number(req.headers['last-event-id'] ?? 0) || 0;
  const replayed = await runner.store.events(runId, after);
  for (const e of replayed) send(e.type, JSON.parse(e.data), e.id);
  // A run that is over has nothing more to say.
  const status = (await runner.store.runState(runId))?.status;
  if (status === 'finished' || status === 'cancelled') return void res.end();
  const wait = streams.waits.get(runId);
  if (wait) send('window_wait', { type: 'window_wait', runId, batch: wait.batch, ms: Math.max(0, wait.until - Date.now()) } satisfies RunnerEvent);
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
