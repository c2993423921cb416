import { useState, type FormEvent, type ReactNode } from 'react';
import { migrateOnpremToCloud, ONPREM_TO_CLOUD_STEPS, type Step, type StepState } from '../api/onprem-to-cloud.js';
import type { DemoView, NumberRow } from '../api/types.js';
import { useRefresh } from '../api/poll.js';
import { Field } from './Field.js';

const STATE_TEXT: Record<StepState, string> = { waiting: 'waiting', running: 'running…', done: 'done', failed: 'failed' };

/** The On-Prem → Cloud migration of one number, by hand, step by step (the Migrations tab runs plans through the control plane). */
export function MigrateToCloud({ n, demo, onClose }: { n: NumberRow; demo: DemoView | undefined; onClose: () => void }): ReactNode {
  const refresh = useRefresh();
  const isDemo = demo?.onpremDeploymentId === n.onprem_deployment_id;
  const [adminPassword, setAdminPassword] = useState(isDemo ? demo.onpremAdminPassword : '');
  const [backupPassword, setBackupPassword] = useState('tacocat');
  const [pin, setPin] = useState(demo?.pin ?? '');
  const [graphToken, setGraphToken] = useState(demo?.accessToken ?? '');
  const [steps, setSteps] = useState<Step[]>(ONPREM_TO_CLOUD_STEPS.map((title) => ({ title, state: 'waiting' })));
  const [running, setRunning] = useState(false);

  const start = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setRunning(true);
    setSteps(ONPREM_TO_CLOUD_STEPS.map((title) => ({ title, state: 'waiting' })));
    const onStep = (index: number, state: StepState, detail?: string): void =>
      setSteps((prev) => prev.map((s, i) => (i === index ? { ...s, state, ...(detail !== undefined && { detail }) } : s)));
    try {
      await migrateOnpremToCloud({ deploymentId: n.onprem_deployment_id ?? '', phoneNumberId: n.id, adminPassword, backupPassword, pin, graphToken }, onStep);
    } catch {
      // The failed step shows the error.
    } finally {
      setRunning(false);
      refresh();
    }
  };

  return (
    <form className="migrate" onSubmit={(e) => void start(e)} aria-label={`Migrate ${n.id} to Cloud API`} data-testid="migrate-form">
      <p>
        Backs up deployment <code>{n.onprem_deployment_id}</code> and registers the number on Cloud API with that backup: no
        verification code, the official business account and profile carry over.
      </p>
      <div className="form-grid">
        <Field label="On-Prem admin password" name="admin_password" type="password" value={adminPassword} onChange={setAdminPassword} required />
        <Field label="Backup password" name="backup_password" value={backupPassword} onChange={setBackupPassword} required />
        <Field label="Two-step PIN" name="pin" value={pin} onChange={setPin} required pattern="\d{6}" />
        <Field label="Graph access token" name="graph_token" type="password" value={graphToken} onChange={setGraphToken} required hint="The demo token is filled in when present." />
      </div>
      <ol className="steps" aria-live="polite">
        {steps.map((s, i) => (
          <li key={s.title} className={`step step-${s.state}`} data-testid={`migrate-step-${i}`} data-state={s.state}>
            <span className="step-title">{s.title}</span> <span className="step-state">{STATE_TEXT[s.state]}</span>
            {s.detail ? <span className="step-detail"> — {s.detail}</span> : null}
          </li>
        ))}
      </ol>
      <div className="buttons">
        <button type="submit" disabled={running}>
          Start migration
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </form>
  );
}
