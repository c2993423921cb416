import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errors } from '../core/errors.js';
import { findWaba } from '../platform/accounts/repo.js';
import type { PlatformContext } from '../platform/context.js';
import type { Executor } from '../store/database.js';
import { callbackUrl } from '../platform/graph/schemas.js';
import { seedOnpremDeployment } from '../platform/onprem/service.js';
import { provisionNumber } from '../platform/phone-numbers/service.js';
import { parse } from './request.js';

/** Numbers one bulk call may create: enough for large rehearsals in a few calls, small enough for one transaction. */
export const MAX_BULK_NUMBERS = 1000;

const bulkOnpremSchema = z.object({
  waba_id: z.string().regex(/^\d+$/),
  count: z.number().int().min(1).max(MAX_BULK_NUMBERS),
  cc: z.string().regex(/^\d{1,3}$/),
  /** The first number (national part); the others follow it: 5550100000, 5550100001, … */
  first_phone_number: z.string().regex(/^\d{4,14}$/),
  /** Deployment ids are the prefix and the index: `rehearsal-0`, `rehearsal-1`, … */
  deployment_prefix: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'lowercase letters, digits and dashes, at most 40' }),
  admin_password: z.string().min(8).max(64),
  pin: z.string().regex(/^\d{6}$/),
  verified_name: z.string().min(2).max(75),
  is_official_business_account: z.boolean().optional(),
  webhook_url: callbackUrl.optional(),
});
type BulkOnprem = z.infer<typeof bulkOnpremSchema>;

interface Planned {
  phoneNumber: string;
  deploymentId: string;
}

/** The numbers and deployment ids a request asks for; the phone numbers keep the first one's width. */
function plan(body: BulkOnprem): Planned[] {
  const first = BigInt(body.first_phone_number);
  const width = body.first_phone_number.length;
  const last = String(first + BigInt(body.count - 1));
  if (last.length > width) throw errors.invalidParameter(`Param first_phone_number: ${body.first_phone_number} + ${body.count - 1} needs more than ${width} digits`);
  return Array.from({ length: body.count }, (_, index) => ({ phoneNumber: String(first + BigInt(index)).padStart(width, '0'), deploymentId: `${body.deployment_prefix}${index}` }));
}

/** Refuses the whole request when any number or deployment id it would create already exists. */
async function assertFree(db: Executor, body: BulkOnprem, planned: readonly Planned[]): Promise<void> {
  const numbers = planned.map((p) => p.phoneNumber);
  const taken = await db.selectFrom('phone_numbers').select('number').where('cc', '=', body.cc).where('number', 'in', numbers).limit(1).executeTakeFirst();
  if (taken) throw errors.invalidParameter(`Param first_phone_number: +${body.cc} ${taken.number} already exists`);
  const ids = planned.map((p) => p.deploymentId);
  const used = await db.selectFrom('onprem_deployments').select('id').where('id', 'in', ids).limit(1).executeTakeFirst();
  if (used) throw errors.invalidParameter(`Param deployment_prefix: deployment ${used.id} already exists`);
}

/**
 * `POST /_switchboard/onprem/bulk`: N numbers ready to migrate to Cloud API in one call and one
 * transaction — each registered on its own On-Prem deployment (as seeded demo data is), two-step PIN
 * set, deployment admin password set. Rehearsals and benchmarks of thousands of numbers need this:
 * the public route is about eight calls per number.
 */
export function mountBulkControl(app: FastifyInstance, ctx: PlatformContext, prefix: string): void {
  app.post(`${prefix}/onprem/bulk`, async (req, reply) => {
    const body = parse(bulkOnpremSchema, req.body);
    const planned = plan(body);
    // Checked inside the transaction, so a concurrent call cannot take an id between check and insert.
    const data = await ctx.store.transaction(async (tx) => {
      if (!(await findWaba(tx, body.waba_id))) throw errors.notFound('waba', body.waba_id);
      await assertFree(tx, body, planned);
      const out: { phone_number_id: string; cc: string; phone_number: string; deployment_id: string }[] = [];
      for (const p of planned) {
        const number = await provisionNumber(ctx, tx, {
          wabaId: body.waba_id,
          cc: body.cc,
          phoneNumber: p.phoneNumber,
          verifiedName: body.verified_name,
          registerWithPin: body.pin,
          officialBusinessAccount: body.is_official_business_account,
        });
        await seedOnpremDeployment(ctx, tx, { id: p.deploymentId, adminPassword: body.admin_password, webhookUrl: body.webhook_url ?? '', number, shards: 1 });
        out.push({ phone_number_id: number.id, cc: number.cc, phone_number: number.number, deployment_id: p.deploymentId });
      }
      return out;
    });
    void reply.code(201);
    return { data };
  });
}
