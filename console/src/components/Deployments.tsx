import type { ReactNode } from 'react';
import type { DeploymentView } from '../api/types.js';
import { DataTable, PolledList } from './lists.js';
import { Badge } from './ui.js';

/** On-Premises API deployments ("docker run"s) and whether they still reach WhatsApp's servers. */
export function Deployments(): ReactNode {
  return (
    <PolledList<DeploymentView> path="onprem/deployments" intervalMs={2000} empty="No On-Prem deployments.">
      {(deployments) => (
        <DataTable caption="On-Prem deployments" columns={['Deployment', 'Gateway', 'Number', 'Shards', 'Base URL']}>
          {deployments.map((d) => (
            <tr key={d.id} data-testid={`deployment-${d.id}`}>
              <th scope="row">{d.id}</th>
              <td>
                <Badge tone={d.gateway_status === 'connected' ? 'good' : 'bad'} label="Gateway status" testId="gateway-status">
                  {d.gateway_status}
                </Badge>
              </td>
              <td>{d.phone_number_id ?? '—'}</td>
              <td>{d.shards}</td>
              <td className="wrap">
                {d.base_url}/v1/{d.port_url ? <div className="sub">also {d.port_url}/v1/</div> : null}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </PolledList>
  );
}
