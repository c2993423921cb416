import { useState, type ReactNode } from 'react';
import { usePoll } from '../api/poll.js';
import type { Delivery, DeliveryAttempt, DeliveryDetail } from '../api/types.js';
import { Field, SelectField } from './Field.js';
import { PolledList } from './lists.js';
import { Badge, Disclosure, Empty, ErrorNote, JsonBlock, formatTime, type Tone } from './ui.js';

/** The outbox counts failed attempts only (a first-time delivery has 0). */
const failures = (n: number): string => (n === 0 ? '' : ` after ${n} failed attempt${n === 1 ? '' : 's'}`);

const STATUS_TONE: Record<string, Tone> = { delivered: 'good', pending: 'warn', dead: 'bad' };

/** A live feed of webhook deliveries (the outbox), newest first; open one for its attempts. */
const STATUSES = [{ value: '', label: 'any' }, 'pending', 'delivered', 'dead'] as const;

export function Deliveries(): ReactNode {
  const [status, setStatus] = useState('');
  const [field, setField] = useState('');
  const query = new URLSearchParams({ limit: '30', ...(status && { status }), ...(field && { field }) });
  return (
    <>
      <div className="form-grid filters" role="search" aria-label="Filter deliveries">
        <SelectField label="Status" name="status" value={status} onChange={setStatus} options={STATUSES} />
        <Field label="Field" name="field" value={field} onChange={setField} hint="e.g. messages, account_update" />
      </div>
      <PolledList<Delivery> path={`webhook-deliveries?${query.toString()}`} intervalMs={1000} empty="No webhook delivery (matching the filter) yet.">
        {(deliveries) => (
          <ul className="feed" aria-label="Webhook deliveries" data-testid="deliveries">
            {deliveries.map((d) => (
              <li key={d.id} data-testid={`delivery-${d.id}`} data-field={d.field} data-status={d.status}>
                <Disclosure summary={`#${d.id} · ${d.field} (${d.format}) · ${d.status}${failures(d.attempts)} · ${formatTime(d.created_at)} → ${d.target_url}`}>
                  <DeliveryDetailView id={d.id} />
                </Disclosure>
              </li>
            ))}
          </ul>
        )}
      </PolledList>
    </>
  );
}

function DeliveryDetailView({ id }: { id: number }): ReactNode {
  const { data, error } = usePoll<DeliveryDetail>(`webhook-deliveries/${id}`, 1000);
  if (!data) return <ErrorNote error={error} />;
  return (
    <div className="delivery" data-testid="delivery-detail">
      <p>
        <Badge tone={STATUS_TONE[data.status] ?? 'muted'} label="Delivery status">
          {data.status}
        </Badge>{' '}
        app {data.app_id} · WABA {data.waba_id}
        {data.phone_number_id ? ` · number ${data.phone_number_id}` : ''}
        {data.last_error ? ` · last error: ${data.last_error}` : ''}
      </p>
      <h4>Change value</h4>
      <JsonBlock value={data.value} label="Webhook change value" />
      <h4>Attempts ({data.attempts.length})</h4>
      {data.attempts.length === 0 ? <Empty>Not attempted yet.</Empty> : <ol className="attempts">{data.attempts.map((a) => <Attempt key={a.id} a={a} />)}</ol>}
    </div>
  );
}

function Attempt({ a }: { a: DeliveryAttempt }): ReactNode {
  const ok = a.http_status !== null && a.http_status >= 200 && a.http_status < 300;
  return (
    <li data-testid="delivery-attempt">
      <p>
        {formatTime(a.started_at)} · POST {a.url} →{' '}
        <Badge tone={ok ? 'good' : 'bad'} label="HTTP status" testId="attempt-status">
          {a.http_status ?? 'no response'}
        </Badge>{' '}
        in {a.duration_ms} ms{a.error ? ` · ${a.error}` : ''}
      </p>
      <dl>
        <dt>X-Hub-Signature-256</dt>
        <dd>
          <code data-testid="attempt-signature">{a.signature || '(unsigned: On-Prem webhooks carry no signature)'}</code>
        </dd>
        <dt>Response</dt>
        <dd>
          <code>{a.response_snippet ?? '—'}</code>
        </dd>
      </dl>
      <JsonBlock value={a.payload} label="Payload sent" />
    </li>
  );
}
