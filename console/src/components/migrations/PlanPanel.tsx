import { useId, useState, type ReactNode } from 'react';
import { demoRehearsal, PlanRejected, preflight, startRun, validatePlan, type PlanInput } from '../../api/controlplane.js';
import type { PlanIssue, PreflightReport } from '../../api/cp-types.js';
import { ActionOutcome, useAction } from '../ui.js';
import { EnvEditor, envOf, type EnvRow } from './EnvEditor.js';

export interface PlanDraft {
  text: string;
  env: EnvRow[];
}

interface PlanPanelProps {
  draft: PlanDraft;
  onDraft: (draft: PlanDraft) => void;
  onPreflight: (report: PreflightReport) => void;
  onStarted: (runId: string, report: PreflightReport) => void;
}

/** Write or load a plan, give the secrets it names, then validate, pre-flight or start it. */
export function PlanPanel({ draft, onDraft, onPreflight, onStarted }: PlanPanelProps): ReactNode {
  const action = useAction();
  const [issues, setIssues] = useState<PlanIssue[]>([]);
  const input = (): PlanInput => ({ plan: draft.text, env: envOf(draft.env) });
  // Every action first forgets the previous issues; a refused plan lists its new ones.
  const run = (fn: () => Promise<string>): void => {
    setIssues([]);
    void action.run(async () => {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof PlanRejected) setIssues(err.issues);
        throw err;
      }
    });
  };
  const loadDemo = (): void =>
    run(async () => {
      const demo = await demoRehearsal();
      onDraft({ text: demo.plan, env: Object.entries(demo.env).map(([name, value]) => ({ name, value })) });
      return 'Loaded the rehearsal plan for the demo data, with its secrets.';
    });
  const validate = (): void =>
    run(async () => {
      const result = await validatePlan(input());
      if (!result.valid) throw new PlanRejected(result.issues);
      return `The plan is valid: ${result.numbers} number(s).`;
    });
  const check = (): void =>
    run(async () => {
      const report = await preflight(input());
      onPreflight(report);
      return `Pre-flight: ${report.ready} ready, ${report.blocked} blocked.`;
    });
  const start = (): void =>
    run(async () => {
      const started = await startRun(input());
      onStarted(started.run_id, started.preflight);
      return `Started run ${started.run_id}.`;
    });
  return (
    <div className="plan-panel" data-testid="plan-panel">
      <PlanText text={draft.text} onText={(text) => onDraft({ ...draft, text })} />
      <EnvEditor rows={draft.env} onChange={(env) => onDraft({ ...draft, env })} />
      <div className="buttons">
        <button type="button" className="secondary" onClick={loadDemo} disabled={action.busy}>
          Load demo plan
        </button>
        <button type="button" className="secondary" onClick={validate} disabled={action.busy}>
          Validate
        </button>
        <button type="button" className="secondary" onClick={check} disabled={action.busy}>
          Run pre-flight
        </button>
        <button type="button" onClick={start} disabled={action.busy}>
          Start run
        </button>
      </div>
      <ActionOutcome action={action} testId="plan-outcome" />
      <IssueList issues={issues} />
    </div>
  );
}

function PlanText({ text, onText }: { text: string; onText: (text: string) => void }): ReactNode {
  const id = useId();
  const open = async (file: File | undefined): Promise<void> => {
    if (file) onText(await file.text());
  };
  return (
    <div className="field plan-text">
      <label htmlFor={id}>Plan (YAML or JSON)</label>
      <textarea id={id} name="plan" value={text} onChange={(e) => onText(e.target.value)} rows={22} spellCheck={false} aria-describedby={`${id}-hint`} />
      <small id={`${id}-hint`} className="hint">
        Format: docs/control-plane.md. Secrets are named by variable (<code>token_env</code>, <code>pin_env</code>…), never written here.
      </small>
      <label className="file-open">
        Open a plan file… <input type="file" accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml" onChange={(e) => void open(e.target.files?.[0])} />
      </label>
    </div>
  );
}

function IssueList({ issues }: { issues: readonly PlanIssue[] }): ReactNode {
  if (issues.length === 0) return null;
  return (
    <ul className="issues" aria-label="Plan issues" data-testid="plan-issues">
      {issues.map((i, k) => (
        <li key={k}>
          {i.line !== undefined ? <code>{`line ${i.line}:${i.column ?? 1}`}</code> : null} <strong>{i.path || '(file)'}</strong>: {i.message}
        </li>
      ))}
    </ul>
  );
}
