import type { ReactNode } from 'react';
import type { CodeRow } from '../api/types.js';
import { DataTable, PolledList } from './lists.js';
import { formatTime } from './ui.js';

/** SMS/voice verification codes Meta would have sent to the business numbers. */
export function CodeInbox(): ReactNode {
  return (
    <PolledList<CodeRow> path="code-inbox?limit=20" intervalMs={2000} empty="No codes sent.">
      {(codes) => (
        <DataTable caption="Verification codes" columns={['Sent', 'To', 'Method', 'Code', 'Used']}>
          {codes.map((c) => (
            <tr key={c.id}>
              <td>{formatTime(c.sent_at)}</td>
              <td>
                +{c.cc} {c.number}
              </td>
              <td>{c.method}</td>
              <th scope="row" className="code">
                {c.code}
              </th>
              <td>{c.consumed_at ? formatTime(c.consumed_at) : 'not yet'}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </PolledList>
  );
}
