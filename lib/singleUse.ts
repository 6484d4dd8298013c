/**
 * Single-use ids (authorization-code `jti`s): the only state besides rate-limit counters.
 * An id is remembered only until the thing it names would have expired anyway.
 */

export type ClaimOutcome = 'first' | 'replayed' | 'unavailable';

export interface SingleUseStore {
  /** Atomically records `id`; `first` exactly once per id within `ttlSeconds`. */
  claim(id: string, ttlSeconds: number): Promise<ClaimOutcome>;
}

export function createMemorySingleUseStore(now: () => number = Date.now): SingleUseStore {
  const spent = new Map<string, number>();
  return {
    async claim(id, ttlSeconds) {
      const t = now();
      for (const [k, until] of spent) if (until <= t) spent.delete(k);
      if ((spent.get(id) ?? 0) > t) return 'replayed';
      spent.set(id, t + ttlSeconds * 1000);
      return 'first';
    },
  };
}
