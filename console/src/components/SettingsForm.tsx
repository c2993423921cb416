import { useState, type FormEvent, type ReactNode } from 'react';
import { control } from '../api/http.js';
import { usePoll } from '../api/poll.js';
import { CheckField, Field } from './Field.js';
import { ActionOutcome, useAction } from './ui.js';

interface Settings {
  downtime_ms: number;
  graph_rate_limits: boolean;
}

/** Run-time emulator settings: the API-to-API downtime window (when inbound messages drop) and Graph quotas. */
export function SettingsForm(): ReactNode {
  const action = useAction();
  const current = usePoll<Settings>('settings', 5000).data;
  // Undefined until edited: the form shows the platform's current values until the operator types.
  const [editedDowntime, setDowntime] = useState<string | undefined>();
  const [editedLimits, setLimits] = useState<boolean | undefined>();
  const downtime = editedDowntime ?? String(current?.downtime_ms ?? '');
  const limits = editedLimits ?? current?.graph_rate_limits ?? true;

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void action.run(async () => {
      const saved = await control<Settings>('PATCH', 'settings', { downtime_ms: Number(downtime), graph_rate_limits: limits });
      return `Saved: downtime ${saved.downtime_ms} ms, Graph quotas ${saved.graph_rate_limits ? 'on' : 'off'}`;
    });
  };
  return (
    <form onSubmit={submit} aria-labelledby="settings-title" data-testid="settings-form">
      <h3 id="settings-title">Emulator settings</h3>
      <div className="form-grid">
        <Field label="Migration downtime (ms)" name="downtime_ms" type="number" value={downtime} onChange={setDowntime} required hint="0–60000: inbound messages are dropped meanwhile" />
        <CheckField label="Graph call quotas" name="graph_rate_limits" checked={limits} onChange={setLimits} />
      </div>
      <button type="submit" disabled={action.busy || current === undefined}>
        Save settings
      </button>
      <ActionOutcome action={action} testId="settings-outcome" />
    </form>
  );
}
