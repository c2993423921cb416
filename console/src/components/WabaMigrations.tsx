import type { ReactNode } from 'react';
import type { WabaMigration } from '../api/types.js';
import { PolledList } from './lists.js';
import { Badge, Empty, JsonBlock, formatTime } from './ui.js';

/** WABA-to-WABA migrations between Solution Partners: claims and completed moves with their report. */
export function WabaMigrations(): ReactNode {
  return (
    <PolledList<WabaMigration> path="migrations" intervalMs={2000} empty="No WABA-to-WABA migration yet.">
      {(migrations) => (
        <ul className="feed" aria-label="WABA-to-WABA migrations">
          {migrations.map((m) => (
            <li key={m.id} data-testid={`waba-migration-${m.id}`}>
              <details>
                <summary>
                  Number {m.phone_number_id}: WABA {m.source_waba_id} → {m.dest_waba_id} ({m.source_api}){' '}
                  <Badge tone={m.status === 'completed' ? 'good' : m.status === 'pending' ? 'warn' : 'muted'} label="Migration status">
                    {m.status}
                  </Badge>{' '}
                  requested {formatTime(m.requested_at)}
                </summary>
                {m.report ? <JsonBlock value={m.report} label="Migration report" /> : <Empty>No report until it completes.</Empty>}
              </details>
            </li>
          ))}
        </ul>
      )}
    </PolledList>
  );
}
