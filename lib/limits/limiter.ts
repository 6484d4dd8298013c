/**
 * Rate limiting: one interface, a decision out; callers build the 429 (see `lib/oauth/rateLimits.ts` and `lib/mcp/authenticate.ts`).
 *
 * Both backends count in fixed one-minute windows aligned to the epoch minute, so a `limited`
 * decision's `Retry-After` is exact: the first request after it passes. (A sliding window would
 * smooth the boundary, where up to twice a limit can pass within a minute, but its Retry-After
 * would be a guess.) Production uses Upstash (`@upstash/ratelimit` 2.0.8, pinned: 2.1+ sends a
 * Lua flag stock Redis rejects); the in-memory backend has the same semantics in one process only.
 */
import { Ratelimit } from '@upstash/ratelimit';
import type { RateLimits } from '../config';
import { KEY_PREFIX, REDIS_TIMEOUT_MS, withDeadline, type IdHasher, type RedisClient } from '../redis';
import { decide, LIMIT_NAMES, type LimitDecision, type LimitName, type RateLimiter } from './decision';
import { createLeasedLimiter } from './leases';

export const WINDOW_MS = 60_000;

export function limitFor(limits: RateLimits, name: LimitName): number {
  switch (name) {
    case 'token':
      return limits.tokenPerMinute;
    case 'failedAuth':
      return limits.failedAuthPerMinute;
    case 'register':
      return limits.registrationPerMinute;
    case 'mcp':
      return limits.mcpPerMinute;
  }
}

/** Fixed epoch-aligned one-minute windows per (limit, id) in this process's memory. */
export function createMemoryRateLimiter(limits: RateLimits, now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { bucket: number; count: number }>();
  let sweptBucket = Math.floor(now() / WINDOW_MS);
  const count = (name: LimitName, id: string, increment: boolean): LimitDecision => {
    const t = now();
    const bucket = Math.floor(t / WINDOW_MS);
    if (bucket !== sweptBucket) {
      for (const [k, w] of windows) if (w.bucket !== bucket) windows.delete(k);
      sweptBucket = bucket;
    }
    const limit = limitFor(limits, name);
    const key = `${name}:${id}`;
    let w = windows.get(key);
    if (!w || w.bucket !== bucket) {
      w = { bucket, count: 0 };
      windows.set(key, w);
    }
    const resetAt = (bucket + 1) * WINDOW_MS;
    // As in Redis, a refused hit is counted too; it changes nothing within the window.
    if (increment) {
      w.count += 1;
      return decide(limit, Math.max(0, limit - w.count), resetAt, w.count <= limit, t);
    }
    const remaining = Math.max(0, limit - w.count);
    return decide(limit, remaining, resetAt, remaining > 0, t);
  };
  return {
    backend: 'memory',
    count: async (name, id) => count(name, id, true),
    look: async (name, id) => count(name, id, false),
  };
}

export type UpstashRateLimiterOptions = {
  readonly redis: RedisClient;
  readonly limits: RateLimits;
  readonly hashId: IdHasher;
  readonly timeoutMs?: number;
};

/**
 * Upstash fixed windows. Keys: `mcpgw:rl:<limit>:<hmac of id>:<window number>`, each expiring
 * with its window. The `/mcp` limit is leased in blocks (`leases.ts`), so most `/mcp` requests
 * make no Redis call at all. Every call is bounded by the Redis deadline and answers `unavailable`
 * on failure, never throws.
 */
export function createUpstashRateLimiter(options: UpstashRateLimiterOptions): RateLimiter {
  const { redis, limits, hashId } = options;
  const timeoutMs = options.timeoutMs ?? REDIS_TIMEOUT_MS;
  const limiters = new Map<LimitName, Ratelimit>(
    LIMIT_NAMES.filter((name) => name !== 'mcp').map((name) => [
      name,
      new Ratelimit({
        redis,
        limiter: Ratelimit.fixedWindow(limitFor(limits, name), `${WINDOW_MS} ms`),
        prefix: `${KEY_PREFIX}:rl:${name}`,
        // The library's own timeout answers "allowed"; ours answers "unavailable" (see withDeadline).
        timeout: 0,
        analytics: false,
        // Remembers, per process, ids refused until their window ends: no Redis call for them.
        ephemeralCache: new Map(),
      }),
    ]),
  );
  const limiter = (name: LimitName): Ratelimit => limiters.get(name)!;
  const mcp = createLeasedLimiter({ redis, hashId, limit: limits.mcpPerMinute, windowMs: WINDOW_MS, timeoutMs });
  return {
    backend: 'upstash',
    async count(name, id) {
      if (name === 'mcp') return mcp.count(id);
      const identifier = await hashId(`rl:${name}`, id);
      const result = await withDeadline(() => limiter(name).limit(identifier), timeoutMs);
      if (!result.ok) return { outcome: 'unavailable' };
      const { limit, remaining, reset, success } = result.value;
      return decide(limit, remaining, reset, success, Date.now());
    },
    async look(name, id) {
      if (name === 'mcp') return mcp.look(id);
      const identifier = await hashId(`rl:${name}`, id);
      const result = await withDeadline(() => limiter(name).getRemaining(identifier), timeoutMs);
      if (!result.ok) return { outcome: 'unavailable' };
      const { limit, remaining, reset } = result.value;
      return decide(limit, remaining, reset, remaining > 0, Date.now());
    },
  };
}
