import type { ReactNode } from 'react';
import type { NumberReport, RunReport } from '../../api/cp-types.js';
import { DataTable } from '../lists.js';
import { NumberCell } from './NumberCell.js';
import { StatusBadge } from './status.js';

const total = (m: NumberReport['messages']): number => m.held + m.sent + m.failed + m.in_doubt;

/** What moved, what did not, and why; each number's verification against its snapshot. */
export function RunReportView({ report }: { report: RunReport }): ReactNode {
  const totals = Object.entries(report.totals).map(([k, v]) => `${v} ${k}`);
  return (
    <div data-testid="run-report">
      <p data-testid="report-totals">
        Run <code>{report.run.id}</code> ({report.run.name}): <strong>{report.run.status}</strong> — {totals.join(', ')}
        {report.run.finished_at ? <span className="sub"> · finished {report.run.finished_at}</span> : null}
      </p>
      <DataTable caption="Report per number" columns={['Number', 'Kind', 'Status', 'Stopped at', 'Messages sent', 'Duration', 'Verification', 'Why']}>
        {report.numbers.map((n) => (
          <tr key={n.phone_number_id} data-testid={`report-${n.phone_number_id}`} data-status={n.status}>
            <NumberCell n={n} />
            <td>{n.kind}</td>
            <td>
              <StatusBadge status={n.status} label="Status" />
            </td>
            <td>{n.step ?? '—'}</td>
            <td>{`${n.messages.sent}/${total(n.messages)}`}</td>
            <td>{n.duration_ms === null ? '—' : `${(n.duration_ms / 1000).toFixed(1)} s`}</td>
            <td>
              <Checks checks={n.verification} />
            </td>
            <td className="wrap">{n.error ?? ''}</td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}

function Checks({ checks }: { checks: NumberReport['verification'] }): ReactNode {
  if (!checks) return <span className="sub">—</span>;
  const failed = checks.filter((c) => !c.ok).length;
  return (
    <details data-testid="verification">
      <summary>{failed === 0 ? `all ${checks.length} passed` : `${failed} of ${checks.length} failed`}</summary>
      <ul>
        {checks.map((c) => (
          <li key={c.name} data-ok={c.ok}>
            {c.ok ? '✓' : '✗'} <code>{c.name}</code>: {c.detail}
          </li>
        ))}
      </ul>
    </details>
  );
}
