import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Row types of the platform database. Conventions that keep SQLite and PostgreSQL interchangeable:
 * booleans are integers 0/1, timestamps are epoch milliseconds (integers), JSON is text.
 */
type Flag = number;
type EpochMs = number;
type Json = string;

export interface SettingsTable {
  key: string;
  value: string;
}

/** Every Graph id and what it names, so `/{id}` dispatch is one lookup and ids are globally unique. */
export interface GraphNodesTable {
  id: string;
  kind: GraphNodeKind;
}
export type GraphNodeKind = 'business' | 'waba' | 'phone_number' | 'app' | 'template' | 'media';

export interface BusinessesTable {
  id: string;
  name: string;
  verification_status: string;
  tos_accepted_at: EpochMs | null;
  created_at: EpochMs;
}

export interface WabasTable {
  id: string;
  name: string;
  owner_business_id: string;
  partner_business_id: string | null;
  review_status: string;
  payment_method: string | null;
  template_limit: number;
  currency: string;
  timezone_id: string;
  message_template_namespace: string;
  created_at: EpochMs;
  deleted_at: EpochMs | null;
}

export interface AppsTable {
  id: string;
  name: string;
  business_id: string;
  app_secret: string;
  callback_url: string | null;
  verify_token: string | null;
  subscribed_fields: Json;
  created_at: EpochMs;
}

export interface WabaSubscriptionsTable {
  waba_id: string;
  app_id: string;
  override_callback_uri: string | null;
  created_at: EpochMs;
}

export interface AccessTokensTable {
  token_hash: string;
  id: string;
  label: string;
  app_id: string | null;
  business_ids: Json;
  waba_ids: Json;
  permissions: Json;
  expires_at: EpochMs | null;
  created_at: EpochMs;
}

export interface PhoneNumbersTable {
  id: string;
  waba_id: string;
  cc: string;
  number: string;
  verified_name: string;
  name_status: string;
  new_verified_name: string | null;
  new_name_status: string | null;
  quality_rating: string;
  messaging_limit_tier: string;
  is_official_business_account: Flag;
  throughput_level: string;
  /** Which API the number is registered on: 'none' | 'cloud' | 'onprem'. */
  api: string;
  onprem_deployment_id: string | null;
  status: string;
  pin_hash: string | null;
  two_step_enabled: Flag;
  pin_failures: number;
  pin_last_attempt_at: EpochMs | null;
  pin_locked_until: EpochMs | null;
  code_verification_status: string;
  verified_at: EpochMs | null;
  signup_at: EpochMs;
  is_test_number: Flag;
  is_on_biz_app: Flag;
  account_mode: string;
  data_localization_region: string | null;
  profile: Json;
  webhook_override_url: string | null;
  registered_at: EpochMs | null;
  last_onboarded_at: EpochMs | null;
  created_at: EpochMs;
  /** Until this instant, an API-to-API migration is in progress: inbound messages are dropped. */
  downtime_until: EpochMs | null;
  /** Messages and media older than this are not usable by the number (a migration did not carry them). */
  history_since: EpochMs | null;
  /** The nonce of the backup that last onboarded the number (null when it was a code or a register without backup). */
  onboarded_by_backup: string | null;
}

export interface RegistrationEventsTable {
  id: Generated<number>;
  phone_number_id: string;
  kind: 'register' | 'deregister';
  at: EpochMs;
}

export interface VerificationCodesTable {
  id: Generated<number>;
  phone_number_id: string;
  code: string;
  method: string;
  language: string;
  text: string;
  sent_at: EpochMs;
  expires_at: EpochMs;
  consumed_at: EpochMs | null;
  /** Set when the code was requested by a WABA-to-WABA migration's destination. */
  migration_id: number | null;
  /** Wrong guesses so far (the code is burned at CODE_MAX_WRONG_GUESSES). */
  failed_attempts: Generated<number>;
}

export interface ConsumersTable {
  wa_id: string;
  name: string;
  /** Offline consumers get "sent" but not "delivered" until they come online. */
  online: Flag;
  auto_read: Flag;
  created_at: EpochMs;
}

export interface ServiceWindowsTable {
  phone_number_id: string;
  wa_id: string;
  last_inbound_at: EpochMs;
}

export interface MessagesTable {
  id: string;
  phone_number_id: string;
  waba_id: string;
  direction: 'inbound' | 'outbound';
  wa_id: string;
  type: string;
  body: Json;
  status: string;
  api: string;
  biz_opaque_callback_data: string | null;
  /** Pricing object of the status webhooks (JSON), null when the message failed. */
  pricing: Json | null;
  error_code: number | null;
  created_at: EpochMs;
  updated_at: EpochMs;
}

export interface MediaTable {
  id: string;
  phone_number_id: string;
  api: string;
  mime_type: string;
  sha256: string;
  file_size: number;
  filename: string | null;
  data: Buffer;
  created_at: EpochMs;
  expires_at: EpochMs;
  deleted_at: EpochMs | null;
}

export interface TemplatesTable {
  id: string;
  waba_id: string;
  name: string;
  language: string;
  category: string;
  sub_category: string | null;
  parameter_format: string;
  components: Json;
  status: string;
  rejected_reason: string;
  quality_score: string;
  quality_updated_at: EpochMs;
  previous_category: string | null;
  source_template_id: string | null;
  created_at: EpochMs;
  updated_at: EpochMs;
  /** Edits of the approved template, JSON array of epoch ms (the 24 h and 30-day edit limits read it). */
  edit_history: Json;
}

