/**
 * Shares calls about one thing (a WABA's subscribed apps…) between the many numbers that ask about
 * it: the first caller's promise serves concurrent and later callers with the same scope and key. A
 * rejected call is forgotten, so the next caller tries again. `scope` is usually the client making
 * the call, so answers seen with one token are never handed to a caller using another.
 */
export class Memo {
  private readonly calls = new WeakMap<object, Map<string, Promise<unknown>>>();

  get<T>(scope: object, key: string, call: () => Promise<T>): Promise<T> {
    let byKey = this.calls.get(scope);
    if (!byKey) {
      byKey = new Map();
      this.calls.set(scope, byKey);
    }
    const known = byKey.get(key) as Promise<T> | undefined;
    if (known) return known;
    const promise = call();
    byKey.set(key, promise);
    const calls = byKey;
    promise.catch(() => {
      if (calls.get(key) === promise) calls.delete(key);
    });
    return promise;
  }
}
