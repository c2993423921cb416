/** A webhook receiver for the benchmarks: answers the subscription handshake and counts what arrives. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class WebhookReceiver {
  /** Events (one per `entry[].changes[]` item) by request path, so several senders can share one receiver. */
  readonly events = new Map<string, number>();
  private readonly server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET') {
      res.end(url.searchParams.get('hub.challenge') ?? '');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { entry?: { changes?: unknown[] }[] };
      const count = (body.entry ?? []).reduce((sum, e) => sum + (e.changes?.length ?? 0), 0);
      this.events.set(url.pathname, this.count(url.pathname) + count);
      res.end('ok');
    });
  });

  /** Listens on 127.0.0.1 (`port` 0 = any free port) and resolves with the base URL. */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolve);
    });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  count(path: string): number {
    return this.events.get(path) ?? 0;
  }

  /** Resolves true once `path` has `count` events, false if `timeoutMs` passes first. */
  async waitFor(path: string, count: number, timeoutMs = 300_000): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.count(path) < count && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return this.count(path) >= count;
  }

  close(): void {
    this.server.close();
  }
}
