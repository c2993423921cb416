import type { PlatformContext } from './context.js';
import { rerateMigratedTemplates } from './templates/quality.js';

/**
 * Time-driven platform work that no request triggers (today: re-rating migrated templates after
 * 24 h). Runs on a timer, and `runNow` lets the control API apply it right after moving the clock.
 */
export class Maintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly ctx: PlatformContext,
    private readonly intervalMs = 60_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runNow().catch(() => undefined), this.intervalMs).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass (passes serialise on the store's transactions). */
  runNow(): Promise<void> {
    const pass = rerateMigratedTemplates(this.ctx).then(() => undefined);
    this.running = pass.catch(() => undefined);
    return pass;
  }
}
