import { Fragment, useState, type ReactNode } from 'react';
import { displayPhoneNumber } from '../../../src/platform/phone-numbers/domain.js';
import { control } from '../api/http.js';
import type { Business, DemoView, NumberRow, Waba } from '../api/types.js';
import { MigrateToCloud } from './MigrateToCloud.js';
import { ApiBadge, DowntimeBadge, HealthBadge, NameBadge, QualityBadge, healthOf } from './NumberBadges.js';
import { ActionOutcome, Badge, Empty, useAction } from './ui.js';
import { DataTable } from './lists.js';

const NUMBER_COLUMNS = ['Number', 'Display name', 'API', 'Status', 'Health', 'Quality', 'OBA', 'Throughput', 'Name status', 'Actions'];

const namePending = (n: NumberRow): boolean => n.new_verified_name !== null || n.name_status === 'PENDING_REVIEW' || n.name_status === 'NONE';

export interface NumbersContext {
  waba: Waba;
  business: Business;
  demo: DemoView | undefined;
  nowMs: number | undefined;
}

export function NumbersTable({ numbers, context }: { numbers: NumberRow[]; context: NumbersContext }): ReactNode {
  const [migrating, setMigrating] = useState<string | undefined>();
  if (numbers.length === 0) return <Empty>No phone numbers.</Empty>;
  return (
    <DataTable caption={`Phone numbers of ${context.waba.name}`} className="numbers" columns={NUMBER_COLUMNS}>
        {numbers.map((n) => (
          <Fragment key={n.id}>
            <NumberLine n={n} context={context} onMigrate={() => setMigrating(migrating === n.id ? undefined : n.id)} />
            {migrating === n.id ? (
              <tr>
                <td colSpan={NUMBER_COLUMNS.length}>
                  <MigrateToCloud n={n} demo={context.demo} onClose={() => setMigrating(undefined)} />
                </td>
              </tr>
            ) : null}
          </Fragment>
        ))}
      </DataTable>
  );
}

function NumberLine({ n, context, onMigrate }: { n: NumberRow; context: NumbersContext; onMigrate: () => void }): ReactNode {
  const action = useAction();
  const decide = (decision: 'approve' | 'reject'): Promise<void> =>
    action.run(async () => {
      await control('POST', `phone-numbers/${n.id}/display-name/${decision}`);
      return `Display name ${decision === 'approve' ? 'approved' : 'rejected'}`;
    });
  return (
    <tr data-testid={`number-${n.id}`}>
      <th scope="row">
        {displayPhoneNumber(n)}
        <div className="sub">id {n.id}</div>
      </th>
      <td>{n.verified_name}</td>
      <td>
        <ApiBadge api={n.api} />
        {n.onprem_deployment_id ? <div className="sub">deployment {n.onprem_deployment_id}</div> : null}
      </td>
      <td>
        <span data-testid="number-status">{n.status}</span> <DowntimeBadge n={n} nowMs={context.nowMs} />
      </td>
      <td>
        <HealthBadge health={healthOf(n, context.waba, context.business)} />
      </td>
      <td>
        <QualityBadge quality={n.quality_rating} />
      </td>
      <td data-testid="number-oba">{n.is_official_business_account ? <Badge tone="info">OBA</Badge> : 'no'}</td>
      <td data-testid="number-throughput">{n.throughput_level}</td>
      <td>
        <NameBadge n={n} />
      </td>
      <td>
        <div className="row-actions">
        {namePending(n) ? (
          <>
            <button type="button" disabled={action.busy} onClick={() => void decide('approve')}>
              Approve name
            </button>
            <button type="button" className="secondary" disabled={action.busy} onClick={() => void decide('reject')}>
              Reject name
            </button>
          </>
        ) : null}
        {n.api === 'onprem' && n.onprem_deployment_id ? (
          <button type="button" onClick={onMigrate}>
            Migrate to Cloud API
          </button>
        ) : null}
        </div>
        <ActionOutcome action={action} testId={`number-outcome-${n.id}`} />
      </td>
    </tr>
  );
}
