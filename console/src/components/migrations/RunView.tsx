import type { ReactNode } from 'react';
import { CP } from '../../api/controlplane.js';
import type { RunReport, RunSummary } from '../../api/cp-types.js';
import { usePoll } from '../../api/poll.js';
import { useRunEvents } from '../../api/run-events.js';
import { ErrorNote, Section } from '../ui.js';
import { BatchProgress } from './BatchProgress.js';
import { GatewayForm } from './GatewayForm.js';
import { LiveFeed } from './LiveFeed.js';
import { RunControls } from './RunControls.js';
import { RunReportView } from './RunReportView.js';
import { isRunActive } from './status.js';
import { TimelinePanel } from './TimelinePanel.js';

interface RunViewProps {
  runId: string;
  env: () => Record<string, string>;
  consumer: string | undefined;
  offsetMs: number | undefined;
}

/**
 * One run, live: the event stream (retries, window waits, a log) drives immediate re-reads of the
 * durable report (steps, messages), which is also polled — a late or reconnecting browser loses nothing.
 */
export function RunView({ runId, env, consumer, offsetMs }: RunViewProps): ReactNode {
  const path = `${CP}/runs/${encodeURIComponent(runId)}`;
  const polled = usePoll<RunSummary>(path, 1000);
  const summary = polled.data;
  // Follow from the first render: a run just started emits its first steps before a poll could tell.
  const active = summary === undefined || isRunActive(summary.status);
  const live = useRunEvents(runId, active);
  const report = usePoll<RunReport>(`${path}/report`, active ? 1000 : 5000, live.tick);
  if (!summary || !report.data) return <ErrorNote error={polled.error ?? report.error} />;
  const over = summary.status === 'finished' || summary.status === 'cancelled';
  return (
    <div className="run" data-testid="run" data-run-id={runId}>
      <Section title={`Run ${runId}`} id="run-progress">
        <RunControls summary={summary} env={env} />
        <BatchProgress report={report.data} live={live} active={active} />
      </Section>
      <div className="run-side">
        <Section title="Live events" id="live-events">
          <LiveFeed live={live} following={active} />
        </Section>
        <Section title="Held messages" id="gateway">
          <GatewayForm numbers={report.data.numbers} consumer={consumer} />
        </Section>
      </div>
      <Section title={over ? 'Final report' : 'Report so far'} id="run-report">
        <RunReportView report={report.data} />
      </Section>
      <Section title="Timeline" id="timeline">
        <TimelinePanel runId={runId} numbers={report.data.numbers} active={active} tick={live.tick} offsetMs={offsetMs} />
      </Section>
    </div>
  );
}
