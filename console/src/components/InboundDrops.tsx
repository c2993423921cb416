import type { ReactNode } from 'react';
import { usePoll } from '../api/poll.js';
import type { DropRow, ListOf } from '../api/types.js';
import { Empty, ErrorNote, JsonBlock, formatTime } from './ui.js';

/** Inbound messages Meta would have silently dropped (migration downtime, unregistered number). */
export function InboundDrops(): ReactNode {
  const { data, error } = usePoll<ListOf<DropRow>>('inbound-drops?limit=50', 1000);
  if (!data) return <ErrorNote error={error} />;
  if (data.data.length === 0) return <Empty>No inbound message was dropped.</Empty>;
  return (
    <ul className="feed" aria-label="Dropped inbound messages">
      {data.data.map((d) => (
        <li key={d.id} data-testid={`drop-${d.id}`}>
          <details>
            <summary>
              {formatTime(d.at)} · from {d.from_wa_id} to number {d.phone_number_id} · <strong>{d.reason}</strong>
            </summary>
            <JsonBlock value={d.message} label="Dropped message" />
          </details>
        </li>
      ))}
    </ul>
  );
}
