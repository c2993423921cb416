import type { ReactNode } from 'react';
import type { NumberReport, RunReport } from '../../api/cp-types.js';
import type { LiveRun, RetryNote } from '../../api/live-run.js';
import { StatusBadge } from './status.js';
import { StepChips } from './StepChips.js';

const SETTLED = new Set(['succeeded', 'failed', 'rolled_back', 'skipped', 'cancelled']);

/** Batches in order, each with its numbers: status, steps, a retry in progress, messages held or sent. */
export function BatchProgress({ report, live, active }: { report: RunReport; live: LiveRun; active: boolean }): ReactNode {
  const batches = [...new Set(report.numbers.map((n) => n.batch))].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
  return (
    <div className="batches" data-testid="batches">
      {batches.map((b) => {
        const numbers = report.numbers.filter((n) => n.batch === b);
        const settled = numbers.filter((n) => SETTLED.has(n.status)).length;
        const title = b === null ? 'Skipped by pre-flight' : `Batch ${b + 1}`;
        // The wait is announced once; a paused or cancelled run is not waiting any more.
        const waiting = active && b !== null && live.windowWait?.batch === b ? live.windowWait : undefined;
        return (
          <section key={String(b)} className="batch" data-testid={`batch-${b ?? 'skipped'}`} aria-label={title}>
            <h4>
              {title} <span className="sub">{`${settled}/${numbers.length} settled`}</span>
              {waiting ? <span className="sub"> · waiting for the low-traffic window until {new Date(waiting.until).toLocaleTimeString()}</span> : null}
            </h4>
            <progress max={numbers.length} value={settled} aria-label={`${title}: ${settled} of ${numbers.length} settled`} />
            <ul className="batch-numbers">
              {numbers.map((n) => (
                <NumberProgress key={n.phone_number_id} n={n} retry={live.retries[n.phone_number_id]} />
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

function NumberProgress({ n, retry }: { n: NumberReport; retry: RetryNote | undefined }): ReactNode {
  const m = n.messages;
  return (
    <li className="number-progress" data-testid={`run-number-${n.phone_number_id}`} data-status={n.status}>
      <div>
        <strong>{n.phone_number_id}</strong> {n.label ? <span className="sub">{n.label}</span> : null} <span className="sub">{n.kind}</span>{' '}
        <StatusBadge status={n.status} label="Number status" testId="number-status" />{' '}
        <span className="sub" data-testid="number-messages">
          messages: {m.held} held · {m.sent} sent{m.failed ? ` · ${m.failed} failed` : ''}
          {m.in_doubt ? ` · ${m.in_doubt} in doubt` : ''}
        </span>
      </div>
      <StepChips steps={n.steps} />
      {retry ? (
        <p className="retry" role="status" data-testid="number-retry">
          Retrying {retry.step}: attempt {retry.attempt} failed ({retry.error}); next attempt at {new Date(retry.retryAt).toLocaleTimeString()}
        </p>
      ) : null}
      {n.error ? <p className="error-text">{n.error}</p> : null}
    </li>
  );
}
