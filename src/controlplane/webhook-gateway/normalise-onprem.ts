import { cloudError } from './error-codes.js';
import { changeValue, contactsFor, messagesEvent, stringOf, type NumberRef } from './normalise.js';
import { isObject, objects, type Dropped, type Json, type Normalised, type NormalisedEvent, type OnpremError } from './wire.js';

/**
 * On-Premises webhook payload → Cloud API `messages` change values (api-facts D.3 → C.2–C.4).
 * On-Prem posts bare arrays without the business number; the deployment the payload came in on
 * says which number it is (`number`). Pure: no I/O, no clock.
 */
export function normaliseOnprem(payload: unknown, number: NumberRef): Normalised {
  const events: NormalisedEvent[] = [];
  const dropped: Dropped[] = [];
  if (!isObject(payload)) return { events, dropped: [{ reason: 'payload is not a JSON object', item: payload }] };
  for (const m of objects(payload['messages'])) {
    const result = cloudMessage(m);
    if (typeof result === 'string') {
      dropped.push({ reason: result, item: m });
      continue;
    }
    const from = stringOf(result['from']);
    const contacts = result['type'] === 'system' ? [] : contactsFor(payload['contacts'], from);
    events.push(messagesEvent({ kind: 'message', number, value: changeValue(number.metadata, 'messages', [result], contacts), timestamp: result['timestamp'], subjectId: stringOf(result['id']) }));
  }
  for (const s of objects(payload['statuses'])) {
    const result = cloudStatus(s);
    if (typeof result === 'string') {
      dropped.push({ reason: result, item: s });
      continue;
    }
    events.push(messagesEvent({ kind: 'status', number, value: changeValue(number.metadata, 'statuses', [result]), timestamp: result['timestamp'], subjectId: stringOf(result['id']), status: String(result['status']) }));
  }
  const errors = objects(payload['errors']);
  if (errors.length > 0) {
    events.push(messagesEvent({ kind: 'error', number, value: changeValue(number.metadata, 'errors', errors.map((e) => cloudError(onpremError(e), true))), timestamp: null, subjectId: null }));
  }
  return { events, dropped };
}

const MEDIA_TYPES = new Set(['image', 'video', 'document', 'sticker']);

/** The Cloud message object for an On-Prem one, or why it cannot be expressed. */
export function cloudMessage(m: Json): Json | string {
  const { type, errors, ...rest } = m;
  if (typeof type !== 'string' || stringOf(m['id']) === null || stringOf(m['from']) === null) return 'message without from, id or type';
  const mappedErrors = objects(errors).map((e) => cloudError(onpremError(e), false));
  const withErrors = (msg: Json): Json => (mappedErrors.length > 0 ? { ...msg, errors: mappedErrors } : msg);
  switch (type) {
    case 'voice':
    case 'audio': {
      // Seeds 000/001: On-Prem marks push-to-talk with type "voice"; Cloud with audio.voice = true.
      const { voice, audio, ...others } = rest;
      const media = type === 'voice' ? voice : audio;
      if (!isObject(media)) return `${type} message without its ${type} object`;
      return withErrors({ ...others, type: 'audio', audio: { ...mediaObject(media), voice: type === 'voice' || media['voice'] === true } });
    }
    case 'system':
      return withErrors({ ...rest, type, system: systemObject(rest['system']) });
    case 'unknown':
    case 'ephemeral':
      return unsupported(rest, type);
    default: {
      const body = rest[type];
      if (MEDIA_TYPES.has(type) && isObject(body)) return withErrors({ ...rest, type, [type]: mediaObject(body) });
      return withErrors({ ...rest, type });
    }
  }
}

/** `file` is a path inside the On-Prem container (deprecated there, meaningless to a Cloud app). */
function mediaObject(media: Json): Json {
  const { file: _file, ...rest } = media;
  return rest;
}

/**
 * On-Prem reports a changed number as `{type: customer_changed_number | user_changed_number,
 * new_wa_id}`; Cloud (v12.0+) as `{type: user_changed_number, wa_id}`. Other system types keep
 * their fields (`customer_identity_changed` has the same shape on both).
 */
function systemObject(system: unknown): Json {
  if (!isObject(system)) return {};
  const { new_wa_id: newWaId, ...rest } = system;
  const changed = rest['type'] === 'customer_changed_number' || rest['type'] === 'user_changed_number';
  if (!changed) return system;
  return { ...rest, ...(newWaId !== undefined && { wa_id: newWaId }), type: 'user_changed_number' };
}

/**
 * On-Prem `unknown` (and `ephemeral`, a disappearing message whose content the business cannot
 * see) → Cloud's `unsupported` message with error 131051, as Meta documents it.
 */
function unsupported(rest: Json, type: string): Json {
  const { [type]: _body, ...others } = rest;
  return {
    ...others,
    errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'Message type is currently not supported.' } }],
    type: 'unsupported',
    unsupported: { type },
  };
}

/** Cloud's status names (api-facts C.3); On-Prem's `deleted` and `warning` have no counterpart. */
const CLOUD_STATUSES = new Set(['sent', 'delivered', 'read', 'played', 'failed']);

/** The Cloud status object for an On-Prem one, or why it cannot be expressed. */
export function cloudStatus(s: Json): Json | string {
  const { type: _type, message, conversation, pricing, errors, recipient_id: recipientId, ...rest } = s;
  const status = stringOf(s['status']);
  if (status === null || stringOf(s['id']) === null) return 'status without id or status';
  if (!CLOUD_STATUSES.has(status)) return `status "${status}" has no Cloud API equivalent`;
  const recipient = recipientId ?? (isObject(message) ? message['recipient_id'] : undefined);
  const out: Json = { ...rest, ...(recipient !== undefined && { recipient_id: recipient }) };
  if (isObject(conversation)) out['conversation'] = conversationObject(conversation);
  if (isObject(pricing)) out['pricing'] = { ...pricing, ...(typeof pricing['category'] === 'string' && { category: categoryOf(pricing['category']) }) };
  const mapped = objects(errors).map((e) => cloudError(onpremError(e), true));
  if (mapped.length > 0) out['errors'] = mapped;
  return out;
}

/** On-Prem writes `expiration_timestamp` as a number; Cloud as a string. */
function conversationObject(c: Json): Json {
  const { expiration_timestamp: exp, origin, ...rest } = c;
  return {
    ...rest,
    ...(exp !== undefined && { expiration_timestamp: String(exp) }),
    ...(isObject(origin) && { origin: { ...origin, ...(typeof origin['type'] === 'string' && { type: categoryOf(origin['type']) }) } }),
  };
}

/** Pre-2023 On-Prem deployments name the service category `user_initiated`; Cloud calls it `service`. */
const categoryOf = (c: string): string => (c === 'user_initiated' ? 'service' : c);

function onpremError(e: Json): OnpremError {
  const code = typeof e['code'] === 'number' ? e['code'] : Number(e['code']);
  return {
    code: Number.isFinite(code) ? code : 0,
    title: stringOf(e['title']) ?? 'Unknown error',
    ...(stringOf(e['details']) !== null && { details: String(e['details']) }),
  };
}
