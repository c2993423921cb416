import { describe, expect, it } from 'vitest';
import { Checks, GRAPH, Proc, SEEDS, between, fireAndKill, pool, rng, tempDb } from './harness.js';

/**
 * Crash during On-Prem backup → Cloud register (seeds 000/002) and backup → restore onto a new
 * deployment: after a kill -9 and a restart every number is on exactly one API with a consistent
 * deployment (at most one connected holder), acknowledged calls stuck, and retrying converges.
 */
const NUMBERS = 20;
const PIN = '123456';
const ADMIN = 'Crash-admin-1';
const BACKUP_PASSWORD = 'tacocat';
const basic = `Basic ${Buffer.from(`admin:${ADMIN}`).toString('base64')}`;

interface Subject {
  id: string;
  cc: string;
  phone: string;
  a: string; // the deployment holding the number
  aToken: string;
  b: string | undefined; // restore target (odd subjects)
  bToken: string | undefined;
}

async function deployment(p: Proc, id: string): Promise<string> {
  await p.ok('POST', '/_switchboard/onprem/deployments', { id, admin_password: ADMIN }, undefined, 201);
  const login = await p.ok<{ users: { token: string }[] }>('POST', `/onprem/${id}/v1/users/login`, {}, basic);
  return login.users[0]!.token;
}

async function setUp(p: Proc, seed: number): Promise<{ subjects: Subject[]; token: string }> {
  const partner = await p.control<{ id: string }>('POST', 'businesses', { name: 'Crash Partner' });
  const waba = await p.control<{ id: string }>('POST', 'wabas', { name: 'Crash WABA', owner_business_id: partner.id });
  const app = await p.control<{ id: string }>('POST', 'apps', { name: 'Crash App', business_id: partner.id });
  const { access_token } = await p.control<{ access_token: string }>('POST', 'tokens', { app_id: app.id, business_ids: [partner.id] });
  const subjects = await pool(NUMBERS, 6, async (i) => {
    const phone = `5552${String(seed % 100).padStart(2, '0')}${String(i).padStart(4, '0')}`;
    const n = await p.control<{ id: string }>('POST', 'phone-numbers', { waba_id: waba.id, cc: '1', phone_number: phone, verified_name: 'Crash Shop', register_pin: PIN, is_official_business_account: true });
    const a = `s${seed}-a${i}`;
    const aToken = await deployment(p, a);
    const { certificate } = await p.control<{ certificate: string }>('GET', `phone-numbers/${n.id}/certificate`);
    await p.ok('POST', `/onprem/${a}/v1/account`, { cc: '1', phone_number: phone, method: 'sms', cert: certificate, pin: PIN }, aToken, 202);
    const inbox = await p.control<{ data: { code: string; consumed_at: number | null }[] }>('GET', `code-inbox?phone_number_id=${n.id}`);
    const code = inbox.data.find((c) => c.consumed_at === null)?.code;
    await p.ok('POST', `/onprem/${a}/v1/account/verify`, { code }, aToken, 201);
    const s: Subject = { id: n.id, cc: '1', phone, a, aToken, b: undefined, bToken: undefined };
    if (i % 2 === 1) {
      s.b = `s${seed}-b${i}`;
      s.bToken = await deployment(p, s.b);
    }
    const state = await p.control<{ api: string; onprem_deployment_id: string }>('GET', `phone-numbers/${n.id}`);
    if (state.api !== 'onprem' || state.onprem_deployment_id !== a) throw new Error(`setup: ${n.id} on ${state.api}`);
    return s;
  });
  return { subjects, token: access_token };
}

interface Trace {
  backup?: string;
  final?: { status: number; body: unknown };
}

const backupOf = async (p: Proc, s: Subject): Promise<{ status: number; data?: string; body: unknown }> => {
  const r = await p.call<{ settings?: { data: string } }>('POST', `/onprem/${s.a}/v1/settings/backup`, { password: BACKUP_PASSWORD }, s.aToken);
  return { status: r.status, data: r.body.settings?.data, body: r.body };
};
const registerWith = (p: Proc, token: string, s: Subject, data: string) =>
  p.call('POST', `${GRAPH}/${s.id}/register`, { messaging_product: 'whatsapp', pin: PIN, backup: { password: BACKUP_PASSWORD, data } }, token);
const restoreWith = (p: Proc, s: Subject, data: string) => p.call('POST', `/onprem/${s.b}/v1/settings/restore`, { password: BACKUP_PASSWORD, data }, s.bToken);

