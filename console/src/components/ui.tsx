import { useState, type ReactNode } from 'react';
import { useRefresh } from '../api/poll.js';

/** Tones map to colours in styles.css; every badge also carries its text, never colour alone. */
export type Tone = 'good' | 'warn' | 'bad' | 'info' | 'muted';

export function Badge({ tone, label, children, testId }: { tone: Tone; label?: string; children: ReactNode; testId?: string }): ReactNode {
  return (
    <span className={`badge badge-${tone}`} title={label}>
      {label ? <span className="visually-hidden">{label}: </span> : null}
      <span data-testid={testId}>{children}</span>
    </span>
  );
}

export function Section({ title, id, children, actions }: { title: string; id: string; children: ReactNode; actions?: ReactNode }): ReactNode {
  return (
    <section className="panel" aria-labelledby={`${id}-title`} data-testid={`section-${id}`}>
      <header className="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function ErrorNote({ error }: { error: string | undefined }): ReactNode {
  return error ? (
    <p className="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Empty({ children }: { children: ReactNode }): ReactNode {
  return <p className="empty">{children}</p>;
}

/** Emulator timestamps are epoch ms on the emulator's (movable) clock. */
export const formatTime = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'));

export function JsonBlock({ value, label }: { value: unknown; label: string }): ReactNode {
  const text = typeof value === 'string' ? prettyJson(value) : JSON.stringify(value, null, 2);
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {text}
    </pre>
  );
}

/** Webhook payloads are stored as the exact bytes sent; show them indented when they parse. */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export interface Action {
  busy: boolean;
  error: string | undefined;
  message: string | undefined;
  /** Runs `fn`; its string result becomes the success message. Every view refreshes afterwards. */
  run: (fn: () => Promise<string | undefined>) => Promise<void>;
}

export function useAction(): Action {
  const refresh = useRefresh();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const run = async (fn: () => Promise<string | undefined>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      setMessage(await fn());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
      refresh();
    }
  };
  return { busy, error, message, run };
}

/** The outcome line under a form: polite for success, an alert for failure. */
export function ActionOutcome({ action, testId }: { action: Action; testId: string }): ReactNode {
  return (
    <div data-testid={testId}>
      <ErrorNote error={action.error} />
      {action.message ? (
        <p className="ok" role="status">
          {action.message}
        </p>
      ) : null}
    </div>
  );
}

/** A <details> whose content mounts only while open, so closed sections do not poll. */
export function Disclosure({ summary, children }: { summary: string; children: ReactNode }): ReactNode {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{summary}</summary>
      {open ? children : null}
    </details>
  );
}
