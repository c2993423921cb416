/**
 * Wire types of the control API (`/_switchboard/`) as the console reads them. Row shapes come from
 * the platform's own schema (type-only imports), so a renamed column breaks the console's type check.
 */
import type { Selectable } from 'kysely';
import type { App, Business, Consumer, InboundDropsTable, NumberMigration, PhoneNumber, Template, VerificationCodesTable, Waba, WabaSubscriptionsTable, WebhookAttemptsTable, WebhookEvent } from '../../../src/store/schema.js';
import type { LedgerView } from '../../../src/platform/billing/ledger-view.js';

export type { Business, Consumer, LedgerView, PhoneNumber, Template, Waba };

/** Numbers are listed without their PIN hash. */
export type NumberRow = Omit<PhoneNumber, 'pin_hash'>;

export interface StateView {
  businesses: Business[];
  wabas: Waba[];
  apps: (Pick<App, 'id' | 'name' | 'business_id' | 'callback_url'> & { subscribed_fields: string[] })[];
  subscriptions: Selectable<WabaSubscriptionsTable>[];
  phone_numbers: NumberRow[];
  consumers: Consumer[];
  templates: Pick<Template, 'id' | 'waba_id' | 'name' | 'language' | 'category' | 'status' | 'quality_score' | 'rejected_reason'>[];
}

export interface DemoView {
  accessToken: string;
  wabaId: string;
  appId: string;
  phoneNumberId: string;
  consumerWaId: string;
  pin: string;
  onpremDeploymentId: string;
  onpremPhoneNumberId: string;
  onpremAdminPassword: string;
}

export interface ListOf<T> {
  data: T[];
}

export type Delivery = Omit<WebhookEvent, 'value'> & { value: unknown };

export type DeliveryAttempt = Omit<Selectable<WebhookAttemptsTable>, 'app_id' | 'event_ids'>;

export type DeliveryDetail = Delivery & { attempts: DeliveryAttempt[] };

/** A code with the number it was sent to (`GET /code-inbox` joins the two). */
export type CodeRow = Omit<Selectable<VerificationCodesTable>, 'migration_id'> & Pick<PhoneNumber, 'cc' | 'number'>;

export type DropRow = Omit<Selectable<InboundDropsTable>, 'message'> & { message: unknown };

export type WabaMigration = Omit<NumberMigration, 'report'> & { report: unknown };

export interface DeploymentView {
  id: string;
  base_url: string;
  port: number | null;
  port_url: string | null;
  gateway_status: string;
  phone_number_id: string | null;
  shards: number;
  password_change_required: boolean;
  created_at: number;
}

export interface ClockView {
  now: string;
  now_ms: number;
  offset_ms: number;
}

export interface InboundResult {
  delivered: boolean;
  messageId?: string;
  reason?: string;
  api?: string;
}
