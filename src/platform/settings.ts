import type { Executor } from '../store/database.js';

/** Emulator settings that tests and rehearsals change at run time (control API), persisted across restarts. */
export interface RuntimeSettings {
  /**
   * Length of an API-to-API migration's downtime: inbound messages to the number are silently
   * dropped (and recorded) while it lasts, and the registering call returns when it ends.
   */
  downtimeMs: number;
  /** Whether Graph's per-WABA call quotas apply (80007 when exceeded). */
  graphRateLimits: boolean;
  /** scrypt cost (log2 N) of new On-Prem backups; lowered only for rehearsals and benchmarks. */
  backupKdfCost: number;
}

/** Keys in the `settings` table (reset deletes them, so a reset returns to the start-up defaults). */
export const SETTING_KEYS = { downtimeMs: 'downtime_ms', graphRateLimits: 'graph_rate_limits', backupKdfCost: 'backup_kdf_cost' } as const;

export async function loadRuntimeSettings(db: Executor, defaults: RuntimeSettings): Promise<RuntimeSettings> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).where('key', 'in', Object.values(SETTING_KEYS)).execute();
  const stored = new Map(rows.map((r) => [r.key, r.value]));
  const downtime = stored.get(SETTING_KEYS.downtimeMs);
  const limits = stored.get(SETTING_KEYS.graphRateLimits);
  const kdf = stored.get(SETTING_KEYS.backupKdfCost);
  return {
    downtimeMs: downtime === undefined ? defaults.downtimeMs : Number(downtime),
    graphRateLimits: limits === undefined ? defaults.graphRateLimits : limits === 'true',
    backupKdfCost: kdf === undefined ? defaults.backupKdfCost : Number(kdf),
  };
}

export async function saveRuntimeSettings(db: Executor, settings: RuntimeSettings): Promise<void> {
  for (const [name, key] of Object.entries(SETTING_KEYS) as [keyof RuntimeSettings, string][]) {
    const value = String(settings[name]);
    await db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
  }
}
