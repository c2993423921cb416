import cliProgress from 'cli-progress';
import type { RunnerEvent } from '../jobs/events.js';

/**
 * Live progress: one bar per batch (numbers settled) and one per number in flight (steps done).
 * Not a TTY: one line per settled number instead, so logs stay readable.
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): { onEvent: (e: RunnerEvent) => void; stop: () => void } {
  if (!stream.isTTY) {
    return {
      onEvent: (e) => {
        if (e.type === 'job_finished') stream.write(`${e.phoneNumberId}  ${e.status}${e.error ? `  ${e.error}` : ''}\n`);
        if (e.type === 'window_wait') stream.write(`batch ${e.batch}: waiting ${Math.round(e.ms / 1000)} s for the low-traffic window\n`);
      },
      stop: () => undefined,
    };
  }
  const multi = new cliProgress.MultiBar({ stream, clearOnComplete: false, hideCursor: true, format: ' {label} [{bar}] {value}/{total} {info}' }, cliProgress.Presets.shades_classic);
  const batches = new Map<number, cliProgress.SingleBar>();
  const numbers = new Map<string, cliProgress.SingleBar>();
  return {
    onEvent(e) {
      switch (e.type) {
        case 'batch_started':
          batches.set(e.batch, multi.create(e.size, 0, { label: `batch ${String(e.batch).padStart(3)}`.padEnd(18), info: '' }));
          break;
        case 'job_started':
          numbers.set(e.jobId, multi.create(e.steps, 0, { label: `  ${e.phoneNumberId}`.padEnd(18), info: e.kind }));
          break;
        case 'step_finished':
          numbers.get(e.jobId)?.increment(1, { info: e.step });
          break;
        case 'step_retry':
          numbers.get(e.jobId)?.update({ info: `${e.step}: retry ${e.attempt} in ${e.delayMs} ms` });
          break;
        case 'job_finished': {
          const bar = numbers.get(e.jobId);
          if (bar) multi.remove(bar);
          numbers.delete(e.jobId);
          batches.get(e.batch)?.increment(1, { info: e.status === 'succeeded' ? '' : `${e.phoneNumberId} ${e.status}` });
          break;
        }
        case 'window_wait':
          multi.log(`batch ${e.batch}: waiting ${Math.round(e.ms / 1000)} s for the low-traffic window\n`);
          break;
        default:
          break;
      }
    },
    stop: () => multi.stop(),
  };
}
