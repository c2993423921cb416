import { errors } from '../../core/errors.js';
import type { Executor } from '../../store/database.js';
import type { Template } from '../../store/schema.js';
import type { PlatformContext } from '../context.js';
import { TEMPLATE_RERATING_DELAY_MS, rateFromTraffic } from '../waba-migration/domain.js';
import { findTemplate } from './service.js';

/** `message_template_quality_update` (api-facts C.5): the template id is a JSON number. */
async function notifyQuality(ctx: PlatformContext, db: Executor, t: Template, previous: string, next: string, now: number): Promise<void> {
  await ctx.outbox.enqueue(
    db,
    {
      wabaId: t.waba_id,
      phoneNumberId: null,
      field: 'message_template_quality_update',
      value: { previous_quality_score: previous, new_quality_score: next, message_template_id: Number(t.id), message_template_name: t.name, message_template_language: t.language },
    },
    now,
  );
}

/** Emulator control: set a template's quality score (Meta rates from user feedback) and announce it. */
export async function setTemplateQuality(ctx: PlatformContext, id: string, score: string): Promise<Template> {
  return ctx.store.transaction(async (tx) => {
    const t = await findTemplate(tx, id);
    if (!t) throw errors.notFound('template', id);
    const now = ctx.clock.now();
    await tx.updateTable('templates').set({ quality_score: score, quality_updated_at: now }).where('id', '=', id).execute();
    if (score !== t.quality_score) await notifyQuality(ctx, tx, t, t.quality_score, score, now);
    return { ...t, quality_score: score, quality_updated_at: now };
  });
}

/**
 * Outbound sends of one template (by name and language) from its WABA since the copy was made: its
 * first 24 h when the sweep runs on time ("using the past 24h data", seed 004); a copy that had too
 * little traffic then is rated from everything it had by the next sweep that finds enough.
 */
async function trafficOf(db: Executor, t: Template): Promise<{ sent: number; failed: number }> {
  const rows = await db
    .selectFrom('messages')
    .select(['body', 'status'])
    .where('waba_id', '=', t.waba_id)
    .where('direction', '=', 'outbound')
    .where('type', '=', 'template')
    .where('created_at', '>=', t.created_at)
    .execute();
  let sent = 0;
  let failed = 0;
  for (const r of rows) {
    const body = JSON.parse(r.body) as { template?: { name?: string; language?: { code?: string } } };
    if (body.template?.name !== t.name || body.template.language?.code !== t.language) continue;
    sent += 1;
    if (r.status === 'failed') failed += 1;
  }
  return { sent, failed };
}

/**
 * Templates duplicated by a WABA-to-WABA migration start UNKNOWN; 24 h later they are rated from the
 * traffic they had (seed 004). Runs when the emulator's clock moves and on a timer. Returns how many
 * templates got a rating.
 */
export async function rerateMigratedTemplates(ctx: PlatformContext): Promise<number> {
  return ctx.store.transaction(async (tx) => {
    const now = ctx.clock.now();
    const due = await tx
      .selectFrom('templates')
      .selectAll()
      .where('source_template_id', 'is not', null)
      .where('quality_score', '=', 'UNKNOWN')
      .where('status', '=', 'APPROVED')
      .where('created_at', '<=', now - TEMPLATE_RERATING_DELAY_MS)
      .execute();
    let rated = 0;
    for (const t of due) {
      const { sent, failed } = await trafficOf(tx, t);
      const score = rateFromTraffic(sent, failed);
      if (!score) continue;
      await tx.updateTable('templates').set({ quality_score: score, quality_updated_at: now }).where('id', '=', t.id).execute();
      await notifyQuality(ctx, tx, t, 'UNKNOWN', score, now);
      rated += 1;
    }
    return rated;
  });
}
