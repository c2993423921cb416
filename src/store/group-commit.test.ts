import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from './database.js';
import { GroupCommit } from './group-commit.js';
import { openSqliteStore } from './sqlite.js';

describe('group commit', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openSqliteStore(':memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  const put = (key: string) => (tx: Parameters<Parameters<Store['transaction']>[0]>[0]) => tx.insertInto('settings').values({ key, value: key }).execute();
  const keys = async (): Promise<string[]> => (await store.db.selectFrom('settings').select('key').orderBy('key').execute()).map((r) => r.key);

  it('runs concurrent transactions together and keeps every one that succeeded', async () => {
    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd'].map((k) =>
        store.transaction(async (tx) => {
          await put(k)(tx);
          if (k === 'c') throw new Error('unit c fails');
          return k;
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    // The failed unit left nothing behind; the others all landed.
    expect(await keys()).toEqual(['a', 'b', 'd']);
  });

  it('rolls back a failed unit entirely, even after several writes', async () => {
    const first = store.transaction(put('x'));
    const failing = store.transaction(async (tx) => {
      await put('y1')(tx);
      await put('y2')(tx);
      await put('x')(tx); // primary key violation
    });
    await first;
    await expect(failing).rejects.toThrow();
    expect(await keys()).toEqual(['x']);
  });

  it('reports a lone failing transaction as before', async () => {
    await expect(store.transaction(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await keys()).toEqual([]);
  });

  it('shares one COMMIT among transactions started by separate callbacks of one event-loop turn (as HTTP requests are)', async () => {
    const group = new GroupCommit(store.db);
    // Separate macrotasks of one loop phase, like requests read in one poll phase. setImmediate, not
    // setTimeout(0): timers created across a millisecond boundary can land in different turns.
    const done = await new Promise<unknown[]>((resolve) => {
      const pending: Promise<unknown>[] = [];
      const units = ['p', 'q', 'r', 's'];
      units.forEach((k, i) =>
        setImmediate(() => {
          pending.push(group.run(put(k)));
          if (i === units.length - 1) resolve(Promise.all(pending));
        }),
      );
    });
    expect(done).toHaveLength(4);
    expect(group.commits).toBe(1);
    expect(await keys()).toEqual(['p', 'q', 'r', 's']);
  });
});
