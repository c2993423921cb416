import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { DialectCapabilities } from '../../store/dialect.js';

/** Numbered, append-only migrations of the control plane's database; never edit a released one. */
const migrations: Record<string, (db: Kysely<unknown>, caps: DialectCapabilities) => Promise<void>> = {
  '0001-runs-jobs-steps': async (db, caps) => {
    const ms = 'bigint' as const;
    const s = db.schema;
    await s
      .createTable('cp_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('plan', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', ms)
      .addColumn('created_at', ms, (c) => c.notNull())
      .addColumn('updated_at', ms, (c) => c.notNull())
      .addColumn('finished_at', ms)
      .execute();
    await s
      .createTable('cp_jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull().references('cp_runs.id'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('batch', 'integer', (c) => c.notNull())
      .addColumn('phone_number_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('entry', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('step_index', 'integer', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('preflight', 'text')
      .addColumn('started_at', ms)
      .addColumn('finished_at', ms)
      .addColumn('updated_at', ms, (c) => c.notNull())
      .execute();
    await s.createIndex('cp_jobs_run').on('cp_jobs').columns(['run_id', 'batch', 'seq']).execute();
    await s
      .createTable('cp_steps')
      .addColumn('job_id', 'text', (c) => c.notNull().references('cp_jobs.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('output', 'text')
      .addColumn('error', 'text')
      .addColumn('started_at', ms)
      .addColumn('finished_at', ms)
      .addPrimaryKeyConstraint('cp_steps_pk', ['job_id', 'name'])
      .execute();
    await caps
      .addSerialId(s.createTable('cp_events'))
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('job_id', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('at', ms, (c) => c.notNull())
      .execute();
    await s.createIndex('cp_events_run').on('cp_events').columns(['run_id', 'id']).execute();
  },
  '0002-outbound': async (db, caps) => {
    const ms = 'bigint' as const;
    const s = db.schema;
    await s
      .createTable('cp_gates')
      .addColumn('phone_number_id', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('api', 'text', (c) => c.notNull())
      .addColumn('deployment', 'text')
      .addColumn('side', 'text', (c) => c.notNull())
      .addColumn('updated_at', ms, (c) => c.notNull())
      .execute();
    await caps
      .addSerialId(s.createTable('cp_outbound'))
      .addColumn('phone_number_id', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('api', 'text')
      .addColumn('remote_id', 'text')
      .addColumn('error', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('created_at', ms, (c) => c.notNull())
      .addColumn('sending_at', ms)
      .addColumn('sent_at', ms)
      .execute();
    await s.createIndex('cp_outbound_number').on('cp_outbound').columns(['phone_number_id', 'status', 'id']).execute();
  },
};

export function controlPlaneMigrations(caps: DialectCapabilities): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return Object.fromEntries(Object.entries(migrations).map(([name, up]) => [name, { up: (db: Kysely<unknown>) => up(db, caps) }]));
    },
  };
}
