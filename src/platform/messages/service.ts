import { errors } from '../../core/errors.js';
import { newMessageId } from '../../core/ids.js';
import { unwrap } from '../../core/result.js';
import type { Executor } from '../../store/database.js';
import type { Message, PhoneNumber } from '../../store/schema.js';
import type { PlatformContext } from '../context.js';
import { parseParams } from '../graph/params.js';
import { e164Digits } from '../phone-numbers/domain.js';
import { findPhoneNumber, findSendingNumber, type SendingNumber } from '../phone-numbers/repo.js';
import type { Notification } from '../webhooks/outbox.js';
import { statusesValue, type NumberMetadata, type Pricing, type StatusName, type WebhookError } from '../webhooks/cloud-format.js';
import { deliveryOutcome, normalizeRecipient, pricingFor, SERVICE_WINDOW_MS, type DeliveryOutcome } from './domain.js';
import { checkTemplateSend } from './template-send.js';
import { findConsumer, findMediaMeta, findMessage, findTemplateByName, insertMessage, lastInboundAt, setMessageStatus } from './repo.js';
import { MEDIA_TYPES, markReadSchema, payloadSchemas, sendEnvelope, type MediaObject, type MediaType, type TemplateObject } from './schema.js';
import { onpremStatus } from '../onprem/format.js';
import { reportsStatus, webhookUrl } from '../onprem/messaging.js';
import { findDeployment } from '../onprem/repo.js';
import { chargeOnDelivery } from '../billing/ledger.js';
import { isMediaUsable } from '../media/domain.js';

export interface SendResponse {
  messaging_product: 'whatsapp';
  contacts: { input: string; wa_id: string }[];
  messages: { id: string }[];
  [key: string]: unknown;
}

export const numberMetadata = (n: Pick<PhoneNumber, 'id' | 'cc' | 'number'>): NumberMetadata => ({ display_phone_number: e164Digits(n), phone_number_id: n.id });

/** `POST /{PHONE_NUMBER_ID}/messages`: validates, accepts, and schedules the status webhooks. */
export async function sendMessage(ctx: PlatformContext, numberId: string, params: Record<string, unknown>): Promise<SendResponse | { success: true }> {
  if (params['status'] === 'read') return markRead(ctx, numberId, params);
  const envelope = unwrap(parseParams(sendEnvelope, params));
  const type = envelope.type ?? 'text';
  const payload = unwrap(parseParams(payloadSchemas[type], params[type], () => errors.parameterMissing(`Parameter '${type}' is required for messages of type ${type}`)));
  const waId = unwrap(normalizeRecipient(envelope.to));

  return ctx.store.transaction(async (tx) => {
    const number = await sendableNumber(tx, numberId);
    if (waId === e164Digits(number)) throw errors.recipientIsSender();
    let templateCategory: string | null = null;
    if (type === 'template') {
      const request = payload as TemplateObject; // parsed by payloadSchemas.template above
      const template = unwrap(checkTemplateSend(await findTemplateByName(tx, number.waba_id, request.name, request.language.code), request));
      templateCategory = template.category;
    }
    const now = ctx.clock.now();
    if ((MEDIA_TYPES as readonly string[]).includes(type)) await checkMediaReference(tx, number, type as MediaType, payload as MediaObject, now);

    const { outcome, windowOpen } = await outboundOutcome(tx, number.id, waId, type === 'template', now);
    const id = newMessageId(waId);
    const message = outboundMessage({
      id,
      number,
      waId,
      type,
      body: { [type]: payload, ...(envelope.context && { context: envelope.context }) },
      outcome,
      api: 'cloud',
      bizOpaqueCallbackData: envelope.biz_opaque_callback_data ?? null,
      pricing: outcome.error ? null : JSON.stringify(pricingFor(templateCategory, windowOpen)),
      errorCode: outcome.error?.code ?? null,
      now,
    });
    await insertMessage(tx, message);
    await chargeOnDelivery(tx, message, 'accepted', message.status, now);
    const pricing = message.pricing === null ? null : (JSON.parse(message.pricing) as Pricing);
    await ctx.outbox.enqueueAll(
      tx,
      outcome.statuses.map((status) => statusNotification(number, message, status, now, status === 'failed' ? outcome.error : null, pricing)),
      now,
    );
    return { messaging_product: 'whatsapp', contacts: [{ input: envelope.to, wa_id: waId }], messages: [{ id }] };
  });
}

/** Who the recipient is and whether their service window is open decide a message's fate (both APIs). */
export async function outboundOutcome(db: Executor, numberId: string, waId: string, isTemplate: boolean, now: number): Promise<{ outcome: DeliveryOutcome; windowOpen: boolean }> {
  const consumer = await findConsumer(db, waId);
  const last = await lastInboundAt(db, numberId, waId);
  const windowOpen = last !== undefined && now - last < SERVICE_WINDOW_MS;
  return { outcome: deliveryOutcome({ consumer, windowOpen, isTemplate }), windowOpen };
}

export interface OutboundFacts {
  id: string;
  number: Pick<PhoneNumber, 'id' | 'waba_id'>;
  waId: string;
  type: string;
  body: Record<string, unknown>;
  outcome: DeliveryOutcome;
  api: 'cloud' | 'onprem';
  bizOpaqueCallbackData: string | null;
  pricing: string | null;
  errorCode: number | null;
  now: number;
}

