import { z } from 'zod';

/**
 * The migration plan: a declarative file (YAML or JSON) the operator reviews before anything runs.
 * Secrets never appear in it: tokens, PINs and passwords are named by environment variable (`*_env`).
 */

export const MIGRATION_KINDS = ['onprem_to_cloud', 'cloud_to_onprem', 'waba_to_waba'] as const;
export type MigrationKind = (typeof MIGRATION_KINDS)[number];

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name (letters, digits, _)' });
const graphId = z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^\d+$/, { message: 'must be a numeric Graph id' }));
const digits = z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^\d+$/, { message: 'must be digits only (no + or spaces)' }));
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:MM (24 h)' });
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

const graphSchema = z.strictObject({
  /** graph.facebook.com in production; the platform's URL in rehearsals. */
  base_url: httpUrl.default('https://graph.facebook.com'),
  version: z.string().regex(/^v\d+\.\d+$/, { message: 'must look like v23.0' }).default('v23.0'),
  /** System-user token of the Solution Partner (whatsapp_business_management + messaging). */
  token_env: envName,
});

const deploymentSchema = z.strictObject({
  /** Base URL of the On-Prem client; `/v1/...` is appended. */
  url: httpUrl,
  username: z.string().min(1).default('admin'),
  password_env: envName,
});

const otpSchema = z.discriminatedUnion('source', [
  /** Rehearsal only: read the code the platform "sent" from `GET /_switchboard/code-inbox`. */
  z.strictObject({ source: z.literal('rehearsal_inbox') }),
  /** The operator exports `<prefix><PHONE_NUMBER_ID>=123456` (e.g. from a runbook chat). */
  z.strictObject({ source: z.literal('env'), prefix: envName.default('OTP_') }),
  /** A JSON file `{ "<PHONE_NUMBER_ID>": "123456" }` the operator edits while the run waits. */
  z.strictObject({ source: z.literal('file'), path: z.string().min(1) }),
  /** Ask on the terminal (interactive runs only). */
  z.strictObject({ source: z.literal('prompt') }),
]);

const retrySchema = z.strictObject({
  max_attempts: z.number().int().min(1).max(100).default(6),
  base_ms: z.number().int().min(1).default(500),
  max_ms: z.number().int().min(1).default(30_000),
});

const windowSchema = z.strictObject({
  /** Low-traffic hours: batches start only inside [start, end) in `timezone` (end < start wraps midnight). */
  start: hhmm,
  end: hhmm,
  timezone: z.string().default('UTC'),
});

const commonNumber = {
  phone_number_id: graphId,
  /** Overrides `defaults.pin_env` for this number. */
  pin_env: envName.optional(),
  label: z.string().optional(),
};

const onpremToCloud = z.strictObject({
  ...commonNumber,
  kind: z.literal('onprem_to_cloud'),
  waba_id: graphId,
  deployment: z.string().min(1),
  backup_password_env: envName.optional(),
});

const cloudToOnprem = z.strictObject({
  ...commonNumber,
  kind: z.literal('cloud_to_onprem'),
  waba_id: graphId,
  deployment: z.string().min(1),
  code_method: z.enum(['sms', 'voice']).default('sms'),
});

const wabaToWaba = z.strictObject({
  ...commonNumber,
  kind: z.literal('waba_to_waba'),
  source_waba_id: graphId,
  destination_waba_id: graphId,
  /** The API the number is on in the source WABA (decides how two-step verification is disabled). */
  source_api: z.enum(['cloud', 'onprem']).default('cloud'),
  /** Needed when `source_api` is onprem: the deployment whose two-step setting is disabled. */
  deployment: z.string().min(1).optional(),
  /** Token of the source WABA's owner (reads, 2FA); defaults to `graph.token_env`. */
  source_token_env: envName.optional(),
  /** Token of the destination WABA's owner, who drives the migration; defaults to `graph.token_env`. */
  destination_token_env: envName.optional(),
  code_method: z.enum(['SMS', 'VOICE']).default('SMS'),
  language: z.string().default('en_US'),
});

export const numberEntrySchema = z.discriminatedUnion('kind', [onpremToCloud, cloudToOnprem, wabaToWaba]);

