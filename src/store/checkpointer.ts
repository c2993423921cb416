import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Moves WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT
 * that crosses the threshold: it copies the WAL into the database file and syncs both, which on a
 * busy platform was about 60 % of all commit time, stalling every request meanwhile. A worker thread
 * with its own connection runs PASSIVE checkpoints instead (they never block readers or writers).
 *
 * The connection that writes keeps a much higher automatic threshold (`FALLBACK_AUTOCHECKPOINT_PAGES`)
 * as a safety net, so the WAL stays bounded if the worker ever stops. Durability is unchanged: with
 * `synchronous=NORMAL` a commit is safe against a process crash either way, and the checkpoint's syncs
 * are the same ones, made on another thread.
 */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 20_000;

/** How often the worker checkpoints; a checkpoint of an already copied WAL costs next to nothing. */
const INTERVAL_MS = 200;

/**
 * A PASSIVE checkpoint copies frames but never restarts the WAL: under steady writes some frames are
 * always newer than the last copy, so the WAL grew until the fallback threshold made a COMMIT on the
 * API's thread checkpoint 80 MB (a stall of hundreds of milliseconds). Once the WAL holds this many
 * pages and the passive pass has copied nearly all of them, a RESTART checkpoint takes the write
 * lock just long to copy the rest and restart the WAL from its beginning.
 */
const RESTART_AFTER_PAGES = 4000;
/** "Nearly all": at most this many pages left for RESTART to copy while it holds the write lock. */
const RESTART_WHEN_BEHIND_AT_MOST = 500;

// The worker is plain CommonJS evaluated from a string, so it runs the same from src/ (tests) and dist/.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
    if (log >= workerData.restartAfterPages && log - checkpointed <= workerData.restartWhenBehind) db.pragma('wal_checkpoint(RESTART)');
  } catch (err) { parentPort.postMessage(String(err)); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Starts checkpointing `path` (a SQLite file in WAL mode) on a worker thread. */
export function startCheckpointer(path: string, intervalMs = INTERVAL_MS): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { path, driver, intervalMs, restartAfterPages: RESTART_AFTER_PAGES, restartWhenBehind: RESTART_WHEN_BEHIND_AT_MOST } });
  worker.unref();
  // A failed checkpoint is retried on the next tick; the fallback threshold bounds the WAL meanwhile.
  worker.on('message', (message: unknown) => process.emitWarning(`WAL checkpoint failed: ${String(message)}`));
  worker.on('error', (err) => process.emitWarning(`WAL checkpointer stopped: ${err.message}`));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      worker.ref(); // keep the process up until the worker's connection is closed
      worker.postMessage('stop');
      await exited;
    },
  };
}
