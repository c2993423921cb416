import { describe, expect, it } from 'vitest';
import { Runner } from '../../src/controlplane/jobs/runner.js';
import { useRehearsal } from './support/harness.js';
import { ENV_BASE, numberOnCloud, numberOnOnprem, planFor, sentTexts, viaProxy } from './support/world.js';

/** Plan's request timeout: a send's request can land on the platform until this long after it left. */
const TIMEOUT_MS = 4000;
/** The killed process's request reaches the platform this late (unless the log is read first). */
const LANDS_AFTER_MS = 3000;

/**
 * A message marked `sending` whose sender died while its request was still on the way: the process
 * that takes over must not read the platform's log and resend before that request could land, or the
 * number gets the message twice.
 */
describe('an in-doubt send after a crash', () => {
  const h = useRehearsal({ faults: true });

  it('is judged only once its request could no longer land: found in the log, not sent again; the poller does not wait for it', async () => {
    const { tp, world, proxy } = h;
    const c = await numberOnCloud(tp, world);
    const plan = viaProxy(tp, proxy.url, planFor(tp, world, [{ kind: 'cloud_to_onprem', placed: c }]), { request_timeout_ms: TIMEOUT_MS, rehearsalViaProxy: true });
    const { store, runner: dead } = await h.runner('in-doubt');
    try {
      const { runId } = await dead.create(plan);
      await store.enqueue(c.number.id, { to: '16505551234', type: 'text', text: { body: 'once' } });

      // The first process sends through the open gate; its request is held on the way, then it "dies":
      // the request lands later and its answer never comes back.
      const send = new RegExp(`/${c.number.id}/messages$`);
      proxy.inject('POST', send, { kind: 'hold-then-forward', ms: LANDS_AFTER_MS });
      const first = dead.outbound.flush(c.number.id).catch(() => undefined);
      await proxy.holding();
      // A log read before the request landed is answered first; only then does the request land (the
      // worst case, made certain).
      proxy.onAnswered = (method, path) => {
        if (method === 'GET' && path.startsWith('/_switchboard/messages')) proxy.release();
      };

      // The process that takes over: its own gateway, the same database.
      const next = new Runner(store, { env: { ...ENV_BASE, SB_TOKEN: world.token } });
      const polled = Date.now();
      await next.outbound.flush(c.number.id);
      expect(Date.now() - polled, 'the poller goes on to other numbers instead of waiting').toBeLessThan(1000);
      expect((await store.outbound(c.number.id))[0]?.status).toBe('sending');

      // The job's resume step waits for the request's deadline, then settles it from the log.
      await next.outbound.release(c.number.id, runId, { api: 'cloud', deployment: null, side: 'source' });
      await first;
      expect(await sentTexts(tp, c.number.id)).toEqual(['once']);
      const [row] = await store.outbound(c.number.id);
      expect(row).toMatchObject({ status: 'sent', attempts: 1 });
      expect(row?.remote_id).toMatch(/^wamid\./);
      expect(proxy.hits.filter((hit) => send.test(hit.path))).toHaveLength(1);
    } finally {
      proxy.onAnswered = undefined;
      await store.close();
    }
  }, 30_000);

  it('is looked for on the API it was sent through, not the one the number has moved to since (no duplicate across a migration)', async () => {
    const { tp, world } = h;
    const o = await numberOnOnprem(tp, world);
    const plan = planFor(tp, world, [{ kind: 'onprem_to_cloud', placed: o }]);
    const { store, runner: dead } = await h.runner('in-doubt-moved');
    try {
      const { runId } = await dead.create(plan);
      await store.enqueue(o.number.id, { to: '16505551234', type: 'text', text: { body: 'once' } });
      // Sent through the open gate on On-Prem; the process then "dies" before recording it: the row
      // is left `sending` (long enough ago that its request can no longer be on the way).
      await dead.outbound.flush(o.number.id);
      const [sent] = await store.outbound(o.number.id);
      expect(sent).toMatchObject({ status: 'sent', api: 'onprem' });
      await store.markOutbound(sent?.id ?? 0, { status: 'sending', remote_id: null, sent_at: null, sending_at: 0 });

      // The process that takes over delivers the number's queue on Cloud API, as the resume step does
      // once a migration has switched the number (here only the target moves: a resend would fail).
      const next = new Runner(store, { env: { ...ENV_BASE, SB_TOKEN: world.token } });
      await next.outbound.release(o.number.id, runId, { api: 'cloud', deployment: null, side: 'destination' });
      expect(await sentTexts(tp, o.number.id)).toEqual(['once']);
      expect((await store.outbound(o.number.id))[0]).toMatchObject({ status: 'sent', api: 'onprem' });
    } finally {
      await store.close();
    }
  }, 30_000);
});
