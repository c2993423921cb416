import type { ReactNode } from 'react';
import type { Finding, PreflightReport } from '../../api/cp-types.js';
import { DataTable } from '../lists.js';
import { NumberCell } from './NumberCell.js';
import { StatusBadge } from './status.js';

/** Pre-flight, per number: ready or blocked (blocked numbers are skipped untouched), and why. */
export function PreflightView({ report }: { report: PreflightReport }): ReactNode {
  return (
    <div data-testid="preflight">
      <p data-testid="preflight-summary">
        Plan <strong>{report.plan}</strong>: {report.ready} ready, {report.blocked} blocked.
      </p>
      <DataTable caption="Pre-flight findings per number" columns={['Number', 'Kind', 'Verdict', 'Findings']}>
        {report.numbers.map((n) => (
          <tr key={n.phone_number_id} data-testid={`preflight-${n.phone_number_id}`} data-verdict={n.verdict}>
            <NumberCell n={n} />
            <td>{n.kind}</td>
            <td>
              <StatusBadge status={n.verdict} label="Verdict" testId="verdict" />
            </td>
            <td>
              <Findings findings={n.findings} />
            </td>
          </tr>
        ))}
      </DataTable>
      {report.notes.length > 0 ? (
        <details>
          <summary>Not checkable read-only ({report.notes.length})</summary>
          <ul>
            {report.notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

export function Findings({ findings }: { findings: readonly Finding[] }): ReactNode {
  if (findings.length === 0) return <span className="sub">none</span>;
  return (
    <ul className="findings">
      {findings.map((f, i) => (
        <li key={i} data-testid={`finding-${f.rule}`} data-severity={f.severity}>
          <StatusBadge status={f.severity} label="Severity" /> <code>{f.rule}</code> {f.message}
          {f.fix ? <div className="sub">Fix: {f.fix}</div> : null}
        </li>
      ))}
    </ul>
  );
}
