import { useId, type ReactNode } from 'react';

export interface EnvRow {
  name: string;
  value: string;
}

/** Rows with a name typed become the request's `env` (empty names are ignored). */
export const envOf = (rows: readonly EnvRow[]): Record<string, string> => Object.fromEntries(rows.filter((r) => r.name.trim() !== '').map((r) => [r.name.trim(), r.value]));

/**
 * The values of the variables a plan names (tokens, PINs, passwords). They go with each request and
 * the control plane keeps them in memory for the run only; the page does not store them either.
 */
export function EnvEditor({ rows, onChange }: { rows: readonly EnvRow[]; onChange: (rows: EnvRow[]) => void }): ReactNode {
  const id = useId();
  const set = (i: number, patch: Partial<EnvRow>): void => onChange(rows.map((r, k) => (k === i ? { ...r, ...patch } : r)));
  return (
    <fieldset className="env" data-testid="env-editor">
      <legend>Secrets for this run (environment variables the plan names)</legend>
      <p className="hint" id={`${id}-hint`}>
        Sent with each request, kept in the control plane&apos;s memory for the run only: never stored, logged or sent back.
      </p>
      <table aria-describedby={`${id}-hint`}>
        <thead>
          <tr>
            <th scope="col">Variable</th>
            <th scope="col">Value</th>
            <th scope="col">
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i} data-testid={`env-row-${i}`}>
              <td>
                <input aria-label={`Variable ${i + 1} name`} value={r.name} onChange={(e) => set(i, { name: e.target.value })} spellCheck={false} />
              </td>
              <td>
                <input aria-label={`${r.name || `Variable ${i + 1}`} value`} type="password" value={r.value} onChange={(e) => set(i, { value: e.target.value })} autoComplete="off" />
              </td>
              <td>
                <button type="button" className="secondary" aria-label={`Remove ${r.name || `variable ${i + 1}`}`} onClick={() => onChange(rows.filter((_, k) => k !== i))}>
                  ×
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" className="secondary" onClick={() => onChange([...rows, { name: '', value: '' }])}>
        Add variable
      </button>
    </fieldset>
  );
}
