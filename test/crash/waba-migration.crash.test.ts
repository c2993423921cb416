import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Checks, GRAPH, Proc, SEEDS, between, fireAndKill, pool, rng, tempDb } from './harness.js';

/**
 * Crash during WABA-to-WABA verify_code (seed 004 step 3, template duplication): after kill -9 and a
 * restart each number is in exactly one WABA; a moved number has a `completed` migration whose
 * report's duplicated templates all exist in the destination (no half-copied set); an unmoved one has
 * no copies; and retrying verify_code with the same code converges.
 */
const PAIRS = 10;
const TEMPLATES = 6;

interface Pair {
  number: string;
  src: string;
  dst: string;
  code: string;
}

async function setUp(p: Proc, seed: number): Promise<{ pairs: Pair[]; token: string }> {
  const partner = await p.control<{ id: string }>('POST', 'businesses', { name: 'Partner' });
  const app = await p.control<{ id: string }>('POST', 'apps', { name: 'App', business_id: partner.id });
  const { access_token: token } = await p.control<{ access_token: string }>('POST', 'tokens', { app_id: app.id, business_ids: [partner.id] });
  const pairs = await pool(PAIRS, 4, async (i) => {
    const srcBiz = await p.control<{ id: string }>('POST', 'businesses', { name: `Source ${i}` });
    const dstBiz = await p.control<{ id: string }>('POST', 'businesses', { name: `Dest ${i}` });
    const src = await p.control<{ id: string }>('POST', 'wabas', { name: `Src ${i}`, owner_business_id: srcBiz.id, partner_business_id: partner.id, payment_method: 'credit_line' });
    const dst = await p.control<{ id: string }>('POST', 'wabas', { name: `Dst ${i}`, owner_business_id: dstBiz.id, partner_business_id: partner.id, payment_method: 'credit_line' });
    await p.control('POST', `wabas/${src.id}/subscribed_apps/${app.id}`);
    await p.control('POST', `wabas/${dst.id}/subscribed_apps/${app.id}`);
    for (let t = 0; t < TEMPLATES; t++) {
      const created = await p.ok<{ id: string; status: string }>('POST', `${GRAPH}/${src.id}/message_templates`, { name: `order_ready_${t}`, language: 'en_US', category: 'UTILITY', components: [{ type: 'BODY', text: `Your order ${t} is ready.` }] }, token);
      if (created.status !== 'APPROVED') throw new Error(`template ${created.status}`);
      await p.control('POST', `templates/${created.id}/quality`, { quality_score: 'GREEN' });
    }
    const phone = `5553${String(seed % 100).padStart(2, '0')}${String(i).padStart(4, '0')}`;
    const n = await p.control<{ id: string }>('POST', 'phone-numbers', { waba_id: src.id, cc: '1', phone_number: phone, verified_name: 'Shop', register_pin: '123456' });
    await p.control('PATCH', `phone-numbers/${n.id}`, { two_step_enabled: false });
    await p.ok('POST', `${GRAPH}/${dst.id}/phone_numbers`, { cc: '1', phone_number: phone, migrate_phone_number: true }, token);
    await p.ok('POST', `${GRAPH}/${n.id}/request_code`, { code_method: 'SMS', language: 'en_US' }, token);
    const inbox = await p.control<{ data: { code: string }[] }>('GET', `code-inbox?phone_number_id=${n.id}`);
    return { number: n.id, src: src.id, dst: dst.id, code: inbox.data[0]!.code };
  });
  return { pairs, token };
}

interface Migration {
  status: string;
  dest_waba_id: string;
  report: { templates: { duplicated: { id: string; source_id: string }[] } } | null;
}

