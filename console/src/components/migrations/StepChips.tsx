import type { ReactNode } from 'react';
import type { NumberReport } from '../../api/cp-types.js';

const GLYPH: Record<string, string> = { succeeded: '✓', skipped: '↷', failed: '✗', started: '…', pending: '' };

/** A job's steps in order: done, skipped (nothing to do), failed, in flight; attempts when more than one. */
export function StepChips({ steps }: { steps: NumberReport['steps'] }): ReactNode {
  if (steps.length === 0) return <span className="sub">not started</span>;
  return (
    <ol className="step-chips" aria-label="Steps">
      {steps.map((s) => (
        <li key={s.name} className={`chip chip-${s.status}`} data-testid={`step-${s.name}`} data-status={s.status} title={`${s.name}: ${s.status}, ${s.attempts} attempt(s)`}>
          {GLYPH[s.status] ?? ''} {s.name}
          {s.attempts > 1 ? <span className="attempts"> ×{s.attempts}</span> : null}
          <span className="visually-hidden"> ({s.status})</span>
        </li>
      ))}
    </ol>
  );
}
