/**
 * Refresh-token families (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2): the state that makes rotation
 * real without storing a token. Two kinds of mark, each under a keyed hash and each expiring when
 * what it names would have expired anyway:
 *
 * - a *spent* mark per (family, generation), whose value is the spend time in seconds. The first
 *   use of generation n sets it (`SET NX`); a twin within the grace window reads it back and mints
 *   the very same successor from it (`lib/oauth/grants/refreshToken.ts`);
 * - a *dead* mark per family, set by a reuse after the window or by revocation (RFC 7009). Every
 *   spend checks it first, so a successor already handed out dies with its family.
 *
 * Neither a token, a family id nor a generation is stored in the clear (`createIdHasher`).
 */
import { KEY_PREFIX, REDIS_TIMEOUT_MS, withDeadline, type RedisStoreOptions } from '../../redis';

export type SpendRequest = {
  readonly family: string;
  readonly generation: number;
  /** The caller's clock, whole seconds since the epoch: the spend time recorded on a first use. */
  readonly now: number;
  /** Seconds the presented token has left to live: the spent mark's lifetime. */
  readonly spentTtlSeconds: number;
  /** Seconds any token of the family may still live: the dead mark's lifetime on a reuse. */
  readonly familyTtlSeconds: number;
  /** A second use no later than this many seconds after the first is a twin, not a reuse; 0: no twins. */
  readonly graceSeconds: number;
};

export type SpendOutcome =
  /** First use: generation n is now spent at `spentAt` (= the request's `now`). */
  | { readonly outcome: 'first'; readonly spentAt: number }
  /** A repeat within the grace window: answer as the first use did. */
  | { readonly outcome: 'twin'; readonly spentAt: number }
  /** A repeat after the window: the family has just been killed. */
  | { readonly outcome: 'reused' }
  /** The family was killed earlier (reuse or revocation). */
  | { readonly outcome: 'dead' }
  | { readonly outcome: 'unavailable' };

export interface RefreshFamilies {
  /** Spends `generation` of `family` atomically: exactly one `first` per generation, across instances. */
  spend(request: SpendRequest): Promise<SpendOutcome>;
  /** Kills `family` for `ttlSeconds` (RFC 7009 §2.1: its every token becomes invalid). */
  kill(family: string, ttlSeconds: number, now: number): Promise<'killed' | 'unavailable'>;
}

/** Whole seconds, at least one: Redis `EX` takes a positive integer. */
function ttlOf(ttlSeconds: number): number {
  return Math.max(1, Math.ceil(ttlSeconds));
}

/**
 * One process only (local runs). Expiry follows the `now` each call is given, so it keeps the same
 * clock as the spend times it records.
 */
export function createMemoryRefreshFamilies(): RefreshFamilies {
  const dead = new Map<string, number>();
  const spent = new Map<string, { spentAt: number; until: number }>();
  let lastSweep = 0;
  const sweep = (now: number) => {
    if (now === lastSweep) return;
    lastSweep = now;
    for (const [k, until] of dead) if (until <= now) dead.delete(k);
    for (const [k, mark] of spent) if (mark.until <= now) spent.delete(k);
  };
  const isDead = (family: string, now: number) => (dead.get(family) ?? 0) > now;
  return {
    async spend({ family, generation, now, spentTtlSeconds, familyTtlSeconds, graceSeconds }) {
      sweep(now);
      if (isDead(family, now)) return { outcome: 'dead' };
      const key = `${family}\0${generation}`;
      const mark = spent.get(key);
      if (!mark || mark.until <= now) {
        spent.set(key, { spentAt: now, until: now + ttlOf(spentTtlSeconds) });
        return { outcome: 'first', spentAt: now };
      }
      if (graceSeconds > 0 && now - mark.spentAt <= graceSeconds) return { outcome: 'twin', spentAt: mark.spentAt };
      dead.set(family, now + ttlOf(familyTtlSeconds));
      return { outcome: 'reused' };
    },
    async kill(family, ttlSeconds, now) {
      sweep(now);
      dead.set(family, Math.max(dead.get(family) ?? 0, now + ttlOf(ttlSeconds)));
      return 'killed';
    },
  };
}

/**
 * KEYS[1] the family's dead mark, KEYS[2] the generation's spent mark.
 * ARGV: now, spent-mark TTL, family TTL, grace (all whole seconds).
 * Returns {0, now} first use, {1, spentAt} twin, {2} reuse (the family is killed here), {3} dead.
 * One round trip, and atomic: no instance can spend between the check and the kill.
 */
const SPEND_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {3} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2]) then return {0, tonumber(ARGV[1])} end
local spentAt = tonumber(redis.call('GET', KEYS[2]))
if spentAt == nil then return {3} end
local grace = tonumber(ARGV[4])
if grace > 0 and tonumber(ARGV[1]) - spentAt <= grace then return {1, spentAt} end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return {2}
`;

/**
 * KEYS[1] the family's dead mark; ARGV: now, TTL. Keeps the longer of an existing and the new
 * lifetime, so a revocation never shortens a kill.
 */
const KILL_SCRIPT = `
local left = redis.call('TTL', KEYS[1])
if left < tonumber(ARGV[2]) then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return 1
`;

/**
 * Keys `mcpgw:rf:dead:<hmac of family>` and `mcpgw:rf:spent:<hmac of family and generation>`;
 * values are times in seconds. `unavailable` when Redis fails or misses the deadline, never a throw.
 */
export function createRedisRefreshFamilies(options: RedisStoreOptions): RefreshFamilies {
  const { redis, hashId } = options;
  const timeoutMs = options.timeoutMs ?? REDIS_TIMEOUT_MS;
  const spendScript = redis.createScript<number[]>(SPEND_SCRIPT);
  const killScript = redis.createScript<number>(KILL_SCRIPT);
  const deadKey = async (family: string) => `${KEY_PREFIX}:rf:dead:${await hashId('rf-dead', family)}`;
  const spentKey = async (family: string, generation: number) =>
    `${KEY_PREFIX}:rf:spent:${await hashId('rf-spent', `${family}\0${generation}`)}`;
  return {
    async spend({ family, generation, now, spentTtlSeconds, familyTtlSeconds, graceSeconds }) {
      const keys = await Promise.all([deadKey(family), spentKey(family, generation)]);
      const args = [now, ttlOf(spentTtlSeconds), ttlOf(familyTtlSeconds), Math.max(0, Math.floor(graceSeconds))].map(
        String,
      );
      const result = await withDeadline(() => spendScript.exec(keys, args), timeoutMs);
      if (!result.ok || !Array.isArray(result.value)) return { outcome: 'unavailable' };
      const [code, spentAt] = result.value.map(Number);
      if (code === 0 && Number.isInteger(spentAt)) return { outcome: 'first', spentAt: spentAt! };
      if (code === 1 && Number.isInteger(spentAt)) return { outcome: 'twin', spentAt: spentAt! };
      if (code === 2) return { outcome: 'reused' };
      if (code === 3) return { outcome: 'dead' };
      return { outcome: 'unavailable' };
    },
    async kill(family, ttlSeconds, now) {
      const key = await deadKey(family);
      const result = await withDeadline(
        () => killScript.exec([key], [String(now), String(ttlOf(ttlSeconds))]),
        timeoutMs,
      );
      return result.ok ? 'killed' : 'unavailable';
    },
  };
}
