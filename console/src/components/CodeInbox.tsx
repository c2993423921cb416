import type { ReactNode } from 'react';
import { usePoll } from '../api/poll.js';
import type { CodeRow, ListOf } from '../api/types.js';
import { Empty, ErrorNote, formatTime } from './ui.js';

/** SMS/voice verification codes Meta would have sent to the business numbers. */
export function CodeInbox(): ReactNode {
  const { data, error } = usePoll<ListOf<CodeRow>>('code-inbox?limit=20', 2000);
  if (!data) return <ErrorNote error={error} />;
  if (data.data.length === 0) return <Empty>No codes sent.</Empty>;
  return (
    <table>
      <caption className="visually-hidden">Verification codes</caption>
      <thead>
        <tr>
          <th scope="col">Sent</th>
          <th scope="col">To</th>
          <th scope="col">Method</th>
          <th scope="col">Code</th>
          <th scope="col">Used</th>
        </tr>
      </thead>
      <tbody>
        {data.data.map((c) => (
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
      </tbody>
    </table>
  );
}
