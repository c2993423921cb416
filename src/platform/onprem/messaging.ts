import { createHash } from 'node:crypto';
import { z } from 'zod';
import { onpremErrors } from '../../core/errors.js';
import { newGraphId, newMessageId } from '../../core/ids.js';
import type { OnpremDeployment, PhoneNumber } from '../../store/schema.js';
import type { PlatformContext } from '../context.js';
import { checkUpload, MEDIA_TTL_MS } from '../media/domain.js';
import { normalizeRecipient, pricingFor } from '../messages/domain.js';
import { findMediaMeta, findTemplateByName, insertMessage } from '../messages/repo.js';
import { chargeOnDelivery } from '../billing/ledger.js';
import type { Executor } from '../../store/database.js';
import { outboundMessage, outboundOutcome } from '../messages/service.js';
import { MEDIA_TYPES, payloadSchemas } from '../messages/schema.js';
import { onpremStatus } from './format.js';
import { connectedNumber, readSettings } from './service.js';

/** On-Prem message ids have no "wamid." prefix (e.g. "gBEGkYiEB1VXAglK1ZEqA1YKPrU"). */
const onpremMessageId = (waId: string): string => newMessageId(waId).slice('wamid.'.length);

/** The types `POST /v1/messages` sends; `hsm` is the legacy form of `template`. */
const ONPREM_MESSAGE_TYPES = ['text', ...MEDIA_TYPES, 'location', 'contacts', 'template', 'hsm', 'interactive'] as const;

const templateLanguage = z.object({ code: z.string().min(1), policy: z.string().optional() }).loose();

/**
 * The object each type names (`{"type":"location","location":{...}}`). On-Prem tolerated unknown
 * properties that Cloud API refuses (api-facts D.4), so its own shapes here are loose and check what
 * Meta requires and the emulator reads; text and media keep the shapes they share with Cloud API.
 */
const payloadSchemaOf = {
  text: payloadSchemas.text,
  image: payloadSchemas.image,
  video: payloadSchemas.video,
  audio: payloadSchemas.audio,
  document: payloadSchemas.document,
  sticker: payloadSchemas.sticker,
  location: z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180), name: z.string().optional(), address: z.string().optional() }).loose(),
  contacts: payloadSchemas.contacts,
  template: z.object({ name: z.string().min(1), namespace: z.string().optional(), language: templateLanguage, components: z.array(z.object({ type: z.string() }).loose()).optional() }).loose(),
  hsm: z.object({ element_name: z.string().min(1), namespace: z.string().optional(), language: templateLanguage, localizable_params: z.array(z.unknown()).optional() }).loose(),
  interactive: payloadSchemas.interactive,
} satisfies Record<(typeof ONPREM_MESSAGE_TYPES)[number], z.ZodType>;

const sendSchema = z.object({
  to: z.union([z.string(), z.number()]).transform(String),
  type: z.enum(ONPREM_MESSAGE_TYPES).default('text'),
  recipient_type: z.enum(['individual', 'group']).optional(),
  preview_url: z.boolean().optional(),
});

/**
 * Whether the deployment reports this status by webhook: `settings.application.webhooks.message`
 * switches sent/delivered/read (read is off by default); failures are always reported.
 */
export function reportsStatus(dep: OnpremDeployment, status: string): boolean {
  if (status === 'failed') return true;
  const toggles = (readSettings(dep)['webhooks'] as { message?: Record<string, unknown> } | undefined)?.message;
  return toggles?.[status] !== false;
}

export function webhookUrl(dep: OnpremDeployment): string | undefined {
  const url = (readSettings(dep)['webhooks'] as { url?: unknown } | undefined)?.url;
  return typeof url === 'string' && url !== '' ? url : undefined;
}

