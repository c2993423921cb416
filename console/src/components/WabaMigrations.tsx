import type { ReactNode } from 'react';
import { usePoll } from '../api/poll.js';
import type { ListOf, WabaMigration } from '../api/types.js';
import { Badge, Empty, ErrorNote, JsonBlock, formatTime } from './ui.js';

/** WABA-to-WABA migrations between Solution Partners: claims and completed moves with their report. */
export function WabaMigrations(): ReactNode {
  const { data, error } = usePoll<ListOf<WabaMigration>>('migrations', 2000);
  if (!data) return <ErrorNote error={error} />;
  if (data.data.length === 0) return <Empty>No WABA-to-WABA migration yet.</Empty>;
  return (
    <ul className="feed" aria-label="WABA-to-WABA migrations">
      {data.data.map((m) => (
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
  );
}
