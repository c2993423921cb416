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

export type InboundResult = { delivered: true; messageId: string } | { delivered: false; reason: string };

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
    if (!number) throw errors.invalidParameter(`Unknown phone number id ${req.phoneNumberId}`);
    if (number.api !== 'cloud') return { delivered: false, reason: number.api === 'none' ? 'number not registered on any API' : `number registered on ${number.api}` };
    const now = ctx.clock.now();
    const consumer = await ensureConsumer(tx, req.from, req.profileName, now);
    const id = newMessageId(req.from);
    const typed = await materialise(tx, number, req.content, now);
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
      api: 'cloud',
      biz_opaque_callback_data: null,
      pricing: null,
      error_code: null,
      created_at: now,
      updated_at: now,
    });
    await touchServiceWindow(tx, number.id, req.from, now);
    const value = inboundValue(numberMetadata(number), { name: consumer.name, waId: req.from }, message);
    await ctx.outbox.enqueue(tx, { wabaId: number.waba_id, phoneNumberId: number.id, field: 'messages', value, phoneOverrideUrl: number.webhook_override_url }, now);
    return { delivered: true, messageId: id };
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
async function materialise(db: Executor, number: PhoneNumber, content: InboundContent, now: number): Promise<Record<string, unknown>> {
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
        .values({ id, phone_number_id: number.id, api: 'cloud', mime_type: mime, sha256, file_size: data.length, filename: null, data, created_at: now, expires_at: now + 7 * DAY, deleted_at: null })
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
