import { errors } from '../core/errors.js';
import type { PlatformContext } from '../platform/context.js';
import { advanceOutboundStatusIn } from '../platform/messages/service.js';
import type { Consumer } from '../store/schema.js';
import { e164Digits } from '../platform/phone-numbers/domain.js';
import { findPhoneNumber, updatePhoneNumber } from '../platform/phone-numbers/repo.js';

export interface ConsumerPatch {
  name?: string | undefined;
  online?: boolean | undefined;
  autoRead?: boolean | undefined;
}

/**
 * Changes a consumer; one who comes online gets every message that reached "sent" for them, in the
 * same transaction (a crash cannot leave an online consumer with undelivered messages).
 */
export async function updateConsumer(ctx: PlatformContext, waId: string, patch: ConsumerPatch): Promise<Consumer & { delivered_message_ids: string[] }> {
  return ctx.store.transaction(async (tx) => {
    const set = {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.online !== undefined && { online: patch.online ? 1 : 0 }),
      ...(patch.autoRead !== undefined && { auto_read: patch.autoRead ? 1 : 0 }),
    };
    if (Object.keys(set).length > 0) await tx.updateTable('consumers').set(set).where('wa_id', '=', waId).execute();
    const consumer = await tx.selectFrom('consumers').selectAll().where('wa_id', '=', waId).executeTakeFirst();
    if (!consumer) throw errors.notFound('consumer', waId);
    const pending = patch.online
      ? await tx.selectFrom('messages').select('id').where('wa_id', '=', waId).where('direction', '=', 'outbound').where('status', '=', 'sent').orderBy('created_at').execute()
      : [];
    for (const m of pending) await advanceOutboundStatusIn(ctx, tx, m.id, 'delivered');
    return { ...consumer, delivered_message_ids: pending.map((m) => m.id) };
  });
}

/** The business asks for a new display name; it stays pending until approved or rejected. */
export async function requestDisplayNameChange(ctx: PlatformContext, id: string, name: string): Promise<{ success: true }> {
  const n = await findPhoneNumber(ctx.store.db, id);
  if (!n) throw errors.notFound('phone number', id);
  await updatePhoneNumber(ctx.store.db, id, { new_verified_name: name, new_name_status: 'PENDING_REVIEW' });
  return { success: true };
}

/**
 * Meta's reviewer decides on the pending display name (or, with none pending, on the current one)
 * and sends `phone_number_name_update` to the WABA's apps.
 */
export async function approveDisplayName(ctx: PlatformContext, id: string, decision: 'APPROVED' | 'REJECTED'): Promise<{ success: true }> {
  await ctx.store.transaction(async (tx) => {
    const n = await findPhoneNumber(tx, id);
    if (!n) throw errors.notFound('phone number', id);
    const requested = n.new_verified_name ?? n.verified_name;
    const approved = decision === 'APPROVED';
    await updatePhoneNumber(
      tx,
      id,
      n.new_verified_name
        ? { new_verified_name: null, new_name_status: null, ...(approved && { verified_name: requested, name_status: 'APPROVED' }) }
        : { name_status: approved ? 'APPROVED' : 'DECLINED' },
    );
    const now = ctx.clock.now();
    await ctx.outbox.enqueue(
      tx,
      {
        wabaId: n.waba_id,
        phoneNumberId: n.id,
        field: 'phone_number_name_update',
        value: { display_phone_number: e164Digits(n), decision, requested_verified_name: requested, rejection_reason: approved ? null : 'NAME_FORMAT_UNACCEPTABLE' },
      },
      now,
    );
  });
  return { success: true };
}
