import type { MessageTimeline, NumberTimeline } from './cp-types.js';

/**
 * A migration's timeline for one number, from two sources on two clocks: the control plane's records
 * (steps, messages it held; wall-clock ms) and the platform's inspection endpoints (downtime, dropped
 * inbound messages, webhook deliveries; the emulator's clock, which the operator may have moved —
 * `offsetMs` brings it back to wall time). Pure: the chart only draws what this returns.
 */

export type SpanKind = 'step' | 'hold' | 'downtime';
export type MarkKind = 'drop' | 'webhook' | 'message-in' | 'message-out';

export interface Span {
  kind: SpanKind;
  label: string;
  from: number;
  to: number;
  /** Step status, `open` for a span still running. */
  status: string;
  detail: string;
}

export interface Mark {
  kind: MarkKind;
  at: number;
  label: string;
  /** For webhooks: `cloud` or `onprem`; for messages: their status. */
  variant: string;
}

export interface Lane {
  id: 'steps' | 'outbound' | 'downtime' | 'inbound' | 'webhooks';
  title: string;
  spans: Span[];
  marks: Mark[];
}

export interface TimelineModel {
  from: number;
  to: number;
  lanes: Lane[];
  /** When deliveries for the number started going to where it now lives. */
  webhookSwitch: number | undefined;
}

/** What the platform says about the number (its own clock). */
export interface PlatformFacts {
  offsetMs: number;
  downtimeUntil: number | null;
  drops: readonly { at: number; reason: string; from_wa_id: string }[];
  deliveries: readonly { created_at: number; format: string; field: string; target_url: string; status: string }[];
}

/** Platform events this long before the job started or after it ended still belong to the picture. */
const MARGIN_MS = 60_000;

export function buildTimelineModel(n: NumberTimeline, messages: readonly MessageTimeline[], platform: PlatformFacts, now: number): TimelineModel {
  const start = n.started_at ?? now;
  const end = n.finished_at ?? now;
  const wall = (platformMs: number): number => platformMs - platform.offsetMs;
  const near = (t: number): boolean => t >= start - MARGIN_MS && t <= end + MARGIN_MS;
  const steps = stepSpans(n, now);
  const commit = steps.find((s) => s.label === n.commit_step);
  const drops = platform.drops.map((d) => ({ ...d, at: wall(d.at) })).filter((d) => near(d.at));
  const deliveries = platform.deliveries.map((d) => ({ ...d, at: wall(d.created_at) })).filter((d) => near(d.at)).sort((a, b) => a.at - b.at);
  const downtimeEnd = platform.downtimeUntil === null ? undefined : wall(platform.downtimeUntil);
  const lanes: Lane[] = [
    { id: 'steps', title: 'Steps', spans: steps, marks: [] },
    { id: 'outbound', title: 'Outbound (held / sent)', spans: holdSpan(steps, now), marks: messageMarks(messages) },
    {
      id: 'downtime',
      title: 'Platform downtime',
      spans: commit && downtimeEnd !== undefined && near(downtimeEnd) && downtimeEnd > commit.from ? [{ kind: 'downtime', label: 'downtime', from: commit.from, to: downtimeEnd, status: downtimeEnd > now ? 'open' : 'done', detail: 'inbound messages are dropped' }] : [],
      marks: [],
    },
    { id: 'inbound', title: 'Inbound dropped', spans: [], marks: drops.map((d) => ({ kind: 'drop', at: d.at, label: `from ${d.from_wa_id}: ${d.reason}`, variant: 'dropped' })) },
    { id: 'webhooks', title: 'Webhooks', spans: [], marks: deliveries.map((d) => ({ kind: 'webhook', at: d.at, label: `${d.field} (${d.format}) → ${d.target_url} · ${d.status}`, variant: d.format })) },
  ];
  const times = lanes.flatMap((l) => [...l.spans.flatMap((s) => [s.from, s.to]), ...l.marks.map((m) => m.at)]);
  return { from: Math.min(start, ...times), to: Math.max(end, start + 1000, ...times), lanes, webhookSwitch: webhookSwitch(deliveries, commit?.from) };
}

/** Each step spans from the end of the one before (so retries and back-off show) to its own end. */
function stepSpans(n: NumberTimeline, now: number): Span[] {
  const spans: Span[] = [];
  let cursor = n.started_at;
  for (const s of n.steps) {
    const from = cursor ?? s.started_at ?? s.finished_at;
    const to = s.finished_at ?? (s.status === 'started' ? now : undefined);
    if (from === null || from === undefined || to === undefined) break;
    const attempts = s.attempts > 1 ? ` · ${s.attempts} attempts` : '';
    spans.push({ kind: 'step', label: s.name, from, to, status: s.finished_at === null ? 'open' : s.status, detail: `${s.status}${attempts}${s.error ? ` · last error: ${s.error}` : ''}` });
    cursor = to;
  }
  return spans;
}

/** The gate is held from `pause_outbound` to `resume_outbound` (or still, while the job runs). */
function holdSpan(steps: readonly Span[], now: number): Span[] {
  const paused = steps.find((s) => s.label === 'pause_outbound');
  if (!paused || paused.status === 'open') return [];
  const resumed = steps.find((s) => s.label === 'resume_outbound' && s.status !== 'open');
  return [{ kind: 'hold', label: 'messages held', from: paused.to, to: resumed?.to ?? now, status: resumed ? 'done' : 'open', detail: 'the partner\'s messages wait in the control plane' }];
}

function messageMarks(messages: readonly MessageTimeline[]): Mark[] {
  return messages.flatMap((m): Mark[] => [
    { kind: 'message-in', at: m.created_at, label: `message #${m.id} accepted`, variant: m.status },
    ...(m.sent_at === null ? [] : [{ kind: 'message-out' as const, at: m.sent_at, label: `message #${m.id} sent on ${m.api ?? '?'}`, variant: m.status }]),
  ]);
}

/**
 * The first delivery from the commit step on that goes somewhere else than the deliveries before it
 * did (or, with none before, the first one after): where the number's webhooks now go.
 */
function webhookSwitch(deliveries: readonly { at: number; target_url: string; format: string }[], commitAt: number | undefined): number | undefined {
  if (commitAt === undefined) return undefined;
  const before = deliveries.filter((d) => d.at < commitAt).at(-1);
  return deliveries.find((d) => d.at >= commitAt && (before === undefined || d.target_url !== before.target_url || d.format !== before.format))?.at;
}

/** Tick spacing for about `count` ticks over `spanMs`: 1, 2, 5 × 10ⁿ ms. */
export function tickStep(spanMs: number, count = 8): number {
  const raw = Math.max(spanMs / count, 1);
  const base = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * base).find((s) => s >= raw) ?? 10 * base;
}
