import { useEffect, useRef, useState } from 'react';
import { CP } from './controlplane.js';
import { RUN_EVENT_TYPES, type RunEvent } from './cp-types.js';
import { CONTROL, controlHeaders } from './http.js';
import { applyEvents, EMPTY_LIVE_RUN, type LiveRun, type LoggedEvent } from './live-run.js';
import { parseSse, type SseMessage } from './sse.js';

const isRunEvent = (type: string): type is RunEvent['type'] => (RUN_EVENT_TYPES as readonly string[]).includes(type);

/** Replayed events carry only what was recorded; the `event:` line supplies the type. */
function toRunEvent(m: SseMessage): RunEvent | undefined {
  if (!isRunEvent(m.type)) return undefined;
  try {
    return { ...(JSON.parse(m.data) as object), type: m.type } as RunEvent;
  } catch {
    return undefined;
  }
}

/**
 * Reads the run's event stream with fetch rather than EventSource, which cannot send the control
 * token header. Reconnects after a network failure with `Last-Event-ID`; returns when the server ends
 * the stream (the run is over, paused or cancelled) or `signal` aborts.
 */
async function follow(runId: string, lastId: { current: string | undefined }, onEvent: (e: RunEvent) => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const headers: Record<string, string> = { ...controlHeaders(), accept: 'text/event-stream', ...(lastId.current !== undefined && { 'last-event-id': lastId.current }) };
      const res = await fetch(`${CONTROL}/${CP}/runs/${encodeURIComponent(runId)}/events`, { headers, signal });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        const { messages, rest } = parseSse(buffer + chunk.value);
        buffer = rest;
        for (const m of messages) {
          if (m.id !== undefined) lastId.current = m.id;
          const event = toRunEvent(m);
          if (event) onEvent(event);
        }
      }
      return;
    } catch {
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** Renders at most this often however fast events come (a batch of thousands of numbers is chatty). */
const FLUSH_MS = 250;

/** Follows `runId`'s events while `active`; following again later (after a resume) skips what was seen. */
export function useRunEvents(runId: string | undefined, active: boolean): LiveRun {
  const [live, setLive] = useState<LiveRun>(EMPTY_LIVE_RUN);
  const lastId = useRef<string | undefined>(undefined);
  useEffect(() => {
    setLive(EMPTY_LIVE_RUN);
    lastId.current = undefined;
  }, [runId]);
  useEffect(() => {
    if (!runId || !active) return undefined;
    const abort = new AbortController();
    let pending: LoggedEvent[] = [];
    const flush = (): void => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      setLive((s) => applyEvents(s, batch));
    };
    const timer = setInterval(flush, FLUSH_MS);
    void follow(runId, lastId, (event) => pending.push({ at: Date.now(), event }), abort.signal).finally(flush);
    return () => {
      abort.abort();
      clearInterval(timer);
      flush();
    };
  }, [runId, active]);
  return live;
}
