import type { Connections } from '../connections.js';
import type { NumberEntry } from '../plan/schema.js';
import { Memo } from '../util/memo.js';
import { mapLimit } from '../util/pool.js';
import { gatherFacts } from './facts.js';
import { evaluate, isBlocked } from './rules.js';
import type { NumberPreflight, PreflightReport } from '../wire.js';

export type { NumberPreflight, PreflightReport } from '../wire.js';

export const PREFLIGHT_NOTES = [
  'Terms of Service acceptance is not readable through Graph: a missing acceptance shows up as a failed register (code 200), reported per number.',
  'Business verification and payment methods are checked by Meta when the migration call is made (2388103), not readable here.',
];

/** Read-only: GETs against Graph and the On-Prem deployments, then pure rules. */
export async function runPreflight(conn: Connections, numbers: readonly NumberEntry[] = conn.plan.numbers, concurrency = conn.plan.batch.concurrency): Promise<PreflightReport> {
  const wabaReads = new Memo();
  const results = await mapLimit(numbers, concurrency, async (entry) => {
    const findings = evaluate(entry, await gatherFacts(conn, entry, wabaReads));
    const result: NumberPreflight = { phone_number_id: entry.phone_number_id, kind: entry.kind, verdict: isBlocked(findings) ? 'blocked' : 'ready', findings };
    if (entry.label !== undefined) result.label = entry.label;
    return result;
  });
  const blocked = results.filter((r) => r.verdict === 'blocked').length;
  return { plan: conn.plan.name, ready: results.length - blocked, blocked, numbers: results, notes: PREFLIGHT_NOTES };
}
