import type { MigrationKind, NumberEntry } from '../../plan/schema.js';
import { cloudToOnprem } from './cloud-to-onprem.js';
import { onpremToCloud } from './onprem-to-cloud.js';
import type { KindDefinition } from './types.js';
import { wabaToWaba } from './waba-to-waba.js';

/** Step lists per migration kind; the runner treats them all alike. */
export const KINDS: Record<MigrationKind, KindDefinition<never>> = {
  onprem_to_cloud: onpremToCloud,
  cloud_to_onprem: cloudToOnprem,
  waba_to_waba: wabaToWaba,
};

export function kindOf(entry: NumberEntry): KindDefinition<NumberEntry> {
  return KINDS[entry.kind] as unknown as KindDefinition<NumberEntry>;
}

export const stepNames = (kind: MigrationKind): string[] => KINDS[kind].steps.map((s) => s.name);
