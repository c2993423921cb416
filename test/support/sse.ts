import { expect } from 'vitest';

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads server-sent events until `until` says stop (or the server ends the stream). */
export async function readEvents(url: string, init: RequestInit, until: (e: SseEvent) => boolean): Promise<SseEvent[]> {
  const res = await fetch(url, init);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const reader = res.body?.getReader();
  const events: SseEvent[] = [];
  let buffer = '';
  for (;;) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) break;
    buffer += Buffer.from(chunk.value).toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!event || !data) continue;
      const e = { event, data: JSON.parse(data) as Record<string, unknown> };
      events.push(e);
      if (until(e)) {
        await reader?.cancel();
        return events;
      }
    }
  }
  return events;
}
