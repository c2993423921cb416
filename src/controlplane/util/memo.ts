/**
 * Shares calls about one thing (a WABA's subscribed apps…) between the many numbers that ask about
 * it: the first caller's promise serves concurrent and later callers with the same scope and key —
 * for ever, or while it is younger than `maxAgeMs` (counted from when the call was made). A rejected
 * call is forgotten, so the next caller tries again. `scope` is usually the client making the call,
 * so answers seen with one token are never handed to a caller using another.
 */
export class Memo {
  private readonly calls = new WeakMap<object, Map<string, { promise: Promise<unknown>; at: number }>>();

  constructor(private readonly now: () => number = Date.now) {}

  get<T>(scope: object, key: string, call: () => Promise<T>, maxAgeMs = Infinity): Promise<T> {
    let byKey = this.calls.get(scope);
    if (!byKey) {
      byKey = new Map();
      this.calls.set(scope, byKey);
    }
    const known = byKey.get(key);
    if (known && this.now() - known.at <= maxAgeMs) return known.promise as Promise<T>;
    const entry = { promise: call() as Promise<unknown>, at: this.now() };
    byKey.set(key, entry);
    const calls = byKey;
    entry.promise.catch(() => {
      if (calls.get(key) === entry) calls.delete(key);
    });
    return entry.promise as Promise<T>;
  }
}
