/**
 * The in-process answer caches of the remote key sources (`service.ts`, `upstreamJudge.ts`): a
 * bounded map with an expiry per entry, one call per key at a time, and state shared by the whole
 * process.
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

/**
 * The state `create` makes, once per process for `slot` and `key` (a source kind and its URL):
 * it lives on `globalThis` because `next start` loads the middleware and the route handlers as
 * separate bundles in one process, and both walls must share one cache, so a remote source is
 * asked once per period, not once per wall. `isolated` gives a state of its own (tests of a
 * source alone).
 */
export function processState<S>(slot: string, key: string, create: () => S, isolated = false): S {
  if (isolated) return create();
  const holder = globalThis as { __mcpProcessState?: Map<string, unknown> };
  holder.__mcpProcessState ??= new Map();
  const id = `${slot}\0${key}`;
  let state = holder.__mcpProcessState.get(id) as S | undefined;
  if (state === undefined) {
    state = create();
    holder.__mcpProcessState.set(id, state);
  }
  return state;
}