/** The stored row of an outbound message, at the last status its outcome reaches. */
export function outboundMessage(f: OutboundFacts): Message {
  return {
    id: f.id,
    phone_number_id: f.number.id,
    waba_id: f.number.waba_id,
    direction: 'outbound',
    wa_id: f.waId,
    type: f.type,
    body: JSON.stringify(f.body),
    status: f.outcome.statuses[f.outcome.statuses.length - 1] ?? 'accepted',
    api: f.api,
    biz_opaque_callback_data: f.bizOpaqueCallbackData,
    pricing: f.pricing,
    error_code: f.errorCode,
    created_at: f.now,
    updated_at: f.now,
  };
}

async function sendableNumber(db: Executor, numberId: string): Promise<SendingNumber> {
  const number = await findSendingNumber(db, numberId);
  if (!number) throw errors.unsupportedRequest('POST', numberId);
  if (number.api !== 'cloud') throw errors.accountNotRegistered();
  return number;
}

/** Media ids must be Cloud API uploads of the same WABA (On-Prem ids are not valid here, seed 000). */
async function checkMediaReference(db: Executor, number: SendingNumber, type: MediaType, media: MediaObject, now: number): Promise<void> {
  if (media.id === undefined) return;
  const meta = await findMediaMeta(db, media.id);
  const owner = meta ? await findPhoneNumber(db, meta.phone_number_id) : undefined;
  const usable = meta && owner && meta.api === 'cloud' && isMediaUsable(meta, owner.history_since, now) && owner.waba_id === number.waba_id;
  if (!usable) throw errors.invalidParameter(`Param ${type}['id'] is not a valid whatsapp business account media attachment ID`);
}

function statusNotification(
  number: SendingNumber,
  message: Message,
  status: StatusName,
  at: number,
  error: WebhookError | null,
  pricing: Pricing | null,
): Notification {
  const value = statusesValue(numberMetadata(number), {
    messageId: message.id,
    status,
    at,
    recipientId: message.wa_id,
    pricing: status === 'read' ? null : pricing,
    bizOpaqueCallbackData: message.biz_opaque_callback_data,
    error,
  });
  // The WABA that sent the message hears about it, even after its number migrated elsewhere (seed 004).
  return { wabaId: message.waba_id, phoneNumberId: number.id, field: 'messages', value, phoneOverrideUrl: number.webhook_override_url };
}

async function markRead(ctx: PlatformContext, numberId: string, params: Record<string, unknown>): Promise<{ success: true }> {
  const input = unwrap(parseParams(markReadSchema, params));
  await ctx.store.transaction(async (tx) => {
    const number = await sendableNumber(tx, numberId);
    const message = await findMessage(tx, input.message_id);
    // Messages from before a history cut-off (an API switch) are not this API's to mark.
    const beforeHistory = message !== undefined && number.history_since !== null && message.created_at < number.history_since;
    if (!message || message.phone_number_id !== numberId || message.direction !== 'inbound' || beforeHistory) {
      throw errors.invalidParameter(`Param message_id is not a valid message id received by this phone number: ${input.message_id}`);
    }
    await setMessageStatus(tx, message.id, 'read', ctx.clock.now());
  });
  return { success: true };
}

/**
 * Moves an outbound message forward (the consumer's phone got it, or the consumer read it) and emits
 * the matching status webhook. Used by the control API to simulate consumers.
 */
export function advanceOutboundStatus(ctx: PlatformContext, messageId: string, status: 'delivered' | 'read'): Promise<Message> {
  return ctx.store.transaction((tx) => advanceOutboundStatusIn(ctx, tx, messageId, status));
}

/** The same, inside a caller's transaction (several messages move together). */
export async function advanceOutboundStatusIn(ctx: PlatformContext, tx: Executor, messageId: string, status: 'delivered' | 'read'): Promise<Message> {
  const message = await findMessage(tx, messageId);
  if (!message || message.direction !== 'outbound') throw errors.invalidParameter(`Unknown outbound message ${messageId}`);
  const order = ['accepted', 'sent', 'delivered', 'read'];
  if (message.status === 'failed' || order.indexOf(message.status) >= order.indexOf(status)) return message;
  const number = await findPhoneNumber(tx, message.phone_number_id);
  if (!number) throw errors.internal();
  const now = ctx.clock.now();
  const steps = status === 'read' && message.status !== 'delivered' ? (['delivered', 'read'] as const) : ([status] as const);
  if (number.api === 'onprem') {
    // The number's webhooks go to the API it is registered on now (seeds 000/001): its deployment's URL, On-Prem format.
    const dep = number.onprem_deployment_id ? await findDeployment(tx, number.onprem_deployment_id) : undefined;
    const url = dep ? webhookUrl(dep) : undefined;
    if (dep && url) {
      for (const s of steps.filter((step) => reportsStatus(dep, step))) {
        await ctx.outbox.enqueueOnprem(tx, { deploymentId: dep.id, wabaId: number.waba_id, phoneNumberId: number.id, url, value: onpremStatus({ id: message.id, status: s, at: now, recipientId: message.wa_id, error: null }) }, now);
      }
    }
  } else {
    const pricing = message.pricing === null ? null : (JSON.parse(message.pricing) as Pricing);
    await ctx.outbox.enqueueAll(
      tx,
      steps.map((s) => statusNotification(number, message, s, now, null, pricing)),
      now,
    );
  }
  await setMessageStatus(tx, message.id, status, now);
  await chargeOnDelivery(tx, message, message.status, status, now);
  return { ...message, status, updated_at: now };
}
