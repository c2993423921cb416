/** One server-sent event: its `event:` type, `id:` (when recorded) and `data:` text. */
export interface SseMessage {
  type: string;
  id: string | undefined;
  data: string;
}

/**
 * Splits what arrived so far into complete events and the unfinished rest (events end with a blank
 * line; `:` lines are keep-alive comments). Pure, so the console's stream reader is tested without a server.
 */
export function parseSse(buffer: string): { messages: SseMessage[]; rest: string } {
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  const messages: SseMessage[] = [];
  for (const block of blocks) {
    let type = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) messages.push({ type, id, data: data.join('\n') });
  }
  return { messages, rest };
}
