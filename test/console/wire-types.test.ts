import { describe, expectTypeOf, it } from 'vitest';
import type * as wire from '../../console/src/api/cp-types.js';
import type { demoRehearsal } from '../../src/controlplane-host.js';
import type { RunnerEvent } from '../../src/controlplane/jobs/events.js';
import type { RunSummary } from '../../src/controlplane/jobs/runner.js';
import type { JobStatus, OutboundStatus, RunStatus, StepStatus } from '../../src/controlplane/jobs/schema.js';
import type { PlanIssue } from '../../src/controlplane/plan/load.js';
import type { Finding } from '../../src/controlplane/preflight/rules.js';
import type { PreflightReport } from '../../src/controlplane/preflight/run.js';
import type { RunReport } from '../../src/controlplane/report/report.js';
import type { RunListItem, RunTimeline } from '../../src/controlplane/report/timeline.js';

/**
 * The console restates the control plane's wire types (the server's modules import Node). These
 * assertions are checked by `npm run typecheck`: a server-side change the console does not follow
 * fails the build, not a user's browser.
 */
describe('console wire types match the control plane\'s', () => {
  it('statuses', () => {
    expectTypeOf<wire.RunStatus>().toEqualTypeOf<RunStatus>();
    expectTypeOf<wire.JobStatus>().toEqualTypeOf<JobStatus>();
    expectTypeOf<wire.StepStatus>().toEqualTypeOf<StepStatus>();
    expectTypeOf<wire.OutboundStatus>().toEqualTypeOf<OutboundStatus>();
  });

  it('plans, pre-flight, reports, timelines', () => {
    expectTypeOf<wire.PlanIssue>().toEqualTypeOf<PlanIssue>();
    expectTypeOf<wire.Finding>().toEqualTypeOf<Finding>();
    expectTypeOf<wire.PreflightReport>().toEqualTypeOf<PreflightReport>();
    expectTypeOf<wire.RunReport>().toEqualTypeOf<RunReport>();
    expectTypeOf<wire.RunTimeline>().toEqualTypeOf<RunTimeline>();
    expectTypeOf<wire.RunListItem>().toEqualTypeOf<RunListItem>();
    expectTypeOf<wire.RunSummary>().branded.toEqualTypeOf<RunSummary & { lease_owner: string | null }>();
    expectTypeOf<wire.DemoRehearsal>().toEqualTypeOf<ReturnType<typeof demoRehearsal>>();
  });

  it('every event the runner streams fits the console\'s event type', () => {
    expectTypeOf<RunnerEvent>().toExtend<wire.RunEvent>();
    expectTypeOf<wire.RunEvent['type']>().toEqualTypeOf<RunnerEvent['type']>();
  });
});
