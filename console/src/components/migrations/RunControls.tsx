import { useState, type ReactNode } from 'react';
import { controlRun, resumeRun } from '../../api/controlplane.js';
import type { RunSummary } from '../../api/cp-types.js';
import { CheckField } from '../Field.js';
import { ActionOutcome, useAction } from '../ui.js';
import { StatusBadge } from './status.js';

/** The run's status and counts, with pause, resume (sending the secrets typed now) and cancel. */
export function RunControls({ summary, env }: { summary: RunSummary; env: () => Record<string, string> }): ReactNode {
  const action = useAction();
  const [retryFailed, setRetryFailed] = useState(false);
  const { runId, status } = summary;
  const counts = Object.entries(summary.counts).map(([k, v]) => `${v} ${k}`);
  const over = status === 'finished' || status === 'cancelled';
  return (
    <div className="run-controls">
      <p>
        <StatusBadge status={status} label="Run status" testId="run-status" /> <span data-testid="run-counts">{counts.join(' · ') || 'no numbers yet'}</span>
        {summary.lease_owner ? <span className="sub"> · executed by {summary.lease_owner}</span> : null}
      </p>
      <div className="buttons">
        <button type="button" className="secondary" disabled={action.busy || status !== 'running'} onClick={() => void action.run(async () => `Run ${(await controlRun(runId, 'pause')).status}: numbers mid-step finish that step.`)}>
          Pause
        </button>
        <button type="button" className="secondary" disabled={action.busy || status === 'running' || status === 'cancelling'} onClick={() => void action.run(async () => `Run ${(await resumeRun(runId, env(), retryFailed)).status} again.`)}>
          Resume
        </button>
        <button type="button" className="secondary" disabled={action.busy || over || status === 'cancelling'} onClick={() => void action.run(async () => `Run ${(await controlRun(runId, 'cancel')).status}: numbers that have not moved are released on their original API.`)}>
          Cancel
        </button>
        <CheckField label="Retry failed numbers on resume" name="retry_failed" checked={retryFailed} onChange={setRetryFailed} />
      </div>
      <ActionOutcome action={action} testId="run-control-outcome" />
    </div>
  );
}
