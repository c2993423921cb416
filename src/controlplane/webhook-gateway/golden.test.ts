import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { appEnvelope } from './contract.js';
import { normaliseCloud } from './normalise-cloud.js';
import { normaliseOnprem } from './normalise-onprem.js';
import type { NumberRef } from './normalise.js';

/**
 * Golden tests: every fixture in golden/ is a webhook as one API posts it (`input`) and exactly what
 * the app receives for it (`expected`: the Cloud envelope, or null when nothing is forwarded) plus
 * what was dropped and why. `UPDATE_GOLDEN=1` rewrites `expected` (review the diff before committing).
 */

const DIR = fileURLToPath(new URL('./golden/', import.meta.url));
const NUMBER: NumberRef = { wabaId: '102290129340398', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' } };

interface Fixture {
  format: 'onprem' | 'cloud';
  about: string;
  input: unknown;
  expected?: unknown;
  dropped?: string[];
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

function run(f: Fixture): { expected: unknown; dropped: string[] } {
  const { events, dropped } = f.format === 'onprem' ? normaliseOnprem(f.input, NUMBER) : normaliseCloud(f.input);
  return { expected: events.length === 0 ? null : appEnvelope(events), dropped: dropped.map((d) => d.reason) };
}

describe('golden webhooks: each API\'s payload → the app\'s Cloud-format payload', () => {
  it.each(files)('%s', (file) => {
    const path = `${DIR}${file}`;
    const fixture = JSON.parse(readFileSync(path, 'utf8')) as Fixture;
    expect(file.endsWith(`.${fixture.format}.json`)).toBe(true);
    const actual = run(fixture);
    if (process.env['UPDATE_GOLDEN'] === '1') {
      writeFileSync(path, `${JSON.stringify({ format: fixture.format, about: fixture.about, input: fixture.input, ...actual }, null, 2)}\n`);
      return;
    }
    expect(actual).toEqual({ expected: fixture.expected, dropped: fixture.dropped });
  });

  it('covers every message and status type in both formats', () => {
    const both = ['text', 'image', 'audio', 'voice', 'video', 'document', 'sticker', 'location', 'contacts', 'interactive-button-reply', 'interactive-list-reply', 'button', 'reaction', 'order', 'system', 'unsupported', 'status-sent', 'status-delivered', 'status-read', 'status-failed', 'errors', 'batch'];
    for (const name of both) for (const format of ['onprem', 'cloud']) expect(files, `${name}.${format}.json`).toContain(`${name}.${format}.json`);
  });

  it('an On-Prem fixture and its Cloud twin give the app the same message apart from ids', () => {
    const twins = files.filter((f) => f.endsWith('.onprem.json') && files.includes(f.replace('.onprem.', '.cloud.')));
    const sameShape = ['text', 'image', 'video', 'document', 'location', 'contacts', 'interactive-button-reply', 'interactive-list-reply', 'button', 'order', 'audio', 'voice', 'system', 'status-read'];
    for (const name of sameShape) {
      expect(twins).toContain(`${name}.onprem.json`);
      const [a, b] = (['onprem', 'cloud'] as const).map((fmt) => run(JSON.parse(readFileSync(`${DIR}${name}.${fmt}.json`, 'utf8')) as Fixture).expected);
      expect(withoutIds(a), name).toEqual(withoutIds(b));
    }
  });
});

/** The envelope with message ids (and ids they reference) blanked: they differ per API by design. */
function withoutIds(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v), (k: string, val: unknown) => (k === 'id' || k === 'message_id' ? '<id>' : val)) as unknown;
}