export const planSchema = z
  .strictObject({
    version: z.literal(1),
    name: z.string().min(1),
    graph: graphSchema,
    /** Rehearsals against the Switchboard platform: allows emulator-only helpers (code inbox, WhatsApp Manager actions). */
    rehearsal: z
      .strictObject({
        control_url: httpUrl.optional(),
        /** The platform's control token (`--control-token`), when it was started with one. */
        control_token_env: envName.optional(),
      })
      .optional(),
    deployments: z.record(z.string(), deploymentSchema).default({}),
    otp: otpSchema.optional(),
    defaults: z
      .strictObject({ pin_env: envName.optional(), backup_password_env: envName.optional() })
      .default({}),
    batch: z
      .strictObject({
        size: z.number().int().min(1).default(50),
        concurrency: z.number().int().min(1).max(256).default(4),
        /**
         * `upfront`: every number is checked before the run starts. `per_batch`: the first batch is
         * checked before, each next one while the previous one migrates (large plans start sooner).
         */
        preflight: z.enum(['upfront', 'per_batch']).default('upfront'),
      })
      .default({ size: 50, concurrency: 4, preflight: 'upfront' }),
    retry: retrySchema.default({ max_attempts: 6, base_ms: 500, max_ms: 30_000 }),
    /** Per-request timeout; Cloud register may take 15 s (seed 002). */
    request_timeout_ms: z.number().int().min(1).default(20_000),
    window: windowSchema.optional(),
    /** Automatically undo a failed migration where the seeds allow it (re-register on the original API). */
    rollback: z.enum(['auto', 'never']).default('auto'),
    numbers: z.array(numberEntrySchema).min(1, { message: 'the plan must list at least one number' }),
  })
  .superRefine((plan, ctx) => {
    const seen = new Map<string, number>();
    plan.numbers.forEach((n, i) => {
      const first = seen.get(n.phone_number_id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['numbers', i, 'phone_number_id'], message: `duplicate: numbers[${first}] already migrates ${n.phone_number_id}` });
      seen.set(n.phone_number_id, i);
      if ('deployment' in n && n.deployment !== undefined && !(n.deployment in plan.deployments)) {
        ctx.addIssue({ code: 'custom', path: ['numbers', i, 'deployment'], message: `unknown deployment "${n.deployment}" (declare it under deployments)` });
      }
      if (n.kind === 'waba_to_waba' && n.source_api === 'onprem' && n.deployment === undefined) {
        ctx.addIssue({ code: 'custom', path: ['numbers', i, 'deployment'], message: 'required when source_api is onprem (two-step verification is disabled on the deployment)' });
      }
      if (n.kind === 'waba_to_waba' && n.source_waba_id === n.destination_waba_id) {
        ctx.addIssue({ code: 'custom', path: ['numbers', i, 'destination_waba_id'], message: 'must differ from source_waba_id' });
      }
      if (n.kind !== 'onprem_to_cloud' && plan.otp === undefined) {
        ctx.addIssue({ code: 'custom', path: ['otp'], message: `required: numbers[${i}] (${n.kind}) needs a verification code` });
      }
    });
    if (plan.otp?.source === 'rehearsal_inbox' && plan.rehearsal === undefined) {
      ctx.addIssue({ code: 'custom', path: ['otp', 'source'], message: 'rehearsal_inbox needs a `rehearsal` section (the platform\'s code inbox does not exist at Meta)' });
    }
  });

export type Plan = z.output<typeof planSchema>;
export type NumberEntry = z.output<typeof numberEntrySchema>;
export type DeploymentRef = z.output<typeof deploymentSchema>;
export type OtpConfig = z.output<typeof otpSchema>;
export type RetryPolicy = z.output<typeof retrySchema>;
export type TrafficWindow = z.output<typeof windowSchema>;

/** Keys that would hold a literal secret; the plan names an environment variable instead. */
export const SECRET_KEYS: Readonly<Record<string, string>> = {
  token: 'token_env',
  access_token: 'token_env',
  pin: 'pin_env',
  password: 'password_env',
  backup_password: 'backup_password_env',
  source_token: 'source_token_env',
  destination_token: 'destination_token_env',
  control_token: 'control_token_env',
};
