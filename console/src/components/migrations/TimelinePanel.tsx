import { useState, type ReactNode } from 'react';
import { CP } from '../../api/controlplane.js';
import type { NumberReport, RunTimeline } from '../../api/cp-types.js';
import { usePoll } from '../../api/poll.js';
import { buildTimelineModel, type Lane, type TimelineModel } from '../../api/timeline-model.js';
import type { Delivery, DropRow, ListOf, NumberRow } from '../../api/types.js';
import { SelectField } from '../Field.js';
import { Empty, ErrorNote } from '../ui.js';
import { TimelineChart } from './TimelineChart.js';

interface TimelinePanelProps {
  runId: string;
  numbers: readonly NumberReport[];
  active: boolean;
  tick: number;
  offsetMs: number | undefined;
}

/**
 * One number's migration on a time axis: the control plane's steps and held messages, the platform's
 * downtime window, the inbound messages it dropped and where its webhooks went.
 */
export function TimelinePanel({ runId, numbers, active, tick, offsetMs }: TimelinePanelProps): ReactNode {
  const moving = numbers.filter((n) => n.batch !== null);
  const [picked, setPicked] = useState<string | undefined>();
  const number = picked ?? moving[0]?.phone_number_id;
  const q = number === undefined ? null : encodeURIComponent(number);
  const every = active ? 1000 : 5000;
  const timeline = usePoll<RunTimeline>(q && `${CP}/runs/${encodeURIComponent(runId)}/timeline?phone_number_id=${q}`, every, tick);
  const drops = usePoll<ListOf<DropRow>>(q && `inbound-drops?phone_number_id=${q}&limit=200`, every, tick);
  const deliveries = usePoll<ListOf<Delivery>>(q && `webhook-deliveries?phone_number_id=${q}&limit=200`, every, tick);
  const row = usePoll<NumberRow>(q && `phone-numbers/${q}`, every, tick);
  if (number === undefined) return <Empty>No number of this run moves (all were skipped by pre-flight).</Empty>;
  const job = timeline.data?.numbers[0];
  const notStarted = timeline.data !== undefined && (job?.started_at ?? null) === null;
  const ready = job && drops.data && deliveries.data && row.data && offsetMs !== undefined;
  const model = ready
    ? buildTimelineModel(job, timeline.data?.messages ?? [], { offsetMs, downtimeUntil: row.data?.downtime_until ?? null, drops: drops.data?.data ?? [], deliveries: deliveries.data?.data ?? [] }, Date.now())
    : undefined;
  return (
    <div data-testid="timeline">
      <div className="form-grid">
        <SelectField label="Number" name="timeline_number" value={number} onChange={setPicked} options={moving.map((n) => ({ value: n.phone_number_id, label: `${n.phone_number_id}${n.label ? ` (${n.label})` : ''}` }))} />
      </div>
      <ErrorNote error={timeline.error ?? drops.error ?? deliveries.error ?? row.error} />
      {notStarted ? <Empty>{`${number} has not started (yet): nothing to draw.`}</Empty> : null}
      {model && !notStarted ? (
        <>
          <TimelineChart model={model} title={`Timeline of ${number}: steps, held messages, downtime, dropped inbound messages and webhooks`} />
          <TimelineTable model={model} />
        </>
      ) : null}
    </div>
  );
}

/** The chart's content as a table: for screen readers, and for reading exact times. */
function TimelineTable({ model }: { model: TimelineModel }): ReactNode {
  const rel = (t: number): string => `+${((t - model.from) / 1000).toFixed(2)} s`;
  const rows = model.lanes.flatMap((lane: Lane) => [
    ...lane.spans.map((s) => ({ at: s.from, lane: lane.title, what: `${s.label} (${((s.to - s.from) / 1000).toFixed(2)} s)`, detail: s.detail })),
    ...lane.marks.map((m) => ({ at: m.at, lane: lane.title, what: m.label, detail: m.variant })),
  ]);
  if (model.webhookSwitch !== undefined) rows.push({ at: model.webhookSwitch, lane: 'Webhooks', what: 'webhooks switched', detail: 'first delivery to the new destination' });
  rows.sort((a, b) => a.at - b.at);
  return (
    <details>
      <summary>Timeline as a table ({rows.length} entries)</summary>
      <table data-testid="timeline-table">
        <caption className="visually-hidden">Timeline entries in time order</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Lane</th>
            <th scope="col">What</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td>{rel(r.at)}</td>
              <td>{r.lane}</td>
              <td>{r.what}</td>
              <td className="wrap">{r.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
