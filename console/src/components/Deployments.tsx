import type { ReactNode } from 'react';
import { usePoll } from '../api/poll.js';
import type { DeploymentView, ListOf } from '../api/types.js';
import { Badge, Empty, ErrorNote } from './ui.js';

/** On-Premises API deployments ("docker run"s) and whether they still reach WhatsApp's servers. */
export function Deployments(): ReactNode {
  const { data, error } = usePoll<ListOf<DeploymentView>>('onprem/deployments', 2000);
  if (!data) return <ErrorNote error={error} />;
  if (data.data.length === 0) return <Empty>No On-Prem deployments.</Empty>;
  return (
    <table>
      <caption className="visually-hidden">On-Prem deployments</caption>
      <thead>
        <tr>
          <th scope="col">Deployment</th>
          <th scope="col">Gateway</th>
          <th scope="col">Number</th>
          <th scope="col">Shards</th>
          <th scope="col">Base URL</th>
        </tr>
      </thead>
      <tbody>
        {data.data.map((d) => (
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
      </tbody>
    </table>
  );
}
