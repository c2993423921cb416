import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny HTTP proxy between the control plane and the platform that injects faults on chosen calls:
 * - `503`: answer 503 without forwarding (the call did not take effect);
 * - `forward-then-503`: forward, then answer 503 (it took effect, but the caller cannot know);
 * - `forward-then-hang`: forward, then hold the answer for `ms` (past the caller's timeout);
 * - `hold-then-forward`: hold the request itself until `release()` (or `ms`), then forward it and cut
 *   the caller's connection without an answer — a request still in flight on the way to the platform
 *   when its sender was killed.
 */
export type FaultAction = { kind: '503' } | { kind: 'forward-then-503' } | { kind: 'forward-then-hang'; ms: number } | { kind: 'hold-then-forward'; ms: number };

interface Fault {
  method: string;
  path: RegExp;
  action: FaultAction;
  remaining: number;
}

export class FaultProxy {
  readonly hits: { method: string; path: string; fault: string | null }[] = [];
  private readonly faults: Fault[] = [];
  private server: Server | undefined;
  /** Requests held by `hold-then-forward`, released in arrival order. */
  private readonly held: (() => void)[] = [];
  private readonly heldWaiters: (() => void)[] = [];
  url = '';

  constructor(private readonly target: string) {}

  /** The next `times` calls matching method and path get `action`. */
  inject(method: string, path: RegExp, action: FaultAction, times = 1): void {
    this.faults.push({ method, path, action, remaining: times });
  }

  /** Injected faults not yet triggered (a test asserts 0: every fault really happened). */
  pending(): number {
    return this.faults.reduce((n, f) => n + f.remaining, 0);
  }

  /** Resolves once a `hold-then-forward` request is being held. */
  holding(): Promise<void> {
    return this.held.length > 0 ? Promise.resolve() : new Promise((resolve) => this.heldWaiters.push(resolve));
  }

  /** Forwards the requests held so far (before their `ms` runs out). */
  release(): void {
    for (const forward of [...this.held]) forward();
  }

  /** Called after each answer the proxy gave (not for requests it cut or held). */
  onAnswered: ((method: string, path: string) => void) | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = req.url ?? '/';
    const fault = this.faults.find((f) => f.remaining > 0 && f.method === req.method && f.path.test(path));
    if (fault) fault.remaining -= 1;
    this.hits.push({ method: req.method ?? '', path, fault: fault?.action.kind ?? null });
    if (fault?.action.kind === '503') return void res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
    if (fault?.action.kind === 'hold-then-forward') await this.hold(fault.action.ms);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
    const upstream = await fetch(`${this.target}${path}`, { method: req.method ?? 'GET', headers, ...(chunks.length > 0 && { body: Buffer.concat(chunks) }) });
    const body = Buffer.from(await upstream.arrayBuffer());
    if (fault?.action.kind === 'hold-then-forward') return void res.destroy();
    if (fault?.action.kind === 'forward-then-503') return void res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
    if (fault?.action.kind === 'forward-then-hang') await new Promise((r) => setTimeout(r, fault.action.kind === 'forward-then-hang' ? fault.action.ms : 0));
    if (res.destroyed) return;
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body);
    this.onAnswered?.(req.method ?? '', path);
  }

  private hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const forward = (): void => {
        clearTimeout(timer);
        this.held.splice(this.held.indexOf(forward) >>> 0, 1);
        resolve();
      };
      const timer = setTimeout(forward, ms);
      this.held.push(forward);
      for (const wake of this.heldWaiters.splice(0)) wake();
    });
  }
}
