import type { Connections } from '../connections.js';
import { describeError, isRetryable } from '../errors.js';
import type { Gate, JobStore, OutboundRow } from '../jobs/store.js';
import type { NumberEntry } from '../plan/schema.js';
import { sleep } from '../util/pool.js';
import { toCloudPayload, toOnpremPayload, trackingTag, sameMessage } from './payload.js';

export type Target = Pick<Gate, 'api' | 'deployment' | 'side'>;

/**
 * Added to the plan's request timeout before an in-doubt send is judged: `sending_at` is taken before
 * the mark commits, so the request leaves a little later than it says.
 */
export const IN_DOUBT_GRACE_MS = 1000;

/** How waiting for an in-doubt send's deadline is handled: a job's step waits; the poller moves on. */
type Patience = 'wait' | 'later';

/**
 * The partner's app sends through the control plane. Every message is stored first (durable, ordered
 * per number by id); a number's gate says whether it may leave now and on which API. During a
 * migration the gate is held; the job's resume step delivers what was held on the new API, in order,
 * then opens the gate.
 *
 * Exactly once: a message is marked `sending` before its request and `sent` after. A message found
 * `sending` after a crash is in doubt; in rehearsals the platform's message log settles it (by the
 * tracking tag), in production it is marked `in_doubt` and not resent (the report lists it) — Cloud API
 * offers no way to look a sent message up. The log is read only once the request can no longer land
 * (its `sending_at` plus the request timeout): the dead process's request may still be on its way.
 */
export class OutboundGateway {
  /** One delivery loop per number at a time, within this process (the run's lease covers others). */
  private readonly busy = new Map<string, Promise<void>>();

  constructor(
    private readonly store: JobStore,
    private readonly conns: (runId: string) => Promise<Connections>,
  ) {}

  /** Accepts a message for a number of a run; it leaves at once if the gate is open. */
  async send(phoneNumberId: string, payload: Record<string, unknown>): Promise<{ id: number; state: 'queued' | 'held' }> {
    const gate = await this.store.gate(phoneNumberId);
    if (!gate) throw new Error(`number ${phoneNumberId} is not part of a migration run`);
    const id = await this.store.enqueue(phoneNumberId, payload);
    if (gate.state === 'open') void this.flush(phoneNumberId).catch(() => undefined);
    return { id, state: gate.state === 'open' ? 'queued' : 'held' };
  }

  /** Holds the number's messages; returns once a delivery already under way has stopped. */
  async hold(phoneNumberId: string, runId: string, target: Target): Promise<void> {
    await this.store.setGate({ phone_number_id: phoneNumberId, run_id: runId, state: 'held', ...target });
    // A flush re-reads the gate before each message, so it ends at the next message at the latest.
    await this.busy.get(phoneNumberId);
  }

  /** Delivers what is queued to `target` (even while held), then opens the gate there. */
  async release(phoneNumberId: string, runId: string, target: Target): Promise<number> {
    const always = async (): Promise<boolean> => true;
    const sent = await this.deliver(phoneNumberId, runId, target, always, 'wait');
    await this.store.setGate({ phone_number_id: phoneNumberId, run_id: runId, state: 'open', ...target });
    // Anything enqueued between the last delivery and the gate opening leaves now.
    return sent + (await this.deliver(phoneNumberId, runId, target, always, 'wait'));
  }

  /** Delivers queued messages behind an open gate (the poller calls this for every such number). */
  async flush(phoneNumberId: string): Promise<void> {
    const gate = await this.store.gate(phoneNumberId);
    if (gate?.state !== 'open') return;
    // Stops as soon as a migration holds the gate (or moves it), even mid-queue.
    const stillOpen = async (): Promise<boolean> => {
      const now = await this.store.gate(phoneNumberId);
      return now?.state === 'open' && now.api === gate.api && now.deployment === gate.deployment && now.side === gate.side;
    };
    // A message still in doubt is left for a later poll: the poller serves every number in turn.
    await this.deliver(phoneNumberId, gate.run_id, gate, stillOpen, 'later');
  }

