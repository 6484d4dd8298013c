/**
 * The in-process answer caches of the remote key sources (`service.ts`, `upstreamJudge.ts`): a
 * bounded map with an expiry per entry, and one call per key at a time.
 */
const MAX_ENTRIES = 10_000;

/** A map that forgets its oldest entry past `MAX_ENTRIES`, with an expiry per entry. */
export class ExpiringMap<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  constructor(private readonly now: () => number) {}
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
  set(key: string, value: V, ttlMs: number): void {
    this.#entries.delete(key);
    if (ttlMs <= 0) return;
    this.#entries.set(key, { value, expiresAt: this.now() + ttlMs });
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

/** One call per key at a time: later callers share the first one's promise. */
export function singleFlight<T>(): (key: string, run: () => Promise<T>) => Promise<T> {
  const inflight = new Map<string, Promise<T>>();
  return (key, run) => {
    let pending = inflight.get(key);
    if (pending === undefined) {
      pending = run().finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    return pending;
  };
}
