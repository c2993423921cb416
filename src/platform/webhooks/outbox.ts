import type { Insertable } from 'kysely';
import type { Executor } from '../../store/database.js';
import { preparedInsert } from '../../store/prepared.js';
import type { WebhookEventsTable } from '../../store/schema.js';
import { subscriptionTargets, type SubscriptionTarget } from '../accounts/repo.js';

/** A notification about one WABA, fanned out to every subscribed app that listens to its field. */
export interface Notification {
  readonly wabaId: string;
  readonly phoneNumberId: string | null;
  readonly field: string;
  readonly value: unknown;
  /** Phone-number level callback override; applies to the `messages` field only. */
  readonly phoneOverrideUrl?: string | null;
}

type Wake = () => void;

/**
 * The durable outbox. Writers call `enqueue` inside the transaction that changes state, so a
 * state change and its webhooks land together; the dispatcher delivers them later.
 */
export class Outbox {
  private readonly listeners = new Set<Wake>();

  onEnqueue(listener: Wake): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An On-Prem deployment's webhook: bare payload to the deployment's configured URL. */
  async enqueueOnprem(db: Executor, n: { deploymentId: string; wabaId: string; phoneNumberId: string; url: string; value: unknown }, now: number): Promise<void> {
    await this.insert(db, [pendingEvent({ appId: `onprem:${n.deploymentId}`, wabaId: n.wabaId, phoneNumberId: n.phoneNumberId, format: 'onprem', field: 'onprem', value: JSON.stringify(n.value), target: n.url }, now)]);
  }

  enqueue(db: Executor, n: Notification, now: number): Promise<number> {
    return this.enqueueAll(db, [n], now);
  }

  /** Several notifications (e.g. "sent" then "delivered") in order, one subscription lookup per WABA. */
  async enqueueAll(db: Executor, notifications: readonly Notification[], now: number): Promise<number> {
    const subscriptionsByWaba = new Map<string, readonly SubscriptionTarget[]>();
    const rows = [];
    for (const n of notifications) {
      let subscriptions = subscriptionsByWaba.get(n.wabaId);
      if (!subscriptions) {
        subscriptions = await subscriptionTargets(db, n.wabaId);
        subscriptionsByWaba.set(n.wabaId, subscriptions);
      }
      const value = JSON.stringify(n.value);
      for (const { appId, subscribedFields, callbackUrl, overrideCallbackUri } of subscriptions) {
        if (!subscribedFields.includes(n.field)) continue;
        const target = n.field === 'messages' ? (n.phoneOverrideUrl ?? overrideCallbackUri ?? callbackUrl) : callbackUrl;
        if (!target) continue;
        rows.push(pendingEvent({ appId, wabaId: n.wabaId, phoneNumberId: n.phoneNumberId, format: 'cloud', field: n.field, value, target }, now));
      }
    }
    await this.insert(db, rows);
    return rows.length;
  }

  private async insert(db: Executor, rows: Insertable<WebhookEventsTable>[]): Promise<void> {
    if (rows.length === 0) return;
    for (const row of rows) await insertEvent(db, row);
    queueMicrotask(() => this.listeners.forEach((wake) => wake()));
  }
}

// One compile-once insert per row: cheaper on SQLite than building a multi-row insert each time.
const insertEvent = preparedInsert('webhook_events', {
  id: false,
  app_id: true,
  waba_id: true,
  phone_number_id: true,
  format: true,
  field: true,
  value: true,
  target_url: true,
  status: true,
  attempts: true,
  next_attempt_at: true,
  lease_until: true,
  last_error: true,
  created_at: true,
  delivered_at: true,
});

interface EventTarget {
  appId: string;
  wabaId: string;
  phoneNumberId: string | null;
  format: 'cloud' | 'onprem';
  field: string;
  value: string;
  target: string;
}

/** A new outbox row, due now. */
function pendingEvent(e: EventTarget, now: number): Insertable<WebhookEventsTable> {
  return {
    app_id: e.appId,
    waba_id: e.wabaId,
    phone_number_id: e.phoneNumberId,
    format: e.format,
    field: e.field,
    value: e.value,
    target_url: e.target,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_until: null,
    last_error: null,
    created_at: now,
    delivered_at: null,
  };
}
