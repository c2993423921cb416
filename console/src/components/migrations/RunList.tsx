import type { ReactNode } from 'react';
import { CP } from '../../api/controlplane.js';
import type { RunListItem } from '../../api/cp-types.js';
import { PolledList } from '../lists.js';
import { formatTime } from '../ui.js';
import { StatusBadge } from './status.js';

/** Runs the embedded control plane holds, newest first; pick one to watch or read. */
export function RunList({ selected, onSelect }: { selected: string | undefined; onSelect: (runId: string) => void }): ReactNode {
  return (
    <PolledList<RunListItem> path={`${CP}/runs?limit=20`} intervalMs={3000} empty="No run yet.">
      {(runs) => (
        <ul className="run-list" aria-label="Runs" data-testid="run-list">
          {runs.map((r) => (
            <li key={r.id}>
              <button type="button" className="link" aria-current={r.id === selected ? 'true' : undefined} onClick={() => onSelect(r.id)}>
                {r.name}
              </button>{' '}
              <StatusBadge status={r.status} label="Run status" /> <span className="sub">{formatTime(r.created_at)}</span>
            </li>
          ))}
        </ul>
      )}
    </PolledList>
  );
}
