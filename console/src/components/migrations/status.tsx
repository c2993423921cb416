import type { ReactNode } from 'react';
import { Badge, type Tone } from '../ui.js';

const TONES: Record<string, Tone> = {
  succeeded: 'good',
  finished: 'good',
  ready: 'good',
  failed: 'bad',
  blocked: 'bad',
  error: 'bad',
  rolled_back: 'warn',
  paused: 'warn',
  cancelling: 'warn',
  warning: 'warn',
  running: 'info',
  started: 'info',
  info: 'info',
};

/** A run, job, step, verdict or finding status as a badge (text always shown, colour only helps). */
export function StatusBadge({ status, label, testId }: { status: string; label: string; testId?: string }): ReactNode {
  return (
    <Badge tone={TONES[status] ?? 'muted'} label={label} {...(testId !== undefined && { testId })}>
      {status}
    </Badge>
  );
}

export const isRunActive = (status: string | undefined): boolean => status === 'running' || status === 'cancelling';