  private deliver(phoneNumberId: string, runId: string, target: Target, allowed: () => Promise<boolean>, patience: Patience): Promise<number> {
    const previous = this.busy.get(phoneNumberId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.drain(phoneNumberId, runId, target, allowed, patience));
    const settled = next.then(() => undefined, () => undefined);
    this.busy.set(phoneNumberId, settled);
    void settled.then(() => {
      if (this.busy.get(phoneNumberId) === settled) this.busy.delete(phoneNumberId);
    });
    return next;
  }

  private async drain(phoneNumberId: string, runId: string, target: Target, allowed: () => Promise<boolean>, patience: Patience): Promise<number> {
    const conn = await this.conns(runId);
    const entry = conn.entry(phoneNumberId);
    if (!entry) throw new Error(`number ${phoneNumberId} is not in run ${runId}'s plan`);
    let sent = 0;
    for (let row = await this.store.nextOutbound(phoneNumberId); row && (await allowed()); row = await this.store.nextOutbound(phoneNumberId)) {
      if (row.status === 'sending') {
        const verdict = await this.settleInDoubt(conn, row, target, patience);
        if (verdict === 'later') break;
        if (verdict === 'settled') continue;
      }
      await this.store.markOutbound(row.id, { status: 'sending', api: target.api, sending_at: this.store.now() }, true);
      try {
        const remoteId = await this.post(conn, entry, row, target);
        await this.store.markOutbound(row.id, { status: 'sent', remote_id: remoteId ?? null, sent_at: this.store.now(), error: null });
        sent += 1;
      } catch (err) {
        // Transient: leave it `sending` (the caller retries; the next attempt settles the doubt first).
        if (isRetryable(err)) throw err;
        // Permanent (invalid message, 24 h window...): record it and go on — one bad message must not block the rest.
        await this.store.markOutbound(row.id, { status: 'failed', error: describeError(err) });
      }
    }
    return sent;
  }

  private async post(conn: Connections, entry: NumberEntry, row: OutboundRow, target: Target): Promise<string | undefined> {
    const payload = JSON.parse(row.payload) as Record<string, unknown>;
    if (target.api === 'onprem') {
      if (!target.deployment) throw new Error(`no deployment to send ${row.id} through`);
      return (await conn.deployment(target.deployment).sendMessage(toOnpremPayload(payload))).id;
    }
    const graph = target.side === 'destination' ? conn.destinationGraph(entry) : conn.sourceGraph(entry);
    return (await graph.sendMessage(entry.phone_number_id, toCloudPayload(payload, trackingTag(row.id)))).messages?.[0]?.id;
  }

  /**
   * `settled`: found sent, or parked as in_doubt; `resend`: its request did not land; `later`: it may
   * still land (with `patience` 'later'; 'wait' sleeps until it cannot).
   */
  private async settleInDoubt(conn: Connections, row: OutboundRow, target: Target, patience: Patience): Promise<'settled' | 'resend' | 'later'> {
    if (!conn.rehearsal) {
      await this.store.markOutbound(row.id, { status: 'in_doubt', error: 'the process stopped between sending and recording; not resent to avoid a duplicate' });
      return 'settled';
    }
    // From the durable mark, so a restarted process waits as long as the one that sent would have.
    const landsUntil = (row.sending_at ?? 0) + conn.plan.request_timeout_ms + IN_DOUBT_GRACE_MS;
    const wait = landsUntil - this.store.now();
    if (wait > 0) {
      if (patience === 'later') return 'later';
      await sleep(wait);
    }
    const payload = JSON.parse(row.payload) as Record<string, unknown>;
    const log = await conn.rehearsal.messages(row.phone_number_id);
    const claimed = new Set((await this.store.outbound(row.phone_number_id)).map((r) => r.remote_id).filter((id): id is string => id !== null));
    // Looked for as it was sent: the number may have moved API since (a crash mid-migration).
    const sentOn = row.api === 'onprem' || row.api === 'cloud' ? row.api : target.api;
    const match = log.find((m) => !claimed.has(m.id) && sameMessage(m, payload, trackingTag(row.id), sentOn));
    if (!match) return 'resend';
    await this.store.markOutbound(row.id, { status: 'sent', remote_id: match.id, sent_at: this.store.now(), error: null });
    return 'settled';
  }
}
