import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ERROR_TABLE, FALLBACK } from './error-codes.js';

/**
 * The On-Prem → Cloud error-code table of docs/webhook-gateway.md, generated from ERROR_TABLE so the
 * two are never written twice (`npm run docs:gateway` rewrites it; a test fails when it is stale).
 */

export const DOC_PATH = fileURLToPath(new URL('../../../docs/webhook-gateway.md', import.meta.url));
const BEGIN = '<!-- error-table:begin — generated from src/controlplane/webhook-gateway/error-codes.ts by `npm run docs:gateway`; do not edit by hand -->';
const END = '<!-- error-table:end -->';

export function renderErrorTable(): string {
  const rows = ERROR_TABLE.map((m) => `| ${m.onprem} | ${m.onpremTitle} | ${m.cloud} | ${m.cloudTitle} | ${m.basis} |`);
  return [
    '| On-Prem code | On-Prem title | Cloud code | Cloud title | basis |',
    '|---|---|---|---|---|',
    ...rows,
    `| any other | — | ${FALLBACK.cloud} | ${FALLBACK.cloudTitle} | fallback |`,
  ].join('\n');
}

/** The document with the text between the markers replaced by the current table. */
export function withTable(doc: string): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOC_PATH}: the error-table markers are missing`);
  return `${doc.slice(0, start + BEGIN.length)}\n${renderErrorTable()}\n${doc.slice(end)}`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(DOC_PATH, withTable(readFileSync(DOC_PATH, 'utf8')));
  console.log(`wrote the error-code table of ${DOC_PATH}`);
}
