import { useEffect, useRef, useState, type Dispatch, type ReactNode, type SetStateAction } from 'react';
import { demoRehearsal } from '../../api/controlplane.js';
import type { PreflightReport } from '../../api/cp-types.js';
import { usePoll } from '../../api/poll.js';
import type { ClockView, DemoView } from '../../api/types.js';
import { Section } from '../ui.js';
import { envOf } from './EnvEditor.js';
import { PlanPanel, type PlanDraft } from './PlanPanel.js';
import { PreflightView } from './PreflightView.js';
import { RunList } from './RunList.js';
import { RunView } from './RunView.js';

/**
 * The migration view: a plan (the demo rehearsal pre-filled), its pre-flight, then runs of the control
 * plane the platform embeds — watched live, reported, and drawn on a timeline.
 */
export function MigrationView({ clock, session }: { clock: ClockView | undefined; session: MigrationSession }): ReactNode {
  const { draft, setDraft, preflight, setPreflight, runId, setRunId } = session;
  const demo = usePoll<DemoView | Record<string, never>>('demo', 60_000).data;
  usePrefill(setDraft);
  // The env is read when a run is resumed, so it is the one on screen then.
  const envRef = useRef(draft.env);
  envRef.current = draft.env;
  return (
    <div className="migrations">
      <div className="column-main">
        <Section title="Plan" id="plan">
          <PlanPanel
            draft={draft}
            onDraft={setDraft}
            onPreflight={setPreflight}
            onStarted={(id, report) => {
              setPreflight(report);
              setRunId(id);
            }}
          />
        </Section>
        {preflight ? (
          <Section title="Pre-flight" id="preflight">
            <PreflightView report={preflight} />
          </Section>
        ) : null}
        {runId ? <RunView key={runId} runId={runId} env={() => envOf(envRef.current)} consumer={demo && 'consumerWaId' in demo ? demo.consumerWaId : undefined} offsetMs={clock?.offset_ms} /> : null}
      </div>
      <aside className="column-side" aria-label="Runs">
        <Section title="Runs" id="runs">
          <RunList selected={runId} onSelect={setRunId} />
        </Section>
      </aside>
    </div>
  );
}

/** What the view holds; kept by the app so switching tabs does not lose a plan being written. */
export interface MigrationSession {
  draft: PlanDraft;
  setDraft: Dispatch<SetStateAction<PlanDraft>>;
  preflight: PreflightReport | undefined;
  setPreflight: (report: PreflightReport | undefined) => void;
  runId: string | undefined;
  setRunId: (runId: string | undefined) => void;
}

export function useMigrationSession(): MigrationSession {
  const [draft, setDraft] = useState<PlanDraft>({ text: '', env: [] });
  const [preflight, setPreflight] = useState<PreflightReport | undefined>();
  const [runId, setRunId] = useState<string | undefined>();
  return { draft, setDraft, preflight, setPreflight, runId, setRunId };
}

/** Fills the editor with the demo rehearsal once, when the platform holds demo data. */
function usePrefill(setDraft: Dispatch<SetStateAction<PlanDraft>>): void {
  useEffect(() => {
    let stopped = false;
    demoRehearsal().then(
      (demo) => !stopped && setDraft((d) => (d.text === '' ? { text: demo.plan, env: Object.entries(demo.env).map(([name, value]) => ({ name, value })) } : d)),
      () => undefined,
    );
    return () => {
      stopped = true;
    };
  }, [setDraft]);
}