/** One webhook notification for one app; delivered alone or batched with others to the same URL. */
export interface WebhookEventsTable {
  id: Generated<number>;
  app_id: string;
  waba_id: string;
  phone_number_id: string | null;
  /** 'cloud' (entry/changes envelope) or 'onprem' (bare payload). */
  format: string;
  field: string;
  value: Json;
  target_url: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  next_attempt_at: EpochMs;
  /** Wall-clock ms (not the emulator clock): while a live dispatcher holds the event. */
  lease_until: EpochMs | null;
  last_error: string | null;
  created_at: EpochMs;
  delivered_at: EpochMs | null;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  app_id: string;
  event_ids: Json;
  url: string;
  payload: string;
  signature: string;
  started_at: EpochMs;
  duration_ms: number;
  http_status: number | null;
  error: string | null;
  response_snippet: string | null;
}

/** Messages and codes our built-in webhook sink received (a demo receiver, like a mail catcher). */
export interface SinkRequestsTable {
  id: Generated<number>;
  sink: string;
  headers: Json;
  body: string;
  received_at: EpochMs;
}

/** One On-Premises API deployment ("a docker deployment" serving one business number). */
export interface OnpremDeploymentsTable {
  id: string;
  admin_password_hash: string;
  password_change_required: Flag;
  /** The application settings (`/v1/settings/application`), JSON. */
  settings: Json;
  shards: number;
  /** The number this deployment is (or was last) registered for. */
  phone_number_id: string | null;
  /** Set between `POST /v1/account` (202) and `/v1/account/verify`. */
  pending_registration: Json | null;
  created_at: EpochMs;
  /** A port of its own, where `/v1/...` is served at the root (null: only under /onprem/{id}). */
  port: number | null;
}

export interface OnpremTokensTable {
  token_hash: string;
  deployment_id: string;
  username: string;
  expires_at: EpochMs;
}

/** Inbound messages Meta silently dropped (migration downtime, unregistered number), kept for inspection. */
export interface InboundDropsTable {
  id: Generated<number>;
  phone_number_id: string;
  from_wa_id: string;
  reason: string;
  message: Json;
  at: EpochMs;
}

export interface OnpremStickerpacksTable {
  id: string;
  deployment_id: string;
  name: string;
  publisher: string;
  created_at: EpochMs;
}

/** A WABA-to-WABA migration of one number (seed 004): claimed by the destination, completed by verify_code. */
export interface NumberMigrationsTable {
  id: Generated<number>;
  phone_number_id: string;
  source_waba_id: string;
  dest_waba_id: string;
  /** The API the number was on when the migration was requested: 'cloud' | 'onprem'. */
  source_api: string;
  status: 'pending' | 'completed' | 'expired';
  requested_at: EpochMs;
  expires_at: EpochMs;
  completed_at: EpochMs | null;
  /** What moved and what did not (templates duplicated / skipped), JSON. */
  report: Json | null;
}

/** One charge: a delivered billable message, charged to the WABA that sent it (seed 004). */
export interface BillingLedgerTable {
  id: Generated<number>;
  waba_id: string;
  phone_number_id: string;
  message_id: string;
  category: string;
  pricing_type: string;
  amount_micros: number;
  currency: string;
  sent_at: EpochMs;
  charged_at: EpochMs;
}

export interface Database {
  settings: SettingsTable;
  graph_nodes: GraphNodesTable;
  businesses: BusinessesTable;
  wabas: WabasTable;
  apps: AppsTable;
  waba_subscriptions: WabaSubscriptionsTable;
  access_tokens: AccessTokensTable;
  phone_numbers: PhoneNumbersTable;
  registration_events: RegistrationEventsTable;
  verification_codes: VerificationCodesTable;
  consumers: ConsumersTable;
  service_windows: ServiceWindowsTable;
  messages: MessagesTable;
  media: MediaTable;
  templates: TemplatesTable;
  webhook_events: WebhookEventsTable;
  webhook_attempts: WebhookAttemptsTable;
  sink_requests: SinkRequestsTable;
  onprem_deployments: OnpremDeploymentsTable;
  onprem_tokens: OnpremTokensTable;
  inbound_drops: InboundDropsTable;
  onprem_stickerpacks: OnpremStickerpacksTable;
  number_migrations: NumberMigrationsTable;
  billing_ledger: BillingLedgerTable;
}

export type Business = Selectable<BusinessesTable>;
export type Waba = Selectable<WabasTable>;
export type App = Selectable<AppsTable>;
export type AccessTokenRow = Selectable<AccessTokensTable>;
export type PhoneNumber = Selectable<PhoneNumbersTable>;
export type NewPhoneNumber = Insertable<PhoneNumbersTable>;
export type PhoneNumberPatch = Updateable<PhoneNumbersTable>;
export type Consumer = Selectable<ConsumersTable>;
export type Message = Selectable<MessagesTable>;
export type Media = Selectable<MediaTable>;
export type Template = Selectable<TemplatesTable>;
export type WebhookEvent = Selectable<WebhookEventsTable>;
export type OnpremDeployment = Selectable<OnpremDeploymentsTable>;
export type NumberMigration = Selectable<NumberMigrationsTable>;
export type BillingEntry = Selectable<BillingLedgerTable>;
