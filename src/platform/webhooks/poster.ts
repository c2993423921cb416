import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { deliverLanes, type BatchOutcome, type DeliveryLane, type RoundShape } from './delivery.js';
import type { PosterReply, PosterRequest } from './poster-worker.js';

/**
 * Who builds, signs and sends a round's POSTs. On one busy platform the delivery work (JSON, HMAC,
 * HTTP) cost about as much CPU as the sends themselves, all on the one thread that also answers the
 * API; the thread poster moves it to a worker, so the second core takes it (on a SQLite file it also
 * reads the due events there). The dispatcher keeps every database write, so the outbox's guarantees
 * do not depend on which poster runs.
 */
export interface Poster {
  deliver(lanes: DeliveryLane[], timeoutMs: number): Promise<BatchOutcome[][]>;
  close(): Promise<void>;
}

export const inlinePoster: Poster = {
  deliver: deliverLanes,
  close: () => Promise.resolve(),
};

/** A request before it gets its id (per variant of the union). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export class ThreadPoster implements Poster {
  private readonly waiting = new Map<number, { resolve: (o: BatchOutcome[][]) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private worker: Worker | undefined;

  deliver(lanes: DeliveryLane[], timeoutMs: number): Promise<BatchOutcome[][]> {
    return this.ask({ kind: 'deliver', lanes, timeoutMs });
  }

  /**
   * A whole round on the thread: it reads what is due at `now` from the SQLite `file` on its own
   * connection (only committed rows), then delivers it. The caller records the outcomes.
   */
  round(file: string, now: number, limit: number, shape: RoundShape, timeoutMs: number): Promise<BatchOutcome[][]> {
    return this.ask({ kind: 'round', file, now, limit, shape, timeoutMs });
  }

  private ask(body: WithoutId<PosterRequest>): Promise<BatchOutcome[][]> {
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    const request = { ...body, id } as PosterRequest;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Held while a round is out, so a process with nothing else to do still waits for its answer.
      worker.ref();
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private spawn(): Worker {
    const worker = new Worker(...workerEntry());
    worker.unref();
    worker.on('message', (reply: PosterReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      if (!waiter) return;
      if ('error' in reply) waiter.reject(new Error(`webhook delivery thread: ${reply.error}`));
      else waiter.resolve(reply.outcomes);
    });
    // A dead thread fails its rounds (their events stay pending and are retried); the next round starts a new one.
    const fail = (err: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiter of this.waiting.values()) waiter.reject(err);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`webhook delivery thread exited (${code})`)));
    return worker;
  }
}

/**
 * The worker runs `poster-worker.js` next to this file. From TypeScript sources (the tests) it first
 * registers tsx's loader, which a worker thread does not inherit from its parent.
 */
function workerEntry(): ConstructorParameters<typeof Worker> {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './poster-worker.ts' : './poster-worker.js', import.meta.url);
  if (!fromSource) return [entry, { execArgv: [] }];
  // The package's ESM entry (its "import" condition); require.resolve finds the CommonJS one beside it.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); })`;
  return [bootstrap, { eval: true, execArgv: [] }];
}
