import { errors } from '../../core/errors.js';
import { newGraphId } from '../../core/ids.js';
import type { Executor } from '../../store/database.js';
import type { Template } from '../../store/schema.js';
import { findWaba } from '../accounts/repo.js';
import type { PlatformContext } from '../context.js';
import { editHistoryAfter, reviewTemplate, templateEditProblem, type CreateTemplateInput, type EditTemplateInput, type Review } from './domain.js';

export const listTemplates = (db: Executor, wabaId: string): Promise<Template[]> =>
  db.selectFrom('templates').selectAll().where('waba_id', '=', wabaId).orderBy('created_at', 'desc').orderBy('id').execute();

export const findTemplate = (db: Executor, id: string): Promise<Template | undefined> =>
  db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst();

async function countTemplates(db: Executor, wabaId: string): Promise<number> {
  const row = await db.selectFrom('templates').select((eb) => eb.fn.countAll<number>().as('n')).where('waba_id', '=', wabaId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** `message_template_status_update` to the WABA's subscribed apps (api-facts C.5). */
export async function notifyTemplateStatus(ctx: PlatformContext, db: Executor, t: Template, event: string, reason: string, now: number): Promise<void> {
  await ctx.outbox.enqueue(
    db,
    {
      wabaId: t.waba_id,
      phoneNumberId: null,
      field: 'message_template_status_update',
      value: { event, message_template_id: Number(t.id), message_template_name: t.name, message_template_language: t.language, reason, message_template_category: t.category },
    },
    now,
  );
}

/** Creates a template in its WABA, runs the review, and announces the outcome by webhook. */
export async function createTemplate(ctx: PlatformContext, wabaId: string, input: CreateTemplateInput): Promise<{ id: string; status: string; category: string }> {
  return ctx.store.transaction(async (tx) => {
    const waba = await findWaba(tx, wabaId);
    if (!waba) throw errors.unsupportedRequest('POST', wabaId);
    const duplicate = await tx.selectFrom('templates').select('id').where('waba_id', '=', wabaId).where('name', '=', input.name).where('language', '=', input.language).executeTakeFirst();
    if (duplicate) throw errors.templateAlreadyExists(input.name, input.language);
    if ((await countTemplates(tx, wabaId)) >= waba.template_limit) throw errors.templateLimitExceeded(waba.template_limit);
    const review = reviewTemplate(input.category, input.components);
    const now = ctx.clock.now();
    const t = newTemplateRow(wabaId, { ...input, parameter_format: input.parameter_format ?? 'POSITIONAL', components: JSON.stringify(input.components) }, review, now);
    await insertTemplate(ctx, tx, t, now);
    return { id: t.id, status: t.status, category: t.category };
  });
}

/** `POST /{TEMPLATE_ID}`: new content goes through review again, and the outcome is announced. */
export async function editTemplate(ctx: PlatformContext, id: string, edit: EditTemplateInput): Promise<{ success: true }> {
  return ctx.store.transaction(async (tx) => {
    const t = await findTemplate(tx, id);
    if (!t) throw errors.unsupportedRequest('POST', id);
    const now = ctx.clock.now();
    const problem = templateEditProblem(t, edit, now);
    if (problem) throw errors.invalidParameter(problem);
    const category = edit.category ?? t.category;
    // Unchanged components are reviewed again (a new category may change the outcome) but kept as stored.
    const review = reviewTemplate(category, edit.components ?? (JSON.parse(t.components) as { type: string; text?: string }[]));
    const components = edit.components ? JSON.stringify(edit.components) : t.components;
    const patch = { category, components, status: review.status, rejected_reason: review.reason, updated_at: now, edit_history: editHistoryAfter(t, now) };
    await tx.updateTable('templates').set(patch).where('id', '=', id).execute();
    await notifyTemplateStatus(ctx, tx, { ...t, ...patch }, review.status, review.reason, now);
    return { success: true as const };
  });
}

/** A new template row of a WABA with its review outcome; quality is UNKNOWN until rated. */
export function newTemplateRow(
  wabaId: string,
  content: Pick<Template, 'name' | 'language' | 'category' | 'parameter_format' | 'components'> & { source_template_id?: string | null },
  review: Review,
  now: number,
): Template {
  return {
    id: newGraphId(),
    waba_id: wabaId,
    name: content.name,
    language: content.language,
    category: content.category,
    sub_category: null,
    parameter_format: content.parameter_format,
    components: content.components,
    status: review.status,
    rejected_reason: review.reason,
    quality_score: 'UNKNOWN',
    quality_updated_at: now,
    previous_category: null,
    source_template_id: content.source_template_id ?? null,
    created_at: now,
    updated_at: now,
    edit_history: '[]',
  };
}

/** Stores a template and announces its status to the WABA's apps. */
export async function insertTemplate(ctx: PlatformContext, tx: Executor, t: Template, now: number): Promise<void> {
  await tx.insertInto('graph_nodes').values({ id: t.id, kind: 'template' }).execute();
  await tx.insertInto('templates').values(t).execute();
  await notifyTemplateStatus(ctx, tx, t, t.status, t.rejected_reason, now);
}

/** `DELETE /{WABA_ID}/message_templates?name=...[&hsm_id=...]`: all languages of a name, or one id. */
export async function deleteTemplates(ctx: PlatformContext, wabaId: string, name: string, hsmId: string | undefined): Promise<{ success: true }> {
  await ctx.store.transaction(async (tx) => {
    let q = tx.selectFrom('templates').selectAll().where('waba_id', '=', wabaId).where('name', '=', name);
    if (hsmId) q = q.where('id', '=', hsmId);
    const victims = await q.execute();
    if (victims.length === 0) throw errors.invalidParameter(`Message template "${name}" not found`);
    if (victims.some((t) => t.status === 'DISABLED')) throw errors.invalidParameter('Disabled message templates cannot be deleted');
    const ids = victims.map((t) => t.id);
    await tx.deleteFrom('templates').where('id', 'in', ids).execute();
    await tx.deleteFrom('graph_nodes').where('id', 'in', ids).execute();
    const now = ctx.clock.now();
    for (const t of victims) await notifyTemplateStatus(ctx, tx, t, 'DELETED', 'NONE', now);
  });
  return { success: true };
}

/** Emulator control: force a template's status (e.g. PAUSED, DISABLED) and announce it. */
export async function setTemplateStatus(ctx: PlatformContext, id: string, status: string, reason = 'NONE'): Promise<Template> {
  return ctx.store.transaction(async (tx) => {
    const t = await findTemplate(tx, id);
    if (!t) throw errors.invalidParameter(`Unknown template ${id}`);
    const now = ctx.clock.now();
    await tx.updateTable('templates').set({ status, rejected_reason: reason, updated_at: now }).where('id', '=', id).execute();
    const updated = { ...t, status, rejected_reason: reason, updated_at: now };
    await notifyTemplateStatus(ctx, tx, updated, status, reason, now);
    return updated;
  });
}
