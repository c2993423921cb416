import { createHash, randomBytes } from 'node:crypto';
import { DAY, unixSeconds } from '../../core/clock.js';
import { errors } from '../../core/errors.js';
import { newGraphId, newMessageId } from '../../core/ids.js';
import type { Executor } from '../../store/database.js';
import type { PhoneNumber } from '../../store/schema.js';
import type { PlatformContext } from '../context.js';
import { findPhoneNumber } from '../phone-numbers/repo.js';
import { inboundValue } from '../webhooks/cloud-format.js';
import { findConsumer, insertMessage, touchServiceWindow } from './repo.js';
import { numberMetadata } from './service.js';
import { onpremInbound } from '../onprem/format.js';
import { webhookUrl } from '../onprem/messaging.js';
import { findDeployment, recordDrop } from '../onprem/repo.js';

/** What a simulated consumer sends. Media content is synthesised; its id is a Cloud media id. */
export type InboundContent =
  | { type: 'text'; text: { body: string } }
  | { type: 'image' | 'video' | 'document' | 'sticker'; caption?: string; filename?: string }
  | { type: 'audio'; voice: boolean }
  | { type: 'location'; location: { latitude: number; longitude: number; name?: string; address?: string } }
  | { type: 'reaction'; reaction: { message_id: string; emoji: string } }
  | { type: 'button'; button: { text: string; payload: string } }
  | { type: 'interactive'; interactive: Record<string, unknown> };

export interface InboundRequest {
  phoneNumberId: string;
  from: string;
  profileName?: string;
  content: InboundContent;
  contextMessageId?: string;
}

export type InboundResult = { delivered: true; messageId: string; api: 'cloud' | 'onprem' } | { delivered: false; dropped: true; reason: string };

const MIME: Record<string, string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  document: 'application/pdf',
  sticker: 'image/webp',
  audio: 'audio/ogg; codecs=opus',
};

/**
 * A consumer messages a business number. Opens (refreshes) the 24 h service window and notifies
 * the apps subscribed to the number's WABA. A number registered on no API cannot receive.
 */
export async function receiveInbound(ctx: PlatformContext, req: InboundRequest): Promise<InboundResult> {
  return ctx.store.transaction(async (tx) => {
    const number = await findPhoneNumber(tx, req.phoneNumberId);
    if (!number) throw errors.notFound('phone number', req.phoneNumberId);
    const now = ctx.clock.now();
    const dropReason =
      number.downtime_until !== null && number.downtime_until > now ? 'migration downtime' : number.api === 'none' ? 'number not registered on any API' : undefined;
    if (dropReason) {
      // Meta drops these silently; we record them so tests and the console can see what was lost.
      await recordDrop(tx, number.id, req.from, dropReason, { type: req.content.type, content: req.content }, now);
      return { delivered: false, dropped: true, reason: dropReason };
    }
    const api = number.api === 'onprem' ? 'onprem' : 'cloud';
    const consumer = await ensureConsumer(tx, req.from, req.profileName, now);
    const wamid = newMessageId(req.from);
    const id = api === 'onprem' ? wamid.slice('wamid.'.length) : wamid;
    const typed = await materialise(tx, number, api, req.content, now);
    const message: Record<string, unknown> = {
      from: req.from,
      id,
      timestamp: unixSeconds(now),
      ...(req.contextMessageId && { context: { from: number.cc + number.number, id: req.contextMessageId } }),
      type: req.content.type,
      ...typed,
    };
    await insertMessage(tx, {
      id,
      phone_number_id: number.id,
      waba_id: number.waba_id,
      direction: 'inbound',
      wa_id: req.from,
      type: req.content.type,
      body: JSON.stringify(message),
      status: 'received',
      api,
      biz_opaque_callback_data: null,
      pricing: null,
      error_code: null,
      created_at: now,
      updated_at: now,
    });
    await touchServiceWindow(tx, number.id, req.from, now);
    const contact = { name: consumer.name, waId: req.from };
    if (api === 'onprem') {
      const dep = number.onprem_deployment_id ? await findDeployment(tx, number.onprem_deployment_id) : undefined;
      const url = dep ? webhookUrl(dep) : undefined;
      if (dep && url) await ctx.outbox.enqueueOnprem(tx, { deploymentId: dep.id, wabaId: number.waba_id, phoneNumberId: number.id, url, value: onpremInbound(contact, message) }, now);
    } else {
      const value = inboundValue(numberMetadata(number), contact, message);
      await ctx.outbox.enqueue(tx, { wabaId: number.waba_id, phoneNumberId: number.id, field: 'messages', value, phoneOverrideUrl: number.webhook_override_url }, now);
    }
    return { delivered: true, messageId: id, api };
  });
}

async function ensureConsumer(db: Executor, waId: string, name: string | undefined, now: number): Promise<{ name: string }> {
  const existing = await findConsumer(db, waId);
  if (existing) return existing;
  const consumer = { wa_id: waId, name: name ?? `Consumer ${waId.slice(-4)}`, online: 1, auto_read: 0, created_at: now };
  await db.insertInto('consumers').values(consumer).execute();
  return consumer;
}

/** The per-type object of the webhook message; media gets a real, downloadable Cloud media id. */
async function materialise(db: Executor, number: PhoneNumber, api: 'cloud' | 'onprem', content: InboundContent, now: number): Promise<Record<string, unknown>> {
  switch (content.type) {
    case 'image':
    case 'video':
    case 'document':
    case 'sticker':
    case 'audio': {
      const mime = MIME[content.type] ?? 'application/octet-stream';
      const data = randomBytes(256);
      const id = newGraphId();
      const sha256 = createHash('sha256').update(data).digest('hex');
      await db.insertInto('graph_nodes').values({ id, kind: 'media' }).execute();
      await db
        .insertInto('media')
        .values({ id, phone_number_id: number.id, api, mime_type: mime, sha256, file_size: data.length, filename: null, data, created_at: now, expires_at: now + 7 * DAY, deleted_at: null })
        .execute();
      const media: Record<string, unknown> = { mime_type: mime, sha256, id };
      if (content.type === 'audio') media['voice'] = content.voice;
      if (content.type === 'sticker') media['animated'] = false;
      if ('caption' in content && content.caption) media['caption'] = content.caption;
      if ('filename' in content && content.filename) media['filename'] = content.filename;
      return { [content.type]: media };
    }
    case 'text':
      return { text: content.text };
    case 'location':
      return { location: content.location };
    case 'reaction':
      return { reaction: content.reaction };
    case 'button':
      return { button: content.button };
    case 'interactive':
      return { interactive: content.interactive };
  }
}
