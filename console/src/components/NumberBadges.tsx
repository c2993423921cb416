import type { ReactNode } from 'react';
import { phoneHealth } from '../../../src/platform/phone-numbers/domain.js';
import type { Business, NumberRow, Waba } from '../api/types.js';
import { Badge, type Tone } from './ui.js';

const API_BADGE: Record<string, { tone: Tone; text: string }> = {
  cloud: { tone: 'good', text: 'Cloud API' },
  onprem: { tone: 'info', text: 'On-Prem' },
  none: { tone: 'muted', text: 'none' },
};

const QUALITY_TONE: Record<string, Tone> = { GREEN: 'good', YELLOW: 'warn', RED: 'bad' };
const HEALTH_TONE: Record<string, Tone> = { AVAILABLE: 'good', LIMITED: 'warn', BLOCKED: 'bad' };
const nameTone = (status: string): Tone => (status === 'APPROVED' || status === 'AVAILABLE_WITHOUT_REVIEW' ? 'good' : status === 'DECLINED' || status === 'REJECTED' ? 'bad' : 'warn');

/**
 * `health_status` as Graph computes it (the platform's own pure function), from rows the console
 * already has: Graph would need an access token, the console does not.
 */
export function healthOf(n: NumberRow, waba: Waba, business: Business): string {
  return phoneHealth({ ...n, pin_hash: null }, waba, business, null).can_send_message;
}

export function ApiBadge({ api }: { api: string }): ReactNode {
  const b = API_BADGE[api] ?? { tone: 'muted' as const, text: api };
  return (
    <Badge tone={b.tone} label="API" testId="badge-api">
      {b.text}
    </Badge>
  );
}

export function HealthBadge({ health }: { health: string }): ReactNode {
  return (
    <Badge tone={HEALTH_TONE[health] ?? 'muted'} label="Health" testId="badge-health">
      {health}
    </Badge>
  );
}

export function QualityBadge({ quality }: { quality: string }): ReactNode {
  return (
    <Badge tone={QUALITY_TONE[quality] ?? 'muted'} label="Quality" testId="badge-quality">
      {quality}
    </Badge>
  );
}

export function NameBadge({ n }: { n: NumberRow }): ReactNode {
  return (
    <>
      <Badge tone={nameTone(n.name_status)} label="Name status" testId="badge-name">
        {n.name_status}
      </Badge>
      {n.new_verified_name ? (
        <Badge tone={nameTone(n.new_name_status ?? 'PENDING_REVIEW')} label="Requested name" testId="badge-new-name">
          “{n.new_verified_name}” {n.new_name_status}
        </Badge>
      ) : null}
    </>
  );
}

/** During an API-to-API switch inbound messages are dropped; make that window visible. */
export function DowntimeBadge({ n, nowMs }: { n: NumberRow; nowMs: number | undefined }): ReactNode {
  if (n.downtime_until === null || nowMs === undefined || n.downtime_until <= nowMs) return null;
  return (
    <Badge tone="bad" label="Migration downtime" testId="badge-downtime">
      downtime {Math.ceil((n.downtime_until - nowMs) / 1000)} s
    </Badge>
  );
}
