import type { ReactNode } from 'react';
import type { StateView } from '../api/types.js';
import { Empty } from './ui.js';
import { DataTable } from './lists.js';

/** Apps, where their webhooks go, and which WABAs they are subscribed to. */
export function Apps({ state }: { state: StateView }): ReactNode {
  if (state.apps.length === 0) return <Empty>No apps.</Empty>;
  const wabaName = (id: string): string => state.wabas.find((w) => w.id === id)?.name ?? id;
  return (
    <DataTable caption="Apps and subscriptions" columns={['App', 'Callback URL', 'Fields', 'Subscribed WABAs']}>
        {state.apps.map((a) => {
          const subs = state.subscriptions.filter((s) => s.app_id === a.id);
          return (
            <tr key={a.id} data-testid={`app-${a.id}`}>
              <th scope="row">
                {a.name}
                <div className="sub">id {a.id}</div>
              </th>
              <td className="wrap">{a.callback_url ?? '—'}</td>
              <td>{a.subscribed_fields.join(', ') || '—'}</td>
              <td>{subs.length === 0 ? 'none' : subs.map((s) => wabaName(s.waba_id)).join(', ')}</td>
            </tr>
          );
        })}
      </DataTable>
  );
}
