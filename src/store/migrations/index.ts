import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';
import * as platformCore from './0001-platform-core.js';
import * as onprem from './0002-onprem.js';
import * as stickerpacks from './0003-stickerpacks.js';
import * as onpremPorts from './0004-onprem-ports.js';
import * as wabaMigration from './0005-waba-migration.js';
import * as codeGuesses from './0006-code-guesses.js';
import * as backupOnboarding from './0007-backup-onboarding.js';
import * as pendingByNumber from './0008-pending-by-number.js';
import * as templateEdits from './0009-template-edits.js';

interface NumberedMigration {
  up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void>;
}

/** Numbered, append-only. Never edit a released migration: add the next number. */
const migrations: Record<string, NumberedMigration> = {
  '0001-platform-core': platformCore,
  '0002-onprem': onprem,
  '0003-stickerpacks': stickerpacks,
  '0004-onprem-ports': onpremPorts,
  '0005-waba-migration': wabaMigration,
  '0006-code-guesses': codeGuesses,
  '0007-backup-onboarding': backupOnboarding,
  '0008-pending-by-number': pendingByNumber,
  '0009-template-edits': templateEdits,
};

export function migrationProvider(caps: DialectCapabilities): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return Object.fromEntries(
        Object.entries(migrations).map(([name, m]) => [name, { up: (db: Kysely<unknown>) => m.up(db, caps) }]),
      );
    },
  };
}
