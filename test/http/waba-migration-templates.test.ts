import { beforeAll, describe, expect, it } from 'vitest';
import { TestPlatform, registerNumber, type HttpResult, type World, sharedPlatform } from '../support/platform.js';
import { advanceClock, expectGraphError, expectUnsupportedRequest } from '../support/graph-helpers.js';
import { createTemplate, templateBody, uniqueConsumer, uniqueName } from '../support/message-helpers.js';
import { migrate, migrationsOf, twoPartners, type TwoPartners } from '../support/waba-migration-helpers.js';

interface TemplateNode {
  id: string;
  name: string;
  language: string;
  status: string;
  rejected_reason: string;
  components: { type: string; text?: string }[];
  quality_score: { score: string; date: number };
}

/**
 * Seed 004 "Message templates": which templates a WABA-to-WABA migration duplicates, what the
 * destination can do with the copies, and their re-rating 24 h later.
 */
describe('WABA-to-WABA migration: message templates (seed 004)', () => {
  const shared = sharedPlatform({ world: false });
  let tp: TestPlatform;
  beforeAll(() => {
    tp = shared.tp;
  });

  // --- local helpers ---------------------------------------------------------------------------

  async function partners(): Promise<TwoPartners> {
    const p = await twoPartners(tp);
    shared.track(p.source, p.dest);
    return p;
  }

  /**
   * A template in `world`'s WABA, then forced to `status` / `quality` as Meta's reviewers would.
   * Each one is created a few ms after the previous one, so "oldest first" is well defined.
   */
  async function template(world: World, name: string, o: { quality?: string; status?: string; text?: string; category?: string } = {}): Promise<string> {
    await tp.control('POST', 'clock/advance', { ms: 5 });
    const created = await createTemplate(tp, world, templateBody(name, { category: o.category ?? 'UTILITY', text: o.text ?? `Order update for ${name}.` }));
    if (o.status) await tp.control('POST', `templates/${created.id}/status`, { status: o.status });
    if (o.quality) await tp.control('POST', `templates/${created.id}/quality`, { quality_score: o.quality });
    return created.id;
  }

  const greenTemplate = (world: World, name: string): Promise<string> => template(world, name, { quality: 'GREEN' });

  async function templatesOf(world: World): Promise<TemplateNode[]> {
    const res = await tp.graph<{ data: TemplateNode[] }>('GET', `${world.wabaId}/message_templates?fields=id,name,language,status,rejected_reason,components,quality_score&limit=100`, world.token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data;
  }

  async function templateNamed(world: World, name: string): Promise<TemplateNode> {
    const found = (await templatesOf(world)).find((t) => t.name === name);
    if (!found) throw new Error(`no template ${name} in ${world.wabaId}`);
    return found;
  }

  async function report(p: TwoPartners) {
    const [m] = await migrationsOf(tp, p.number.id);
    if (!m?.report) throw new Error('no completed migration report');
    return m.report.templates;
  }

  /** Migrates the number and registers it for Cloud API in the destination. */
  async function migrateAndRegister(p: TwoPartners): Promise<void> {
    await migrate(tp, p);
    const registered = await registerNumber(tp, p.dest, p.number.id, '654321');
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
  }

  async function onlineConsumer(): Promise<string> {
    const waId = uniqueConsumer();
    await tp.control('POST', 'consumers', { wa_id: waId, name: 'Pat Doe', online: true });
    return waId;
  }

  function sendTemplate(p: TwoPartners, name: string, to: string): Promise<HttpResult> {
    return tp.graph('POST', `${p.number.id}/messages`, p.dest.token, { messaging_product: 'whatsapp', to, type: 'template', template: { name, language: { code: 'en_US' } } });
  }

  async function sendTimes(p: TwoPartners, name: string, to: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      const res = await sendTemplate(p, name, to);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  }

  /** Webhook change values of `field` about one template that reached `world`'s app. */
  async function templateEvents(world: World, field: string, templateId: string): Promise<Record<string, unknown>[]> {
    await tp.flushWebhooks();
    return world.receiver.changes(field).filter((v) => v['message_template_id'] === Number(templateId));
  }

  const qualityOf = async (world: World, name: string): Promise<string> => (await templateNamed(world, name)).quality_score.score;

  // --- which templates are duplicated ---------------------------------------------------------------

  describe('duplication', () => {
    it('fills the destination up to its template limit, oldest first, and leaves its own templates alone', async () => {
      const p = await partners();
      const [t1, t2, t3, t4, t5] = [1, 2, 3, 4, 5].map((i) => uniqueName(`cap${i}`)) as [string, string, string, string, string];
      // The destination already has two templates, one with t2's name and language (and its own text).
      const destSameName = await template(p.dest, t2, { text: 'The destination own wording.', quality: 'YELLOW' });
      const destOther = await template(p.dest, uniqueName('dest_own'));
      for (const name of [t1, t2, t3, t4, t5]) await greenTemplate(p.source, name);
      await tp.control('PATCH', `wabas/${p.dest.wabaId}`, { template_limit: 4 });
      const destBefore = await templatesOf(p.dest);

      await migrate(tp, p);

      const r = await report(p);
      expect(r.duplicated.map((d) => [d.name, d.status, d.reason])).toEqual([
        [t1, 'APPROVED', 'NONE'],
        [t3, 'APPROVED', 'NONE'],
      ]);
      expect(r.skipped.map((s) => [s.name, s.reason])).toEqual([
        [t2, 'EXISTS_IN_DESTINATION'],
        [t4, 'DESTINATION_TEMPLATE_LIMIT'],
        [t5, 'DESTINATION_TEMPLATE_LIMIT'],
      ]);

      const destAfter = await templatesOf(p.dest);
      expect(destAfter.map((t) => t.name).sort()).toEqual([t1, t3, t2, destBefore.find((t) => t.id === destOther)?.name].sort());
      // The destination's own templates are exactly as they were (same id, text, status, quality).
      for (const id of [destSameName, destOther]) expect(destAfter.find((t) => t.id === id)).toEqual(destBefore.find((t) => t.id === id));
      expect(destAfter.find((t) => t.id === destSameName)).toMatchObject({ components: [{ type: 'BODY', text: 'The destination own wording.' }], quality_score: { score: 'YELLOW' } });
      // The report's ids are the copies in the destination.
      for (const d of r.duplicated) expect(destAfter.find((t) => t.id === d.id)?.name).toBe(d.name);
    });

    it('does not duplicate low-quality, rejected, pending or paused templates', async () => {
      const p = await partners();
      const names = {
        green: uniqueName('green'),
        yellow: uniqueName('yellow'),
        red: uniqueName('red'),
        unrated: uniqueName('unrated'),
        rejected: uniqueName('rejected'),
        pending: uniqueName('pending'),
        paused: uniqueName('paused'),
      };
      await template(p.source, names.green, { quality: 'GREEN' });
      await template(p.source, names.yellow, { quality: 'YELLOW' });
      await template(p.source, names.red, { quality: 'RED' });
      await template(p.source, names.unrated);
      // Forced statuses with a GREEN score: the status alone keeps them out.
      await template(p.source, names.rejected, { status: 'REJECTED', quality: 'GREEN' });
      await template(p.source, names.pending, { status: 'PENDING', quality: 'GREEN' });
      await template(p.source, names.paused, { status: 'PAUSED', quality: 'GREEN' });

      await migrate(tp, p);

      expect((await templatesOf(p.dest)).map((t) => t.name)).toEqual([names.green]);
      const r = await report(p);
      expect(r.duplicated.map((d) => d.name)).toEqual([names.green]);
      expect(Object.fromEntries(r.skipped.map((s) => [s.name, s.reason]))).toEqual({
        [names.yellow]: 'NOT_HIGH_QUALITY',
        [names.red]: 'NOT_HIGH_QUALITY',
        [names.unrated]: 'NOT_HIGH_QUALITY',
        [names.rejected]: 'NOT_APPROVED',
        [names.pending]: 'NOT_APPROVED',
        [names.paused]: 'NOT_APPROVED',
      });
      // The source keeps all of them.
      expect(await templatesOf(p.source)).toHaveLength(7);
    });

    it('a promotional UTILITY template forced to APPROVED/GREEN is copied REJECTED (INCORRECT_CATEGORY), and the destination app is told', async () => {
      const p = await partners();
      const name = uniqueName('promo_util');
      const created = await createTemplate(tp, p.source, templateBody(name, { category: 'UTILITY', text: 'Get 20% off your next order with code SAVE20.' }));
      expect(created.status).toBe('REJECTED');
      await tp.control('POST', `templates/${created.id}/status`, { status: 'APPROVED' });
      await tp.control('POST', `templates/${created.id}/quality`, { quality_score: 'GREEN' });

      await migrate(tp, p);

      const copy = await templateNamed(p.dest, name);
      expect(copy).toMatchObject({ status: 'REJECTED', rejected_reason: 'INCORRECT_CATEGORY', quality_score: { score: 'UNKNOWN' } });
      expect((await report(p)).duplicated).toEqual([{ source_id: created.id, id: copy.id, name, language: 'en_US', status: 'REJECTED', reason: 'INCORRECT_CATEGORY' }]);
      expect(await templateEvents(p.dest, 'message_template_status_update', copy.id)).toEqual([
        { event: 'REJECTED', reason: 'INCORRECT_CATEGORY', message_template_id: Number(copy.id), message_template_name: name, message_template_language: 'en_US', message_template_category: 'UTILITY' },
      ]);
      // The source's template is untouched.
      expect(await templateNamed(p.source, name)).toMatchObject({ id: created.id, status: 'APPROVED', quality_score: { score: 'GREEN' } });
    });
  });

  // --- using the copies ------------------------------------------------------------------------------

  describe('the copies in the destination', () => {
    it('a WABA that still holds a phone number cannot be deleted', async () => {
      const p = await partners();
      const refuse = async (w: World): Promise<void> => {
        const res = await tp.request('DELETE', `/_switchboard/wabas/${w.wabaId}`);
        expectGraphError(res, {
          status: 400,
          code: 100,
          message: '(#100) Invalid parameter',
          details: `The WhatsApp Business Account still holds phone number ${p.number.id}. Migrate or remove its phone numbers first.`,
        });
      };
      await refuse(p.source);
      expect(await templatesOf(p.source)).toEqual([]);
      await migrate(tp, p);
      await refuse(p.dest);
      expect((await tp.graph<{ data: unknown[] }>('GET', `${p.dest.wabaId}/phone_numbers`, p.dest.token)).body.data).toHaveLength(1);
    });

    it('are sendable after register, and stay listed and sendable once the source WABA is deleted', async () => {
      const p = await partners();
      const name = uniqueName('ship');
      const sourceId = await greenTemplate(p.source, name);
      await migrateAndRegister(p);
      const consumer = await onlineConsumer();
      await sendTimes(p, name, consumer, 1);

      const deleted = await tp.request('DELETE', `/_switchboard/wabas/${p.source.wabaId}`);
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
      expect(deleted.body).toEqual({ success: true });
      // The source's own template went with its WABA…
      expectUnsupportedRequest(await tp.graph('GET', sourceId, p.source.token), 'GET', sourceId);
      // …the destination's copy did not.
      const copy = await templateNamed(p.dest, name);
      expect(copy).toMatchObject({ status: 'APPROVED', language: 'en_US' });
      expect((await tp.graph('GET', copy.id, p.dest.token)).body).toMatchObject({ id: copy.id, name, status: 'APPROVED' });
      await sendTimes(p, name, consumer, 1);
      const sent = await tp.control<{ data: { type: string; status: string }[] }>('GET', `messages?phone_number_id=${p.number.id}&wa_id=${consumer}`);
      expect(sent.data.map((m) => [m.type, m.status])).toEqual([
        ['template', 'delivered'],
        ['template', 'delivered'],
      ]);
    });
  });

  // --- re-rating ---------------------------------------------------------------------------------

  describe('re-rating 24 h after the migration', () => {
    /** A number migrated with GREEN templates `names`, registered in the destination. */
    async function migratedWith(...names: string[]): Promise<TwoPartners> {
      const p = await partners();
      for (const name of names) await greenTemplate(p.source, name);
      await migrateAndRegister(p);
      for (const name of names) expect(await qualityOf(p.dest, name)).toBe('UNKNOWN');
      return p;
    }

    it('a copy with healthy traffic stays UNKNOWN for 24 h, then becomes GREEN and the destination app is told', async () => {
      const name = uniqueName('busy');
      const p = await migratedWith(name);
      await sendTimes(p, name, await onlineConsumer(), 5);
      const copyId = (await templateNamed(p.dest, name)).id;

      await advanceClock(tp, 23 * 3600);
      expect(await qualityOf(p.dest, name)).toBe('UNKNOWN');
      expect(await templateEvents(p.dest, 'message_template_quality_update', copyId)).toEqual([]);

      await advanceClock(tp, 3600 + 60);
      expect(await qualityOf(p.dest, name)).toBe('GREEN');
      expect(await templateEvents(p.dest, 'message_template_quality_update', copyId)).toEqual([
        { previous_quality_score: 'UNKNOWN', new_quality_score: 'GREEN', message_template_id: Number(copyId), message_template_name: name, message_template_language: 'en_US' },
      ]);
    });

    it('a copy without traffic stays UNKNOWN after 24 h (no webhook), and is rated once traffic comes', async () => {
      const idle = uniqueName('idle');
      const p = await migratedWith(idle);
      const copyId = (await templateNamed(p.dest, idle)).id;

      await advanceClock(tp, 24 * 3600 + 60);
      expect(await qualityOf(p.dest, idle)).toBe('UNKNOWN');
      expect(await templateEvents(p.dest, 'message_template_quality_update', copyId)).toEqual([]);

      await sendTimes(p, idle, await onlineConsumer(), 1);
      await advanceClock(tp, 60);
      expect(await qualityOf(p.dest, idle)).toBe('GREEN');
    });

    it('a copy whose sends mostly fail becomes RED', async () => {
      const name = uniqueName('failing');
      const p = await migratedWith(name);
      await sendTimes(p, name, await onlineConsumer(), 1);
      // Not WhatsApp users: accepted, then failed (131026).
      for (let i = 0; i < 4; i++) await sendTimes(p, name, uniqueConsumer(), 1);
      const statuses = await tp.control<{ data: { status: string }[] }>('GET', `messages?phone_number_id=${p.number.id}`);
      expect(statuses.data.map((m) => m.status).sort()).toEqual(['delivered', 'failed', 'failed', 'failed', 'failed']);
      const copyId = (await templateNamed(p.dest, name)).id;

      await advanceClock(tp, 24 * 3600 + 60);
      expect(await qualityOf(p.dest, name)).toBe('RED');
      expect(await templateEvents(p.dest, 'message_template_quality_update', copyId)).toEqual([expect.objectContaining({ previous_quality_score: 'UNKNOWN', new_quality_score: 'RED' })]);
    });
  });
});
