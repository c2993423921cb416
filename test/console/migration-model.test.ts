import { describe, expect, it } from 'vitest';
import type { NumberTimeline, RunEvent } from '../../console/src/api/cp-types.js';
import { applyEvents, describeEvent, EMPTY_LIVE_RUN } from '../../console/src/api/live-run.js';
import { parseSse } from '../../console/src/api/sse.js';
import { buildTimelineModel, tickStep, type PlatformFacts } from '../../console/src/api/timeline-model.js';

/** The migration view's pure parts: the event-stream parser, the live-run reducer, the timeline model. */

describe('parseSse', () => {
  it('splits complete events, keeps the unfinished rest, skips keep-alive comments', () => {
    const { messages, rest } = parseSse('id: 7\nevent: job_finished\ndata: {"status":"succeeded"}\n\n: ping\n\nevent: step_retry\r\ndata: {"a":\r\n');
    expect(messages).toEqual([{ type: 'job_finished', id: '7', data: '{"status":"succeeded"}' }]);
    expect(rest).toBe('event: step_retry\ndata: {"a":\n');
    expect(parseSse(`${rest}data: 1}\n\n`).messages).toEqual([{ type: 'step_retry', id: undefined, data: '{"a":\n1}' }]);
  });
});

describe('applyEvents', () => {
  const base = { runId: 'r', jobId: 'j', phoneNumberId: '111' };
  it('notes a retry until its step finishes, and a window wait until the batch starts', () => {
    const retry: RunEvent = { ...base, type: 'step_retry', step: 'register', attempt: 1, delayMs: 500, error: 'graph 503' };
    let live = applyEvents(EMPTY_LIVE_RUN, [{ at: 1000, event: retry }, { at: 1000, event: { type: 'window_wait', runId: 'r', batch: 0, ms: 60_000 } }]);
    expect(live.retries['111']).toEqual({ step: 'register', attempt: 1, error: 'graph 503', retryAt: 1500 });
    expect(live.windowWait).toEqual({ batch: 0, until: 61_000 });
    live = applyEvents(live, [{ at: 2000, event: { ...base, type: 'step_finished', step: 'register', index: 3, status: 'succeeded', observed: false } }, { at: 2000, event: { type: 'batch_started', runId: 'r', batch: 0, size: 1 } }]);
    expect(live.retries).toEqual({});
    expect(live.windowWait).toBeUndefined();
    expect([live.log.length, live.tick]).toEqual([4, 2]);
    expect(describeEvent(retry)).toBe('111: register attempt 1 failed (graph 503); retry in 0.5 s');
  });

  it('keeps the last 200 events', () => {
    const events = Array.from({ length: 250 }, (_, i) => ({ at: i, event: { type: 'batch_finished', runId: 'r', batch: i } as RunEvent }));
    expect(applyEvents(EMPTY_LIVE_RUN, events).log.map((e) => e.at)).toEqual(Array.from({ length: 200 }, (_, i) => i + 50));
  });
});

describe('buildTimelineModel', () => {
  const step = (name: string, started: number | null, finished: number | null, status: NumberTimeline['steps'][number]['status'] = 'succeeded'): NumberTimeline['steps'][number] => ({
    name,
    status,
    attempts: 1,
    started_at: started,
    finished_at: finished,
    error: null,
  });
  const job: NumberTimeline = {
    phone_number_id: '111',
    kind: 'onprem_to_cloud',
    batch: 0,
    status: 'succeeded',
    commit_step: 'register',
    started_at: 10_000,
    finished_at: 20_000,
    steps: [step('snapshot', 10_000, 10_500), step('pause_outbound', null, 11_000), step('backup', 11_000, 12_000), step('register', 12_100, 16_000), step('resume_outbound', null, 17_000), step('verify', 17_000, 20_000)],
  };
  // The emulator's clock runs one day ahead of the control plane's.
  const day = 86_400_000;
  const platform: PlatformFacts = {
    offsetMs: day,
    downtimeUntil: day + 15_000,
    drops: [{ at: day + 13_000, reason: 'migration downtime', from_wa_id: '1650' }],
    deliveries: [
      { created_at: day + 5_000, format: 'onprem', field: 'onprem', target_url: 'http://dep/hook', status: 'delivered' },
      { created_at: day + 18_000, format: 'cloud', field: 'messages', target_url: 'http://app/hook', status: 'delivered' },
      { created_at: day + 500_000, format: 'cloud', field: 'messages', target_url: 'http://app/hook', status: 'delivered' },
    ],
  };

  it('lays steps end to end, holds messages from pause to resume, and brings the platform\'s clock back to wall time', () => {
    const model = buildTimelineModel(job, [{ id: 1, phone_number_id: '111', status: 'sent', api: 'cloud', created_at: 13_500, sent_at: 16_900 }], platform, 30_000);
    const lane = (id: string) => model.lanes.find((l) => l.id === id);
    expect(lane('steps')?.spans.map((s) => [s.label, s.from, s.to])).toEqual([
      ['snapshot', 10_000, 10_500],
      ['pause_outbound', 10_500, 11_000],
      ['backup', 11_000, 12_000],
      ['register', 12_000, 16_000],
      ['resume_outbound', 16_000, 17_000],
      ['verify', 17_000, 20_000],
    ]);
    expect(lane('outbound')?.spans.map((s) => [s.kind, s.from, s.to])).toEqual([['hold', 11_000, 17_000]]);
    expect(lane('outbound')?.marks.map((m) => [m.kind, m.at])).toEqual([
      ['message-in', 13_500],
      ['message-out', 16_900],
    ]);
    expect(lane('downtime')?.spans.map((s) => [s.from, s.to])).toEqual([[12_000, 15_000]]);
    expect(lane('inbound')?.marks.map((m) => m.at)).toEqual([13_000]);
    // The delivery long after the job is not part of this picture.
    expect(lane('webhooks')?.marks.map((m) => [m.at, m.variant])).toEqual([
      [5_000, 'onprem'],
      [18_000, 'cloud'],
    ]);
    expect(model.webhookSwitch).toBe(18_000);
    expect([model.from, model.to]).toEqual([5_000, 20_000]);
  });

  it('draws a step in flight up to now, and no downtime before the commit step has started', () => {
    const running: NumberTimeline = { ...job, status: 'running', finished_at: null, steps: [step('snapshot', 10_000, 10_500), step('pause_outbound', null, 11_000), step('backup', 11_000, null, 'started'), step('register', null, null, 'pending')] };
    const model = buildTimelineModel(running, [], { ...platform, downtimeUntil: null }, 11_700);
    expect(model.lanes[0]?.spans.at(-1)).toMatchObject({ label: 'backup', from: 11_000, to: 11_700, status: 'open' });
    expect(model.lanes.find((l) => l.id === 'outbound')?.spans).toMatchObject([{ from: 11_000, to: 11_700, status: 'open' }]);
    expect(model.lanes.find((l) => l.id === 'downtime')?.spans).toEqual([]);
    expect(model.webhookSwitch).toBeUndefined();
  });
});

describe('tickStep', () => {
  it('picks 1, 2 or 5 times a power of ten', () => {
    expect([tickStep(8_000), tickStep(30_000), tickStep(90_000), tickStep(400)]).toEqual([1000, 5000, 20_000, 50]);
  });
});
