/**
 * Benchmark: the HTTP floor of this machine — a Fastify route that only echoes a JSON answer, with the
 * same load as bench/messages-throughput.ts (autocannon, 64 connections, the same send body). What
 * the platform's send costs beyond this is its own work.
 *
 *   npx tsx bench/http-floor.ts [--duration 8] [--connections 64]
 *
 * The server runs as its own process (plain Node, the project's Fastify). Prints requests/s, latency
 * and the server's instructions per request (`perf stat`, where available).
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { countInstructions } from './support.js';
// @ts-expect-error autocannon ships no type declarations
import autocannon from 'autocannon';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' }, connections: { type: 'string', default: '64' } } });

// Resolved from the project folder (bare specifiers in an evaluated module resolve from the cwd).
const SERVER = `
import Fastify from 'fastify';
const app = Fastify();
app.post('/v23.0/:id/messages', async (req) => ({ messaging_product: 'whatsapp', contacts: [{ input: req.body.to, wa_id: req.body.to }], messages: [{ id: 'wamid.floor' }] }));
await app.listen({ port: 0, host: '127.0.0.1' });
console.log('listening ' + app.server.address().port);
`;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
}

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
    const result = (await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: Number(values.connections),
      duration: Number(values.duration),
      requests: [
        {
          method: 'POST',
          path: '/v23.0/1/messages',
          headers: { 'content-type': 'application/json', authorization: 'Bearer floor' },
          body: JSON.stringify({ messaging_product: 'whatsapp', to: '16505550000', type: 'text', text: { body: 'benchmark message' } }),
        },
      ],
    })) as AutocannonResult;
    const counted = await instructions.stop();
    console.log(
      JSON.stringify(
        {
          benchmark: 'HTTP floor: Fastify echo route, same load as the send benchmark',
          requests_per_s: Math.round(result.requests.average),
          latency_p50_ms: result.latency.p50,
          latency_p99_ms: result.latency.p99,
          non_2xx: result.non2xx,
          server_instructions_per_request: counted === undefined ? null : Math.round(counted / Math.max(1, result.requests.total)),
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
