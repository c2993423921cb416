import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idParam, parse } from './request.js';
import { errors } from '../core/errors.js';
import { deleteWaba } from '../platform/accounts/service.js';
import { findWaba } from '../platform/accounts/repo.js';
import { ledgerOf } from '../platform/billing/ledger.js';
import type { PlatformContext } from '../platform/context.js';
import { QUALITY_SCORES } from '../platform/templates/domain.js';
import { setTemplateQuality } from '../platform/templates/quality.js';
import { listMigrations } from '../platform/waba-migration/repo.js';
import type { NumberMigration } from '../store/schema.js';


const migrationView = (m: NumberMigration): Omit<NumberMigration, 'report'> & { report: unknown } => ({ ...m, report: m.report === null ? null : (JSON.parse(m.report) as unknown) });

/** Control endpoints for WABA-to-WABA migrations (seed 004): claims and reports, billing, template quality, WABA deletion. */
export function mountMigrationControl(app: FastifyInstance, ctx: PlatformContext, prefix: string): void {
  const db = ctx.store.db;

  app.get(`${prefix}/migrations`, async (req) => {
    const q = parse(z.object({ phone_number_id: z.string().optional(), waba_id: z.string().optional() }), req.query);
    return { data: (await listMigrations(db, { phoneNumberId: q.phone_number_id, wabaId: q.waba_id })).map(migrationView) };
  });

  app.get(`${prefix}/billing/:wabaId`, async (req) => {
    const q = parse(z.object({ since: z.coerce.number().int().optional(), until: z.coerce.number().int().optional() }), req.query);
    const wabaId = idParam(req, 'wabaId');
    const known = await db.selectFrom('wabas').select('id').where('id', '=', wabaId).executeTakeFirst();
    if (!known) throw errors.notFound('waba', wabaId);
    return ledgerOf(db, wabaId, q);
  });

  app.post(`${prefix}/templates/:id/quality`, async (req) => {
    const body = parse(z.object({ quality_score: z.enum(QUALITY_SCORES) }), req.body);
    return setTemplateQuality(ctx, idParam(req), body.quality_score);
  });

  app.delete(`${prefix}/wabas/:id`, async (req) => {
    if (!(await findWaba(db, idParam(req)))) throw errors.notFound('waba', idParam(req));
    return deleteWaba(ctx, idParam(req));
  });
}
