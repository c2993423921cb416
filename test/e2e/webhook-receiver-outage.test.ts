import { describe, expect, it } from 'vitest';
import { advanceClock } from '../support/graph-helpers.js';
import { addNumber, sendInbound, sharedPlatform } from '../support/platform.js';

/**
 * Issue 8: the app's webhook endpoint is down for minutes. The outbox keeps every event, retries with
 * capped exponential backoff on the emulator's clock (not in a hot loop), and once the endpoint is
 * back delivers each event exactly once, in per-number order.
 */
describe('a webhook receiver down for ten minutes', () => {
  // Meta-like spacing: 1 s, 2 s, 4 s … capped at 1 minute; the dispatcher only wakes on its own poll.
  const shared = sharedPlatform({ webhooks: { retryBaseMs: 1000, retryMaxMs: 60_000, pollMs: 20 } });

  it('loses nothing, duplicates nothing, and backs off while it is down', async () => {
    const { tp, world } = shared;
    const number = await addNumber(tp, world);
    world.receiver.status = 503;
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      sent.push((await sendInbound(tp, number.id, `message ${i}`, `1650555${String(1000 + i)}`)).messageId ?? '');
    }

    // Ten simulated minutes in 15-second steps, delivering whatever is due at each step.
    for (let t = 0; t < 40; t++) {
      await advanceClock(tp, 15);
      await tp.flushWebhooks();
    }
    expect(world.receiver.received).toEqual([]);
    const pending = await tp.control<{ data: { id: number; status: string; attempts: number }[] }>('GET', `webhook-deliveries?phone_number_id=${number.id}&field=messages&limit=100`);
    expect(pending.data).toHaveLength(20);
    for (const e of pending.data) {
      expect(e.status).toBe('pending');
      // Backoff: 1+2+4+8+16+32 s, then one try a minute: at most ~16 tries in 10 minutes, not hundreds.
      expect(e.attempts).toBeGreaterThanOrEqual(8);
      expect(e.attempts).toBeLessThanOrEqual(17);
    }

    world.receiver.status = 200;
    await advanceClock(tp, 61);
    await tp.flushWebhooks();
    await world.receiver.waitFor(() => world.receiver.inboundMessages().length >= 20);
    await tp.flushWebhooks();
    const ids = world.receiver.inboundMessages().map((m) => m['id']);
    expect(ids).toEqual(sent);
    expect(world.receiver.received.every((r) => r.validSignature)).toBe(true);
  });
});
