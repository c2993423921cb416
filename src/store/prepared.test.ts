import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Store } from './database.js';
import { tablesRead, WriteTracker } from './direct.js';
import { prepared, preparedInsert } from './prepared.js';
import { openSqliteStore } from './sqlite.js';

describe('write tracker', () => {
  it('counts inserts and updates per table, and anything else as a write to every table', () => {
    const w = new WriteTracker();
    const stamps = (): number[] => [w.stamp(['settings']), w.stamp(['businesses'])];
    w.note('select * from "settings"');
    w.note('begin');
    w.note('savepoint sb_unit');
    expect(stamps()).toEqual([0, 0]);
    w.note('insert into "settings" ("key", "value") values (?, ?)');
    w.note('update "settings" set "value" = ?');
    expect(stamps()).toEqual([2, 0]);
    w.note('delete from "businesses" where "id" = ?'); // deletes count everywhere
    expect(stamps()).toEqual([3, 1]);
    w.note('rollback to savepoint sb_unit');
    expect(stamps()).toEqual([4, 2]);
  });

  it('finds the tables a select reads, joins included', () => {
    expect(tablesRead('select "a"."x" from "phone_numbers" inner join "wabas" on "wabas"."id" = "phone_numbers"."waba_id"')).toEqual(['phone_numbers', 'wabas']);
  });
});

describe('prepared queries on SQLite', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openSqliteStore(':memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  const value = prepared((db, p: { key: string }) => db.selectFrom('settings').select('value').where('key', '=', p.key), { cached: true });
  const put = preparedInsert('settings', { key: true, value: true });
  const read = async (db: Store['db'] = store.db): Promise<string | undefined> => (await value(db, { key: 'k' }))[0]?.value;

  it('serves a cached read until its table is written, by either path', async () => {
    await put(store.db, { key: 'k', value: 'one' });
    expect(await read()).toBe('one');
    await store.db.updateTable('settings').set({ value: 'two' }).where('key', '=', 'k').execute();
    expect(await read()).toBe('two');
    await put(store.db, { key: 'other', value: 'x' });
    await sql`update settings set value = 'three' where key = 'k'`.execute(store.db);
    expect(await read()).toBe('three');
  });

  it('forgets what a rolled-back transaction let it see', async () => {
    await put(store.db, { key: 'k', value: 'committed' });
    await expect(
      store.transaction(async (tx) => {
        await tx.updateTable('settings').set({ value: 'uncommitted' }).where('key', '=', 'k').execute();
        expect(await read(tx)).toBe('uncommitted');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await read()).toBe('committed');
  });

  it('hands out frozen rows, so a caller cannot change what others read', async () => {
    await put(store.db, { key: 'k', value: 'v' });
    const [row] = await value(store.db, { key: 'k' });
    expect(Object.isFrozen(row)).toBe(true);
  });

  it('refuses to cache anything but a select', async () => {
    const write = prepared((db, p: { key: string }) => db.deleteFrom('settings').where('key', '=', p.key), { cached: true });
    await expect(write(store.db, { key: 'k' })).rejects.toThrow(/only a SELECT/);
  });
});
