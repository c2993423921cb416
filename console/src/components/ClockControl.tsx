import { useState, type FormEvent, type ReactNode } from 'react';
import { control } from '../api/http.js';
import type { ClockView } from '../api/types.js';
import { Field } from './Field.js';
import { ActionOutcome, useAction } from './ui.js';

/** The emulator's clock: moving it expires codes, claims and service windows, and re-rates. */
export function ClockControl({ clock }: { clock: ClockView | undefined }): ReactNode {
  const action = useAction();
  const [seconds, setSeconds] = useState('3600');
  const advance = (by: number): Promise<void> =>
    action.run(async () => {
      const after = await control<ClockView>('POST', 'clock/advance', { seconds: by });
      return `Clock moved by ${by} s to ${after.now}`;
    });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void advance(Number(seconds));
  };
  return (
    <form onSubmit={submit} aria-labelledby="clock-title" data-testid="clock-form">
      <h3 id="clock-title">Clock</h3>
      <p>
        Emulator time: <time data-testid="clock-now">{clock?.now ?? '…'}</time>
        {clock && clock.offset_ms !== 0 ? <span className="sub"> (ahead of real time by {Math.round(clock.offset_ms / 1000)} s)</span> : null}
      </p>
      <div className="form-grid">
        <Field label="Advance by (seconds)" name="seconds" type="number" value={seconds} onChange={setSeconds} required />
      </div>
      <div className="buttons">
        <button type="submit" disabled={action.busy}>
          Advance clock
        </button>
        <button type="button" className="secondary" disabled={action.busy} onClick={() => void advance(86_400)}>
          +24 h
        </button>
      </div>
      <ActionOutcome action={action} testId="clock-outcome" />
    </form>
  );
}
