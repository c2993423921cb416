/**
 * Wire types of the control API (`/_switchboard/`) as the console reads them. Row shapes come from
 * the platform's own schema (type-only imports), so a renamed column breaks the console's type check.
 */
import type { App, BillingEntry, Business, Consumer, NumberMigration, PhoneNumber, Template, Waba, WebhookEvent } from '../../../src/store/schema.js';

export type { Business, Consumer, PhoneNumber, Template, Waba };

/** Numbers are listed without their PIN hash. */
export type NumberRow = Omit<PhoneNumber, 'pin_hash'>;

export interface StateView {
  businesses: Business[];
  wabas: Waba[];
  apps: (Pick<App, 'id' | 'name' | 'business_id' | 'callback_url'> & { subscribed_fields: string[] })[];
  subscriptions: { waba_id: string; app_id: string; override_callback_uri: string | null; created_at: number }[];
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

export interface DeliveryAttempt {
  id: number;
  url: string;
  payload: string;
  signature: string;
  started_at: number;
  duration_ms: number;
  http_status: number | null;
  error: string | null;
  response_snippet: string | null;
}

export type DeliveryDetail = Delivery & { attempts: DeliveryAttempt[] };

export interface CodeRow {
  id: number;
  phone_number_id: string;
  cc: string;
  number: string;
  code: string;
  method: string;
  language: string;
  text: string;
  sent_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface DropRow {
  id: number;
  phone_number_id: string;
  from_wa_id: string;
  reason: string;
  message: unknown;
  at: number;
}

export type WabaMigration = Omit<NumberMigration, 'report'> & { report: unknown };

export interface LedgerView {
  waba_id: string;
  currency: string;
  total_micros: number;
  by_category: Record<string, { count: number; amount_micros: number }>;
  entries: BillingEntry[];
}

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
