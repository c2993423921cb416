import type { ReactNode } from 'react';
import type { StateView } from '../api/types.js';
import { Badge, Empty, type Tone } from './ui.js';
import { DataTable } from './lists.js';

const STATUS_TONE: Record<string, Tone> = { APPROVED: 'good', PENDING: 'warn', REJECTED: 'bad', PAUSED: 'warn', DISABLED: 'bad' };
const QUALITY_TONE: Record<string, Tone> = { GREEN: 'good', YELLOW: 'warn', RED: 'bad' };

export function Templates({ templates }: { templates: StateView['templates'] }): ReactNode {
  if (templates.length === 0) return <Empty>No message templates.</Empty>;
  return (
    <DataTable caption="Message templates" columns={['Template', 'Language', 'Category', 'Status', 'Quality']}>
        {templates.map((t) => (
          <tr key={t.id} data-testid={`template-${t.id}`}>
            <th scope="row">{t.name}</th>
            <td>{t.language}</td>
            <td>{t.category}</td>
            <td>
              <Badge tone={STATUS_TONE[t.status] ?? 'muted'} label="Template status">
                {t.status}
              </Badge>
              {t.rejected_reason && t.rejected_reason !== 'NONE' ? <div className="sub">{t.rejected_reason}</div> : null}
            </td>
            <td>
              <Badge tone={QUALITY_TONE[t.quality_score] ?? 'muted'} label="Template quality">
                {t.quality_score}
              </Badge>
            </td>
          </tr>
        ))}
      </DataTable>
  );
}
