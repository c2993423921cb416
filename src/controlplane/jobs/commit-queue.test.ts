import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommitQueue } from './commit-queue.js';

interface Db {
  kv: { key: string; value: string };
}

describe('CommitQueue', () => {
  let dir: string;
  let db: Kysely<Db>;
  let other: SQLite.Database;
  let queries: string[];
  let queue: CommitQueue<Db>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cp-commit-queue-'));
    const file = join(dir, 'q.sqlite');
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    queries = [];
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }), log: (e) => void queries.push(e.query.sql) });
    await db.schema.createTable('kv').addColumn('key', 'text', (c) => c.primaryKey()).addColumn('value', 'text').execute();
    // A second connection sees only what is committed.
    other = new SQLite(file, { readonly: true });
    queue = new CommitQueue(db);
    queries = [];
  });
  afterEach(async () => {
    other.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const put = (key: string) => (tx: Kysely<Db>) => tx.insertInto('kv').values({ key, value: key }).execute();
  const committed = (): string[] => (other.prepare('select key from kv order by key').all() as { key: string }[]).map((r) => r.key);

  it('writes issued in one turn share one transaction', async () => {
    let calls = 0;
    const counting = (key: string) => async (tx: Kysely<Db>) => {
      calls += 1;
      // Nothing of this turn is committed while its units run: they are in one open transaction.
      expect(committed()).toEqual([]);
      await put(key)(tx);
    };
    await Promise.all(['a', 'b', 'c'].map((k) => queue.run(counting(k))));
    expect(calls).toBe(3);
    expect(queries.some((q) => q.startsWith('savepoint'))).toBe(false);
    expect(committed()).toEqual(['a', 'b', 'c']);
  });

  it('resolves a write only once it is committed (visible to another connection)', async () => {
    const seen = await Promise.all(['a', 'b'].map((k) => queue.run(put(k)).then(() => committed())));
    expect(seen).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('rolls back and rejects a failing unit alone; the others land', async () => {
    const results = await Promise.allSettled([
      queue.run(put('a')),
      queue.run(async (tx) => {
        await put('b1')(tx);
        await put('a')(tx); // primary key violation, after a write of its own
      }),
      queue.run(async (tx) => {
        await put('c')(tx);
        return 'c';
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[2]).toEqual({ status: 'fulfilled', value: 'c' });
    expect(committed()).toEqual(['a', 'c']);
    // Run again unit by unit (savepoints) after the first attempt of the batch was rolled back.
    expect(queries.filter((q) => q.startsWith('savepoint')).length).toBeGreaterThan(0);
  });

  it('a lone write runs without savepoints; later turns get their own commits, in order', async () => {
    await queue.run(put('a'));
    expect(queries.some((q) => q.startsWith('savepoint'))).toBe(false);
    const order: string[] = [];
    const first = queue.run(put('b')).then(() => order.push('b'));
    await new Promise((r) => setImmediate(r));
    const second = queue.run(put('c')).then(() => order.push('c'));
    await Promise.all([first, second]);
    expect(order).toEqual(['b', 'c']);
    expect(committed()).toEqual(['a', 'b', 'c']);
  });
});
