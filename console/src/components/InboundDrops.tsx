import type { ReactNode } from 'react';
import type { DropRow } from '../api/types.js';
import { PolledList } from './lists.js';
import { JsonBlock, formatTime } from './ui.js';

/** Inbound messages Meta would have silently dropped (migration downtime, unregistered number). */
export function InboundDrops(): ReactNode {
  return (
    <PolledList<DropRow> path="inbound-drops?limit=50" intervalMs={1000} empty="No inbound message was dropped.">
      {(drops) => (
        <ul className="feed" aria-label="Dropped inbound messages">
          {drops.map((d) => (
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
      )}
    </PolledList>
  );
}