describe('crash during WABA-to-WABA verify_code (template duplication)', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: one WABA per number, whole template sets, retries converge`, async () => {
      const r = rng(seed);
      const { db, cleanup } = tempDb(`waba-${seed}`);
      let p = await Proc.start(db);
      const checks = new Checks();
      try {
        const { pairs, token } = await setUp(p, seed);
        const delay = between(r, 2, 30);
        const running = p;
        const { outcomes, killedAtMs } = await fireAndKill(
          p,
          pairs.map((x) => () => running.call('POST', `${GRAPH}/${x.number}/verify_code`, { code: x.code }, token)),
          delay,
        );
        p = await Proc.start(db);
        const sqlite = new SQLite(db, { readonly: true, fileMustExist: true });
        const copiesIn = (waba: string): { id: string; source_template_id: string }[] =>
          sqlite.prepare('select id, source_template_id from templates where waba_id = ? and source_template_id is not null').all(waba) as { id: string; source_template_id: string }[];

        const inspect = async (x: Pair, i: number, phase: string): Promise<boolean> => {
          const n = await p.control<{ waba_id: string }>('GET', `phone-numbers/${x.number}`);
          const inSrc = (await p.ok<{ data: { id: string }[] }>('GET', `${GRAPH}/${x.src}/phone_numbers`, undefined, token)).data.some((d) => d.id === x.number);
          const inDst = (await p.ok<{ data: { id: string }[] }>('GET', `${GRAPH}/${x.dst}/phone_numbers`, undefined, token)).data.some((d) => d.id === x.number);
          const migrations = (await p.control<{ data: Migration[] }>('GET', `migrations?phone_number_id=${x.number}`)).data;
          const completed = migrations.filter((m) => m.status === 'completed');
          const copies = copiesIn(x.dst);
          const moved = n.waba_id === x.dst;
          const ctx = () =>
            `seed ${seed} ${phase} number ${x.number} src=${x.src} dst=${x.dst}: waba=${n.waba_id} inSrc=${inSrc} inDst=${inDst} migrations=${JSON.stringify(migrations.map((m) => m.status))} copies=${copies.length} client=${JSON.stringify(outcomes[i])}`;
          checks.check(n.waba_id === x.src || n.waba_id === x.dst, () => `number in a third WABA: ${ctx()}`);
          checks.check(inSrc !== inDst && (moved ? inDst : inSrc), () => `number not listed in exactly its one WABA: ${ctx()}`);
          if (moved) {
            checks.check(completed.length === 1 && completed[0]?.dest_waba_id === x.dst, () => `moved without one completed migration: ${ctx()}`);
            const dup = completed[0]?.report?.templates.duplicated ?? [];
            checks.check(dup.length === TEMPLATES, () => `report duplicated ${dup.length} of ${TEMPLATES}: ${ctx()}`);
            checks.check(copies.length === dup.length, () => `half-copied template set (${copies.length} copies, report says ${dup.length}): ${ctx()}`);
            const ids = new Set(copies.map((c) => c.id));
            checks.check(dup.every((d) => ids.has(d.id)), () => `report names copies that do not exist: ${ctx()}`);
          } else {
            checks.check(completed.length === 0, () => `completed migration but number not moved: ${ctx()}`);
            checks.check(copies.length === 0, () => `copies without a move: ${ctx()}`);
          }
          return moved;
        };

        let committed = 0;
        for (const [i, x] of pairs.entries()) {
          const moved = await inspect(x, i, 'after-restart');
          if (moved) committed += 1;
          const o = outcomes[i]!;
          if (o.ok && o.value.status === 200) checks.check(moved, () => `acknowledged verify_code lost: seed ${seed} ${x.number}`);
        }
        // Retry the same verify_code where it did not land.
        let retried = 0;
        for (const [i, x] of pairs.entries()) {
          const n = await p.control<{ waba_id: string }>('GET', `phone-numbers/${x.number}`);
          if (n.waba_id === x.dst) continue;
          retried += 1;
          const res = await p.call('POST', `${GRAPH}/${x.number}/verify_code`, { code: x.code }, token);
          checks.check(res.status === 200, () => `seed ${seed} ${x.number}: verify_code retry ${res.status} ${JSON.stringify(res.body)}`);
          checks.check(await inspect(x, i, 'after-retry'), () => `seed ${seed} ${x.number}: retry did not move the number`);
        }
        sqlite.close();
        const acknowledged = outcomes.filter((o) => o.ok && o.value.status === 200).length;
        console.log(
          `[crash:waba-migration seed=${seed}] ops=${pairs.length} kill@${killedAtMs.toFixed(0)}ms (delay ${delay}) acknowledged=${acknowledged} committed=${committed} retried=${retried} checks passed=${checks.passed} violations=${checks.violations.length}`,
        );
        expect(checks.violations).toEqual([]);
      } finally {
        await p.stop();
        cleanup();
      }
    }, 60_000);
  }
});
