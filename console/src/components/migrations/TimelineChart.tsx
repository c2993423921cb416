import type { ReactNode } from 'react';
import { tickStep, type Lane, type Mark, type Span, type TimelineModel } from '../../api/timeline-model.js';

/** Plain SVG (no chart library): five lanes of bars and markers on one time axis; see docs/console.md. */
const WIDTH = 1000;
const LABEL_W = 170;
const PLOT_W = WIDTH - LABEL_W - 16;
const AXIS_H = 26;
const LANE_H = 34;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;

export function TimelineChart({ model, title }: { model: TimelineModel; title: string }): ReactNode {
  const span = Math.max(model.to - model.from, 1);
  const x = (t: number): number => LABEL_W + ((t - model.from) / span) * PLOT_W;
  const height = AXIS_H + model.lanes.length * LANE_H + 8;
  const step = tickStep(span);
  const ticks = Array.from({ length: Math.floor(span / step) + 1 }, (_, i) => i * step);
  return (
    <figure className="timeline" data-testid="timeline-chart">
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-labelledby="timeline-title" preserveAspectRatio="xMinYMin meet">
        <title id="timeline-title">{title}</title>
        <g className="tl-axis">
          {ticks.map((t) => (
            <g key={t}>
              <line x1={x(model.from + t)} x2={x(model.from + t)} y1={AXIS_H - 4} y2={height - 8} />
              <text x={x(model.from + t)} y={AXIS_H - 9} textAnchor="middle">
                +{seconds(t)}
              </text>
            </g>
          ))}
        </g>
        {model.lanes.map((lane, i) => (
          <LaneRow key={lane.id} lane={lane} top={AXIS_H + i * LANE_H} x={x} />
        ))}
        {model.webhookSwitch !== undefined ? (
          <g className="tl-switch" data-testid="tl-webhook-switch">
            <title>{`webhooks switched at +${seconds(model.webhookSwitch - model.from)}`}</title>
            <line x1={x(model.webhookSwitch)} x2={x(model.webhookSwitch)} y1={AXIS_H} y2={height - 8} />
            {/* Near the right edge the label goes to the left of the line. */}
            <text x={x(model.webhookSwitch) + (x(model.webhookSwitch) > WIDTH - 130 ? -4 : 4)} y={height - 12} textAnchor={x(model.webhookSwitch) > WIDTH - 130 ? 'end' : 'start'}>
              webhooks switched
            </text>
          </g>
        ) : null}
      </svg>
      <figcaption className="tl-legend">
        <span className="tl-key tl-key-hold">messages held</span> <span className="tl-key tl-key-downtime">platform downtime</span>{' '}
        <span className="tl-key tl-key-drop">inbound dropped</span> <span className="tl-key tl-key-onprem">On-Prem webhook</span>{' '}
        <span className="tl-key tl-key-cloud">Cloud API webhook</span> <span className="tl-key tl-key-message">message accepted ○ / sent ●</span> · starts{' '}
        {new Date(model.from).toLocaleTimeString()}
      </figcaption>
    </figure>
  );
}

function LaneRow({ lane, top, x }: { lane: Lane; top: number; x: (t: number) => number }): ReactNode {
  const mid = top + LANE_H / 2;
  return (
    <g className={`tl-lane tl-lane-${lane.id}`} data-testid={`tl-lane-${lane.id}`}>
      <rect className="tl-lane-bg" x={0} y={top} width={WIDTH} height={LANE_H} />
      <text className="tl-lane-title" x={8} y={mid + 4}>
        {lane.title}
      </text>
      {lane.spans.map((s, i) => (
        <SpanBar key={`s${i}`} s={s} top={top} x={x} />
      ))}
      {lane.marks.map((m, i) => (
        <MarkGlyph key={`m${i}`} m={m} y={mid} cx={x(m.at)} />
      ))}
    </g>
  );
}

function SpanBar({ s, top, x }: { s: Span; top: number; x: (t: number) => number }): ReactNode {
  const left = x(s.from);
  const width = Math.max(x(s.to) - left, 2);
  const testId = s.kind === 'step' ? `tl-step-${s.label}` : `tl-${s.kind}`;
  return (
    <g className={`tl-span tl-${s.kind} tl-status-${s.status}`} data-testid={testId} data-status={s.status}>
      <title>{`${s.label}: ${seconds(s.to - s.from)} — ${s.detail}`}</title>
      <rect x={left} y={top + 7} width={width} height={LANE_H - 14} rx={3} />
      {width > s.label.length * 6.2 + 6 ? (
        <text x={left + 4} y={top + LANE_H / 2 + 4}>
          {s.label}
        </text>
      ) : null}
    </g>
  );
}

function MarkGlyph({ m, y, cx }: { m: Mark; y: number; cx: number }): ReactNode {
  const common = { 'data-testid': `tl-mark-${m.kind}`, 'data-variant': m.variant, className: `tl-mark tl-mark-${m.kind} tl-variant-${m.variant}` };
  const tip = <title>{m.label}</title>;
  if (m.kind === 'drop') {
    return (
      <g {...common}>
        {tip}
        <path d={`M${cx - 5},${y - 5} L${cx + 5},${y + 5} M${cx + 5},${y - 5} L${cx - 5},${y + 5}`} />
      </g>
    );
  }
  return (
    <g {...common}>
      {tip}
      <circle cx={cx} cy={y} r={m.kind === 'webhook' ? 5 : 4.5} />
    </g>
  );
}
