/**
 * Deepest nesting of arrays and objects a request body may have. JSON.parse copes with far deeper
 * text, but everything after it that walks the value recursively (validation, JSON.stringify into the
 * store) overflows the stack at a few thousand levels — a 25 KB body. Real payloads nest under 10.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether valid JSON text nests arrays/objects deeper than `limit` (string contents skipped). */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}
