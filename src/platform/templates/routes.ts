import { z } from 'zod';
import { errors } from '../../core/errors.js';
import { unwrap } from '../../core/result.js';
import type { Template } from '../../store/schema.js';
import type { PlatformContext } from '../context.js';
import { paginate, parseFields, parseParams, selectFields } from '../graph/params.js';
import { route, type GraphRoute } from '../graph/route.js';
import { createTemplateSchema, editTemplateSchema } from './domain.js';
import { createTemplate, deleteTemplates, editTemplate, findTemplate, listTemplates } from './service.js';

const templateFields: Readonly<Record<string, (t: Template) => unknown>> = {
  id: (t) => t.id,
  name: (t) => t.name,
  language: (t) => t.language,
  status: (t) => t.status,
  category: (t) => t.category,
  sub_category: (t) => t.sub_category ?? undefined,
  previous_category: (t) => t.previous_category ?? undefined,
  parameter_format: (t) => t.parameter_format,
  components: (t) => JSON.parse(t.components) as unknown,
  rejected_reason: (t) => t.rejected_reason,
  quality_score: (t) => ({ score: t.quality_score, date: Math.floor(t.quality_updated_at / 1000) }),
};
const templateDefaults = ['name', 'parameter_format', 'components', 'language', 'status', 'category', 'sub_category', 'previous_category', 'id'] as const;
const NODE_TYPE = 'WhatsAppMessageTemplate';

const listFilters = z.object({
  name: z.string().optional(),
  status: z.string().transform((v) => v.toUpperCase()).optional(),
  category: z.string().transform((v) => v.toUpperCase()).optional(),
  language: z.string().optional(),
});

const deleteSchema = z.object({ name: z.string().min(1), hsm_id: z.string().regex(/^\d+$/).optional() });

export function templateRoutes(ctx: PlatformContext): GraphRoute[] {
  return [
    route('waba', 'GET', 'message_templates', 'whatsapp_business_management', async (call) => {
      const f = unwrap(parseParams(listFilters, call.params));
      const all = (await listTemplates(ctx.store.db, call.nodeId)).filter(
        (t) =>
          (f.name === undefined || t.name.includes(f.name)) &&
          (f.status === undefined || f.status.split(',').includes(t.status)) &&
          (f.category === undefined || t.category === f.category) &&
          (f.language === undefined || t.language === f.language),
      );
      const requested = parseFields(call.params['fields']);
      const { page, paging } = unwrap(paginate(all, call.params, call.url));
      const data = page.map((t) => unwrap(selectFields(t, requested, templateDefaults, templateFields, NODE_TYPE)));
      return paging ? { data, paging } : { data };
    }),

    route('waba', 'POST', 'message_templates', 'whatsapp_business_management', async (call) =>
      createTemplate(ctx, call.nodeId, unwrap(parseParams(createTemplateSchema, call.params))),
    ),

    route('waba', 'DELETE', 'message_templates', 'whatsapp_business_management', async (call) => {
      const input = unwrap(parseParams(deleteSchema, call.params));
      return deleteTemplates(ctx, call.nodeId, input.name, input.hsm_id);
    }),

    route('template', 'GET', null, 'whatsapp_business_management', async (call) => {
      const t = await findTemplate(ctx.store.db, call.nodeId);
      if (!t) throw errors.unsupportedRequest('GET', call.nodeId);
      return unwrap(selectFields(t, parseFields(call.params['fields']), templateDefaults, templateFields, NODE_TYPE));
    }),

    route('template', 'POST', null, 'whatsapp_business_management', async (call) => editTemplate(ctx, call.nodeId, unwrap(parseParams(editTemplateSchema, call.params)))),
  ];
}