/** `POST /v1/messages`: the same window and recipient rules as Cloud API, On-Prem wire shapes and error codes. */
export async function sendOnpremMessage(ctx: PlatformContext, dep: OnpremDeployment, body: Record<string, unknown>): Promise<{ id: string }> {
  const parsed = sendSchema.safeParse(body);
  if (!parsed.success) throw issueError(parsed.error.issues[0], body);
  const { to, type } = parsed.data;
  const payload = body[type];
  if (payload === undefined) throw onpremErrors.requiredParameter(type);
  const check = payloadSchemaOf[type].safeParse(payload);
  if (!check.success) {
    const issue = check.error.issues[0];
    const where = (issue?.path ?? []).map(String).join('.');
    throw onpremErrors.invalidParameter(`Invalid ${type} object: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}`);
  }
  const waIdResult = normalizeRecipient(to);
  if (!waIdResult.ok) throw onpremErrors.invalidParameter(`Invalid recipient: ${to}`);
  const waId = waIdResult.value;

  return ctx.store.transaction(async (tx) => {
    const number = await connectedNumber(tx, dep);
    if ((MEDIA_TYPES as readonly string[]).includes(type)) await checkOnpremMedia(tx, number, payload as { id?: string });
    const now = ctx.clock.now();
    const isTemplate = type === 'template' || type === 'hsm';
    const { outcome, windowOpen } = await outboundOutcome(tx, number.id, waId, isTemplate, now);
    const id = onpremMessageId(waId);
    // Billing does not depend on the API (seed 004): On-Prem sends are priced like Cloud ones.
    const category = isTemplate ? await templateCategory(tx, number.waba_id, payload) : null;
    const message = outboundMessage({
      id,
      number,
      waId,
      type,
      body: { [type]: payload },
      outcome,
      api: 'onprem',
      bizOpaqueCallbackData: null,
      pricing: outcome.error ? null : JSON.stringify(pricingFor(category, windowOpen)),
      errorCode: outcome.error ? onpremAsyncCode(outcome.error.code) : null,
      now,
    });
    await insertMessage(tx, message);
    await chargeOnDelivery(tx, message, 'accepted', message.status, now);
    const url = webhookUrl(dep);
    if (url) {
      for (const status of outcome.statuses.filter((s) => reportsStatus(dep, s))) {
        const error = status === 'failed' && outcome.error ? { code: onpremAsyncCode(outcome.error.code), title: outcome.error.title } : null;
        await ctx.outbox.enqueueOnprem(tx, { deploymentId: dep.id, wabaId: number.waba_id, phoneNumberId: number.id, url, value: onpremStatus({ id, status, at: now, recipientId: waId, error }) }, now);
      }
    }
    return { id };
  });
}

/**
 * The category a template send is billed in: the stored template's (`template` objects name it
 * `name`, legacy `hsm` ones `element_name`); an unknown template is billed as marketing.
 */
async function templateCategory(db: Executor, wabaId: string, payload: unknown): Promise<string> {
  const t = (payload ?? {}) as { name?: unknown; element_name?: unknown; language?: { code?: unknown } };
  const name = typeof t.name === 'string' ? t.name : typeof t.element_name === 'string' ? t.element_name : '';
  const language = typeof t.language?.code === 'string' ? t.language.code : 'en_US';
  return (await findTemplateByName(db, wabaId, name, language))?.category ?? 'MARKETING';
}

/** Cloud async error codes → their On-Prem counterparts (api-facts D.2). */
function onpremAsyncCode(cloudCode: number): number {
  return cloudCode === 131047 ? 470 : cloudCode === 131026 ? 1013 : 500;
}

function issueError(issue: z.core.$ZodIssue | undefined, body: Record<string, unknown>): Error {
  const key = String(issue?.path[0] ?? '');
  if (key && body[key] === undefined) return onpremErrors.requiredParameter(key);
  return onpremErrors.invalidParameter(`Invalid ${key || 'request'}: ${issue?.message ?? 'invalid'}`);
}

/** Media ids must be this deployment's own uploads: Cloud media ids are not valid here (seed 001). */
async function checkOnpremMedia(db: Parameters<typeof findMediaMeta>[0], number: PhoneNumber, media: { id?: string }): Promise<void> {
  if (media.id === undefined) return;
  const meta = await findMediaMeta(db, media.id);
  if (!meta || meta.api !== 'onprem' || meta.phone_number_id !== number.id || meta.deleted_at !== null) {
    throw onpremErrors.notFound(`Media ${media.id} not found on this deployment`);
  }
}

/** `POST /v1/media`: the raw body is the file, its Content-Type the MIME type. */
export async function uploadOnpremMedia(ctx: PlatformContext, dep: OnpremDeployment, mimeType: string, data: Buffer): Promise<{ id: string }> {
  const number = await connectedNumber(ctx.store.db, dep);
  const check = checkUpload(mimeType, data.length);
  if (!check.ok) throw onpremErrors.invalidParameter(check.error.details ?? 'Unsupported media');
  // On-Prem media ids look like UUIDs, not Graph ids; kept in the same table, tagged 'onprem'.
  const id = `${newGraphId().slice(0, 8)}-${newGraphId().slice(0, 4)}-4${newGraphId().slice(0, 3)}-a${newGraphId().slice(0, 3)}-${newGraphId().slice(0, 12)}`;
  const now = ctx.clock.now();
  await ctx.store.db
    .insertInto('media')
    .values({ id, phone_number_id: number.id, api: 'onprem', mime_type: mimeType, sha256: createHash('sha256').update(data).digest('hex'), file_size: data.length, filename: null, data, created_at: now, expires_at: now + MEDIA_TTL_MS, deleted_at: null })
    .execute();
  return { id };
}

/** `POST /v1/contacts`: since v2.43 every well-formed number comes back `valid` with its wa_id. */
export function checkContacts(contacts: readonly string[]): { input: string; status: 'valid' | 'invalid'; wa_id?: string }[] {
  if (contacts.length === 0) throw onpremErrors.requiredParameter('contacts');
  return contacts.map((input) => {
    const r = normalizeRecipient(input);
    return r.ok ? { input, status: 'valid' as const, wa_id: r.value } : { input, status: 'invalid' as const };
  });
}
