import { describe, expectTypeOf, it } from 'vitest';
import type * as wire from '../../console/src/api/cp-types.js';
import type { demoRehearsal } from '../../src/controlplane-host.js';
import type { RunnerEvent } from '../../src/controlplane/jobs/events.js';
import type { RunSummary } from '../../src/controlplane/jobs/runner.js';
import type { PlanIssue } from '../../src/controlplane/plan/load.js';
import type { Finding } from '../../src/controlplane/preflight/rules.js';
import type { PreflightReport } from '../../src/controlplane/preflight/run.js';
import type { RunReport } from '../../src/controlplane/report/report.js';

/**
 * The console restates the control plane's wire types declared in modules that import Node. These
 * assertions are checked by `npm run typecheck`: a server-side change the console does not follow
 * fails the build, not a user's browser.
 */
describe('console wire types match the control plane\'s', () => {
  it('plans, pre-flight, reports, run summaries, the demo rehearsal', () => {
    expectTypeOf<wire.PlanIssue>().toEqualTypeOf<PlanIssue>();
    expectTypeOf<wire.Finding>().toEqualTypeOf<Finding>();
    expectTypeOf<wire.PreflightReport>().toEqualTypeOf<PreflightReport>();
    expectTypeOf<wire.RunReport>().toEqualTypeOf<RunReport>();
    expectTypeOf<wire.RunSummary>().branded.toEqualTypeOf<RunSummary & { lease_owner: string | null }>();
    expectTypeOf<wire.DemoRehearsal>().toEqualTypeOf<ReturnType<typeof demoRehearsal>>();
  });

  it('every event the runner streams fits the console\'s event type', () => {
    expectTypeOf<RunnerEvent>().toExtend<wire.RunEvent>();
    expectTypeOf<wire.RunEvent['type']>().toEqualTypeOf<RunnerEvent['type']>();
  });
});
