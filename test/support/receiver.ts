import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../src/platform/webhooks/signature.js';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  raw: string;
  body: unknown;
  validSignature: boolean;
  at: number;
}

/**
 * A real webhook endpoint on a loopback port, as a partner's app would run: answers the hub
 * challenge when the verify token matches, checks X-Hub-Signature-256 with the app secret, and can be
 * told to fail (to exercise retries).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Status to answer POSTs with; anything but 200 makes the platform retry. */
  status = 200;
  appSecret = '';
  /** Milliseconds to wait before answering (a slow app keeps deliveries in flight longer). */
  delayMs = 0;
  private server: Server | undefined;
  private waiters: (() => void)[] = [];

  constructor(readonly verifyToken = 'verify-me') {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET') {
        const ok = url.searchParams.get('hub.mode') === 'subscribe' && url.searchParams.get('hub.verify_token') === this.verifyToken;
        res.writeHead(ok ? 200 : 403, { 'content-type': 'text/plain' }).end(ok ? (url.searchParams.get('hub.challenge') ?? '') : 'forbidden');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (this.status === 200) {
          this.received.push({ headers: req.headers, raw, body: JSON.parse(raw) as unknown, validSignature: verifySignature(raw, req.headers['x-hub-signature-256'] as string | undefined, this.appSecret), at: Date.now() });
          this.waiters.splice(0).forEach((w) => w());
        }
        const status = this.status;
        const answer = (): void => void res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'EVENT_RECEIVED' : 'nope');
        if (this.delayMs > 0) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}/webhook`;
  }

  /** Every change value delivered so far, flattened out of the entry/changes envelopes. */
  changes(field = 'messages'): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const r of this.received) {
      const body = r.body as { entry?: { changes?: { field: string; value: Record<string, unknown> }[] }[] };
      for (const entry of body.entry ?? []) for (const c of entry.changes ?? []) if (c.field === field) out.push(c.value);
    }
    return out;
  }

  /** Statuses seen for one message id, in arrival order. */
  statusesOf(messageId: string): string[] {
    return this.changes()
      .flatMap((v) => (v['statuses'] as { id: string; status: string }[] | undefined) ?? [])
      .filter((s) => s.id === messageId)
      .map((s) => s.status);
  }

  inboundMessages(): Record<string, unknown>[] {
    return this.changes().flatMap((v) => (v['messages'] as Record<string, unknown>[] | undefined) ?? []);
  }

  /** Resolves once `predicate` holds, re-checking on every delivery. */
  async waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`webhook receiver: condition not met within ${timeoutMs} ms (received ${this.received.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
