import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPlatform, addNumber, createWorld, graphError, type World } from '../support/platform.js';

interface Page {
  data: { id: string }[];
  paging?: { cursors: { before: string; after: string }; next?: string; previous?: string };
}

/** Graph's paging: cursors, plus `next` / `previous` links that work when followed as they are. */
describe('paging links', () => {
  let tp: TestPlatform;
  let world: World;
  beforeAll(async () => {
    tp = await TestPlatform.start();
    world = await createWorld(tp);
    for (let i = 0; i < 5; i++) await addNumber(tp, world);
  });
  afterAll(async () => {
    await world.receiver.stop();
    await tp.stop();
  });

  const follow = async (url: string): Promise<Page> => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${world.token}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as Page;
  };

  it('walks forward with next and back with previous, without gaps or repeats', async () => {
    const first = (await tp.graph<Page>('GET', `${world.wabaId}/phone_numbers?limit=2&fields=id`, world.token)).body;
    expect(first.data).toHaveLength(2);
    expect(first.paging?.previous).toBeUndefined();
    expect(first.paging?.next).toMatch(/[?&]after=/);

    const second = await follow(first.paging?.next ?? '');
    const third = await follow(second.paging?.next ?? '');
    expect(third.data).toHaveLength(1);
    expect(third.paging?.next).toBeUndefined();
    const ids = [...first.data, ...second.data, ...third.data].map((n) => n.id);
    expect(new Set(ids).size).toBe(5);

    const back = await follow(third.paging?.previous ?? '');
    expect(back.data.map((n) => n.id)).toEqual(second.data.map((n) => n.id));
    // Links keep the caller's other parameters.
    expect(new URL(second.paging?.next ?? '').searchParams.get('fields')).toBe('id');
  });

  // Query values that look like JSON are decoded; an object for a limit threw in Number() (500).
  it.each(['0', '-1', '2.5', 'ten', '%7B%22toString%22:1%7D', '%5B2%5D'])('refuses limit=%s with (#100) Invalid parameter', async (limit) => {
    for (const edge of [`${world.wabaId}/phone_numbers`, `${world.wabaId}/message_templates`]) {
      const res = await tp.graph('GET', `${edge}?limit=${limit}`, world.token);
      expect(res.status, edge).toBe(400);
      expect(graphError(res)).toMatchObject({ code: 100, error_data: { details: 'Param limit must be a positive integer' } });
    }
  });
});
