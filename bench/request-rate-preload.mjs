/**
 * Diagnostic preload for the platform under a benchmark: counts requests per second and event-loop
 * gaps over 50 ms on the main thread, and writes them to $BENCH_PRELOAD_OUT (default
 * <tmpdir>/request-rate-<pid>.json) when the process exits. Plain JS so node can --import it without a loader:
 *
 *   npm run build
 *   BENCH_NODE_ARGS="--import ./bench/request-rate-preload.mjs" npx tsx bench/messages-throughput.ts --duration 10 --webhook-batch 100
 */
import fs from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const started = performance.now();
  const gaps = []; // [ms since start, gap ms]
  const perSecond = [];
  let requests = 0;
  let last = started;
  let secondStart = started;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, ...args) {
    if (event === 'request') requests++;
    return emit.call(this, event, ...args);
  };
  setInterval(() => {
    const now = performance.now();
    if (now - last > 50) gaps.push([Math.round(last - started), Math.round(now - last)]);
    last = now;
    if (now - secondStart >= 1000) {
      perSecond.push(requests);
      requests = 0;
      secondStart = now;
    }
  }, 10).unref();
  process.on('exit', () => {
    const out = process.env['BENCH_PRELOAD_OUT'] ?? join(tmpdir(), `request-rate-${process.pid}.json`);
    fs.writeFileSync(out, JSON.stringify({ gaps, perSecond }));
  });
}