describe('crash during On-Prem backup → Cloud register / restore', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: one API, one connected holder, acknowledged calls durable, retries converge`, async () => {
      const r = rng(seed);
      const { db, cleanup } = tempDb(`reg-${seed}`);
      let p = await Proc.start(db);
      const checks = new Checks();
      try {
        const { subjects, token } = await setUp(p, seed);
        const traces: Trace[] = subjects.map(() => ({}));
        const delay = between(r, 5, 80);
        const running = p;
        // Three in four numbers are backed up before the crash window (so the kill lands in register /
        // restore); the rest back up inside it (so it also lands in backup).
        await pool(subjects.length, 4, async (i) => {
          if (i % 4 === 3) return;
          const b = await backupOf(p, subjects[i]!);
          if (!b.data) throw new Error(`setup backup ${b.status}`);
          traces[i]!.backup = b.data;
        });
        const ops = subjects.map((s, i) => async () => {
          if (!traces[i]!.backup) {
            const b = await backupOf(running, s);
            if (!b.data) throw new Error(`backup ${b.status} ${JSON.stringify(b.body)}`);
            traces[i]!.backup = b.data;
          }
          const data = traces[i]!.backup!;
          const res = s.b ? await restoreWith(running, s, data) : await registerWith(running, token, s, data);
          traces[i]!.final = res;
          return res.status;
        });
        const { outcomes, killedAtMs } = await fireAndKill(p, ops, delay);
        p = await Proc.start(db);

        let committedMoves = 0;
        for (const [i, s] of subjects.entries()) {
          const n = await p.control<{ api: string; onprem_deployment_id: string | null; waba_id: string }>('GET', `phone-numbers/${s.id}`);
          const deps = [s.a, ...(s.b ? [s.b] : [])];
          const views = await Promise.all(deps.map((d) => p.control<{ id: string; gateway_status: string }>('GET', `onprem/deployments/${d}`)));
          const connected = views.filter((v) => v.gateway_status === 'connected').map((v) => v.id);
          const ctx = () => `seed ${seed} number ${s.id} (${s.b ? 'restore' : 'register'}): api=${n.api} dep=${String(n.onprem_deployment_id)} connected=[${connected.join(',')}] client=${JSON.stringify(outcomes[i])}`;
          checks.check(n.api === 'cloud' || n.api === 'onprem', () => `not on exactly one API: ${ctx()}`);
          checks.check(connected.length <= 1, () => `more than one connected holder: ${ctx()}`);
          checks.check(n.api === 'onprem' ? connected.length === 1 && connected[0] === n.onprem_deployment_id : connected.length === 0, () => `deployment disagrees with the number: ${ctx()}`);
          const moved = s.b ? n.api === 'onprem' && n.onprem_deployment_id === s.b : n.api === 'cloud';
          if (moved) committedMoves += 1;
          // An acknowledged call stuck.
          const fin = traces[i]!.final;
          if (fin?.status === 200) checks.check(moved, () => `acknowledged ${s.b ? 'restore' : 'register'} lost: ${ctx()}`);
          if (!moved) checks.check(n.api === 'onprem' && n.onprem_deployment_id === s.a, () => `number neither stayed nor moved: ${ctx()}`);
        }

        // Retry: the same call with the same backup (or a new backup if the client never got one) converges.
        let retried = 0;
        for (const [i, s] of subjects.entries()) {
          const t = traces[i]!;
          let data = t.backup;
          if (!data) {
            const b = await backupOf(p, s);
            checks.check(b.data !== undefined, () => `seed ${seed} ${s.id}: backup after restart failed ${b.status} ${JSON.stringify(b.body)}`);
            data = b.data;
          }
          if (!data) continue;
          retried += 1;
          const res = s.b ? await restoreWith(p, s, data) : await registerWith(p, token, s, data);
          const n = await p.control<{ api: string; onprem_deployment_id: string | null }>('GET', `phone-numbers/${s.id}`);
          const views = await Promise.all([s.a, ...(s.b ? [s.b] : [])].map((d) => p.control<{ id: string; gateway_status: string }>('GET', `onprem/deployments/${d}`)));
          const connected = views.filter((v) => v.gateway_status === 'connected').map((v) => v.id);
          const ctx = `seed ${seed} number ${s.id}: retry ${res.status} ${JSON.stringify(res.body)}; api=${n.api} dep=${String(n.onprem_deployment_id)} connected=[${connected.join(',')}]; first try ${JSON.stringify(outcomes[i])}`;
          if (s.b) {
            const alreadyThere = res.status !== 200 && JSON.stringify(res.body).includes('already holds');
            checks.check(res.status === 200 || alreadyThere, () => `restore retry refused: ${ctx}`);
            checks.check(n.api === 'onprem' && n.onprem_deployment_id === s.b && connected.length === 1 && connected[0] === s.b, () => `restore retry did not converge: ${ctx}`);
          } else {
            checks.check(res.status === 200, () => `register retry refused: ${ctx}`);
            checks.check(n.api === 'cloud' && connected.length === 0, () => `register retry did not converge to Cloud: ${ctx}`);
          }
        }

        const acknowledged = traces.filter((t) => t.final?.status === 200).length;
        console.log(
          `[crash:register/restore seed=${seed}] ops=${subjects.length} kill@${killedAtMs.toFixed(0)}ms (delay ${delay}) acknowledged=${acknowledged} committed=${committedMoves} ` +
            `backups-in-hand=${traces.filter((t) => t.backup).length} retried=${retried} checks passed=${checks.passed} violations=${checks.violations.length}`,
        );
        expect(checks.violations).toEqual([]);
      } finally {
        await p.stop();
        cleanup();
      }
    }, 60_000);
  }
});
