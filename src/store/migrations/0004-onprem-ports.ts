import type { Kysely } from 'kysely';

/** A deployment may listen on a port of its own, serving `/v1/...` at the root like a real one. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('onprem_deployments').addColumn('port', 'integer').execute();
}
