import type { RuntimeSettings } from './settings.js';
import type { Clock } from '../core/clock.js';
import type { Store } from '../store/database.js';
import type { Outbox } from './webhooks/outbox.js';

/** What every platform service needs; built once in `src/app.ts`. */
export interface PlatformContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly outbox: Outbox;
  /** Base URL clients reach us on; media download URLs are built from it. */
  readonly publicUrl: string;
  /** Per-installation secret that signs media download URLs. */
  readonly mediaUrlSecret: string;
  /** Per-installation secret that signs display-name certificates. */
  readonly certSecret: string;
  /** Emulator settings that tests and rehearsals change at run time (control API). */
  readonly settings: RuntimeSettings;
}

