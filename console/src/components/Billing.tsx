import type { ReactNode } from 'react';
import { usePoll } from '../api/poll.js';
import type { LedgerView } from '../api/types.js';
import { Empty, ErrorNote } from './ui.js';
import { DataTable } from './lists.js';

const money = (micros: number, currency: string): string => `${(micros / 1_000_000).toFixed(4)} ${currency}`;

/** A WABA's billing ledger: totals by category (entries are one per delivered billable message). */
export function Billing({ wabaId }: { wabaId: string }): ReactNode {
  const { data, error } = usePoll<LedgerView>(`billing/${wabaId}`, 3000);
  if (!data) return <ErrorNote error={error} />;
  const categories = Object.entries(data.by_category);
  return (
    <div data-testid={`billing-${wabaId}`}>
      <p>
        Total charged: <strong data-testid="billing-total">{money(data.total_micros, data.currency)}</strong> ({data.entries.length} billable
        messages)
      </p>
      {categories.length === 0 ? (
        <Empty>No charges yet.</Empty>
      ) : (
        <DataTable caption="Charges by category" columns={['Category', 'Messages', 'Amount']}>
            {categories.map(([category, c]) => (
              <tr key={category}>
                <th scope="row">{category}</th>
                <td>{c.count}</td>
                <td>{money(c.amount_micros, data.currency)}</td>
              </tr>
            ))}
          </DataTable>
      )}
    </div>
  );
}
