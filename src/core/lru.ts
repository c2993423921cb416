/** A small LRU map with a time-to-live, for hot read paths whose data rarely changes. */
export class LruCache<K, V> {
  private readonly map = new Map<K, { value: V; expires: number }>();

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: K): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    this.map.delete(key);
    if (hit.expires <= this.now()) return undefined;
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, { value, expires: this.now() + this.ttlMs });
  }

  clear(): void {
    this.map.clear();
  }
}
