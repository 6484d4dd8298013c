/**
 * The `/mcp` limit without a Redis round trip on most requests. Each instance leases a block of a
 * fingerprint's allowance for the current window from Redis (one `INCRBY` of the block size) and
 * spends it locally; it goes back to Redis only when its block is spent.
 *
 * Why this shape: a `/mcp` request is otherwise dominated by the limiter's HTTP round trip to
 * Upstash (docs/performance.md), and the limit is per fingerprint, so one instance usually serves
 * a fingerprint's burst. What it costs: a lease counts its whole block when it is taken, so across
 * N instances up to N × (block − 1) requests of a window can be counted and never served. The
 * limit is never exceeded; a caller may be limited early by at most that much. The block is 5% of
 * the limit (1 for limits under 40, which makes them exact), so two instances stay within 10% of
 * the configured limit (tested in tests/integration/ratelimit-leases.test.ts).
 */
import { KEY_PREFIX, REDIS_TIMEOUT_MS, withDeadline, type IdHasher, type RedisClient } from '../redis';
import { decide, type LimitDecision } from './decision';

/** The share of a window's limit one lease takes. */
const LEASE_FRACTION = 0.05;

export function leaseBlock(limit: number): number {
  return Math.max(1, Math.floor(limit * LEASE_FRACTION));
}

// INCRBY the window's counter by the block; start its expiry when this lease created it.
const LEASE_SCRIPT = `local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if total == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return total`;

type Lease = {
  readonly window: number;
  /** Requests this instance may still serve in the window from the blocks it holds. */
  available: number;
  /** Redis said the window's limit is used up: no further lease can succeed in this window. */
  exhausted: boolean;
  /** The lease request in flight, shared by every request that found the block spent. */
  pending: Promise<'granted' | 'unavailable'> | null;
};

export type LeasedLimiterOptions = {
  readonly redis: RedisClient;
  readonly hashId: IdHasher;
  readonly limit: number;
  readonly windowMs: number;
  readonly timeoutMs?: number;
  readonly now?: () => number;
};

export type LeasedLimiter = {
  /** Counts one request of `id`; `unavailable` when a lease was needed and Redis could not answer. */
  count(id: string): Promise<LimitDecision>;
  /** The decision a request would get now, without counting it or calling Redis. */
  look(id: string): LimitDecision;
};

export function createLeasedLimiter(options: LeasedLimiterOptions): LeasedLimiter {
  const { redis, hashId, limit, windowMs } = options;
  const timeoutMs = options.timeoutMs ?? REDIS_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const block = leaseBlock(limit);
  const leases = new Map<string, Lease>();
  let sweptWindow = -1;

  function leaseFor(id: string, window: number): Lease {
    if (window !== sweptWindow) {
      // Only the current window's leases matter; the map holds at most one entry per caller.
      for (const [key, lease] of leases) if (lease.window !== window) leases.delete(key);
      sweptWindow = window;
    }
    let lease = leases.get(id);
    if (!lease || lease.window !== window) {
      lease = { window, available: 0, exhausted: false, pending: null };
      leases.set(id, lease);
    }
    return lease;
  }

  async function takeBlock(id: string, lease: Lease): Promise<'granted' | 'unavailable'> {
    // The limit is part of the hashed name: instances configured with different limits (a rollout
    // that changes it, or tests sharing one Redis) must not spend each other's blocks, whose sizes differ.
    const key = `${KEY_PREFIX}:rl:mcp-lease:${await hashId('rl:mcp', `${limit}\0${id}`)}:${lease.window}`;
    const total = await withDeadline(
      () => redis.eval<[string, string], number>(LEASE_SCRIPT, [key], [String(block), String(windowMs)]),
      timeoutMs,
    );
    if (!total.ok) return 'unavailable';
    // The block spans counts total - block + 1 … total; only those within the limit are ours.
    const granted = Math.max(0, Math.min(block, limit - (Number(total.value) - block)));
    lease.available += granted;
    if (granted < block) lease.exhausted = true;
    return 'granted';
  }

  const decision = (allowed: boolean, lease: Lease, t: number): LimitDecision =>
    decide(limit, lease.available, (lease.window + 1) * windowMs, allowed, t);

  return {
    async count(id) {
      for (;;) {
        const t = now();
        const lease = leaseFor(id, Math.floor(t / windowMs));
        if (lease.available > 0) {
          lease.available -= 1;
          return decision(true, lease, t);
        }
        if (lease.exhausted) return decision(false, lease, t);
        lease.pending ??= takeBlock(id, lease).finally(() => {
          lease.pending = null;
        });
        if ((await lease.pending) === 'unavailable') return { outcome: 'unavailable' };
        // Granted: spend from it, or find the window used up (another request may have been first).
      }
    },
    look(id) {
      const t = now();
      const lease = leaseFor(id, Math.floor(t / windowMs));
      return decision(lease.available > 0 || !lease.exhausted, lease, t);
    },
  };
}
