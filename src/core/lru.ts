/**
 * A small LRU map with a time-to-live, for hot read paths whose data rarely changes. Recency is kept
 * coarsely: a hit moves its entry to the newest end only when it has drifted into the older half, so
 * most hits are one map lookup instead of a delete and a re-insert (hashing the key three times). An
 * entry read since at most capacity/2 newer entries arrived is still never the next one evicted.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, { value: V; expires: number; tick: number }>();
  /** Counts insertions and moves; an entry's tick says where it sits in the map's order. */
  private tick = 0;

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: K): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (hit.expires <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    if (this.tick - hit.tick >= this.capacity / 2) {
      this.map.delete(key);
      hit.tick = ++this.tick;
      this.map.set(key, hit);
    }
    return hit.value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, { value, expires: this.now() + this.ttlMs, tick: ++this.tick });
  }

  clear(): void {
    this.map.clear();
  }
}
