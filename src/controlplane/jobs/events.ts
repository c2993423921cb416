import { EventEmitter } from 'node:events';
import type { JobStatus, RunStatus } from './schema.js';

/** What the runner reports as it works; the CLI's progress bars, SSE and tests subscribe. */
export type RunnerEvent =
  | { type: 'run_started'; runId: string; total: number; batches: number; skipped: number }
  | { type: 'batch_started'; runId: string; batch: number; size: number }
  | { type: 'window_wait'; runId: string; batch: number; ms: number }
  | { type: 'job_started'; runId: string; jobId: string; phoneNumberId: string; kind: string; steps: number; batch: number }
  | { type: 'step_finished'; runId: string; jobId: string; phoneNumberId: string; step: string; index: number; status: 'succeeded' | 'skipped'; observed: boolean }
  | { type: 'step_retry'; runId: string; jobId: string; phoneNumberId: string; step: string; attempt: number; delayMs: number; error: string }
  | { type: 'job_finished'; runId: string; jobId: string; phoneNumberId: string; batch: number; status: JobStatus; error: string | null }
  | { type: 'batch_finished'; runId: string; batch: number }
  | { type: 'run_finished'; runId: string; status: RunStatus; counts: Record<string, number> };

export class RunnerEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emit(event: RunnerEvent): void {
    this.emitter.emit('event', event);
  }

  /** Returns the unsubscribe function. */
  on(listener: (event: RunnerEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
