/**
 * Benchmark: the HTTP floor of this machine — a Fastify route that only echoes a JSON answer, with the
 * same load as bench/messages-throughput.ts (wrk if installed, else autocannon; 64 connections, the
 * same send body). What the platform's send costs beyond this is its own work.
 *
 *   npx tsx bench/http-floor.ts [--duration 8] [--connections 64] [--load wrk|autocannon]
 *
 * The server runs as its own process (plain Node, the project's Fastify). Prints requests/s, latency
 * and the server's instructions per request (`perf stat`, where available).
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { loadTool, runLoad } from './load.js';
import { countInstructions } from './support.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' }, connections: { type: 'string', default: '64' }, load: { type: 'string' } } });
const tool = loadTool(values.load);

// Resolved from the project folder (bare specifiers in an evaluated module resolve from the cwd).
const SERVER = `
import Fastify from 'fastify';
const app = Fastify();
app.post('/v23.0/:id/messages', async (req) => ({ messaging_product: 'whatsapp', contacts: [{ input: req.body.to, wa_id: req.body.to }], messages: [{ id: 'wamid.floor' }] }));
await app.listen({ port: 0, host: '127.0.0.1' });
console.log('listening ' + app.server.address().port);
`;

async function main(): Promise<void> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening (\d+)/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${String(code)}`)));
    });
    const instructions = countInstructions(child.pid);
    const result = await runLoad(
      tool,
      `http://127.0.0.1:${port}`,
      {
        method: 'POST',
        paths: ['/v23.0/1/messages'],
        headers: { 'content-type': 'application/json', authorization: 'Bearer floor' },
        body: JSON.stringify({ messaging_product: 'whatsapp', to: '16505550000', type: 'text', text: { body: 'benchmark message' } }),
      },
      Number(values.connections),
      Number(values.duration),
    );
    const counted = await instructions.stop();
    console.log(
      JSON.stringify(
        {
          benchmark: 'HTTP floor: Fastify echo route, same load as the send benchmark',
          load_generator: tool,
          requests_per_s: Math.round(result.requestsPerSecond),
          latency_p50_ms: result.p50Ms,
          latency_p99_ms: result.p99Ms,
          non_2xx: result.non2xx,
          server_instructions_per_request: counted === undefined ? null : Math.round(counted / Math.max(1, result.total)),
        },
        null,
        2,
      ),
    );
  } finally {
    child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
