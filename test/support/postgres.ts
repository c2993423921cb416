/** Test databases on the suite's PostgreSQL cluster (see postgres-global-setup.ts). */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isPostgresUrl } from '../../src/store/open.js';
import pg from 'pg';

/** The `postgres` project of vitest.config.ts sets this; the same tests then run on PostgreSQL. */
export const onPostgres = (): boolean => process.env['SWITCHBOARD_TEST_DIALECT'] === 'postgres';

function adminUrl(): string {
  const url = process.env['SWITCHBOARD_TEST_PG_URL'];
  if (!url) throw new Error('SWITCHBOARD_TEST_PG_URL is not set (the postgres project starts a cluster in its global set-up)');
  return url;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the test cluster; returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const name = `sb_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  if (!/^sb_[0-9a-f]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  await admin((c) => c.query(`drop database if exists ${name} with (force)`));
}

/**
 * A fresh location for a store under test: a new PostgreSQL database on the postgres project, else
 * `file` in a new temporary directory. `removeDatabase` deletes it.
 */
export async function freshDatabaseLocation(file = 'store.sqlite'): Promise<string> {
  return onPostgres() ? createTestDatabase() : join(mkdtempSync(join(tmpdir(), 'switchboard-test-')), file);
}

/** Deletes a test database: drops a PostgreSQL one, removes a SQLite file's temporary directory. */
export async function removeDatabase(location: string): Promise<void> {
  if (isPostgresUrl(location)) await dropTestDatabase(location);
  else rmSync(dirname(location), { recursive: true, force: true });
}
