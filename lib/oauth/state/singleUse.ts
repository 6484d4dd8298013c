/**
 * Single-use ids (authorization-code `jti`s): the only state besides rate-limit counters.
 * An id is remembered only until the thing it names would have expired anyway.
 */
import { KEY_PREFIX, REDIS_TIMEOUT_MS, withDeadline, type RedisStoreOptions } from '../../redis';

export type ClaimOutcome = 'first' | 'replayed' | 'unavailable';

export interface SingleUseStore {
  /** Atomically records `id`; `first` exactly once per id within `ttlSeconds`. */
  claim(id: string, ttlSeconds: number): Promise<ClaimOutcome>;
}

/** Whole seconds, at least one: Redis `EX` takes a positive integer. */
function ttlOf(ttlSeconds: number): number {
  return Math.max(1, Math.ceil(ttlSeconds));
}

export function createMemorySingleUseStore(now: () => number = Date.now): SingleUseStore {
  const spent = new Map<string, number>();
  return {
    async claim(id, ttlSeconds) {
      const t = now();
      for (const [k, until] of spent) if (until <= t) spent.delete(k);
      if ((spent.get(id) ?? 0) > t) return 'replayed';
      spent.set(id, t + ttlOf(ttlSeconds) * 1000);
      return 'first';
    },
  };
}

/**
 * `SET mcpgw:su:<hmac of id> 1 NX EX ttl`: atomic across instances. The value is a constant;
 * the id itself is never stored. `unavailable` when Redis fails or misses the deadline.
 */
export function createRedisSingleUseStore(options: RedisStoreOptions): SingleUseStore {
  const { redis, hashId } = options;
  const timeoutMs = options.timeoutMs ?? REDIS_TIMEOUT_MS;
  return {
    async claim(id, ttlSeconds) {
      const key = `${KEY_PREFIX}:su:${await hashId('su', id)}`;
      const result = await withDeadline(() => redis.set(key, 1, { nx: true, ex: ttlOf(ttlSeconds) }), timeoutMs);
      if (!result.ok) return 'unavailable';
      return result.value === 'OK' ? 'first' : 'replayed';
    },
  };
}
