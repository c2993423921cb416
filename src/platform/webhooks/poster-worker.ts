import { parentPort } from 'node:worker_threads';
import { deliverLanes, planRound, type BatchOutcome, type DeliveryLane, type RoundShape } from './delivery.js';
import { OutboxReader } from './outbox-reader.js';

/** What the delivery thread is asked (see poster.ts). */
export type PosterRequest =
  /** POST these lanes. */
  | { id: number; kind: 'deliver'; lanes: DeliveryLane[]; timeoutMs: number }
  /** Read what is due from the SQLite file, then POST it. */
  | { id: number; kind: 'round'; file: string; now: number; limit: number; shape: RoundShape; timeoutMs: number };

export type PosterReply = { id: number; outcomes: BatchOutcome[][] } | { id: number; error: string };

const port = parentPort;
if (!port) throw new Error('poster-worker runs as a worker thread');
let reader: OutboxReader | undefined;

async function handle(req: PosterRequest): Promise<BatchOutcome[][]> {
  if (req.kind === 'deliver') return deliverLanes(req.lanes, req.timeoutMs);
  reader ??= new OutboxReader(req.file);
  const { due, secrets } = reader.read(req.now, req.limit);
  return due.length === 0 ? [] : deliverLanes(planRound(due, req.shape, secrets), req.timeoutMs);
}

port.on('message', (req: PosterRequest) => {
  // Delivery turns every failure into an outcome; a throw here is a bug (or a broken database), reported as one.
  handle(req).then(
    (outcomes) => port.postMessage({ id: req.id, outcomes } satisfies PosterReply),
    (err: unknown) => port.postMessage({ id: req.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies PosterReply),
  );
});
port.on('close', () => reader?.close());
