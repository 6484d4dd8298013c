/**
 * The Upstash backends (`lib/limits/limiter.ts`, `lib/oauth/state/singleUse.ts`) against a real redis-server behind
 * the Upstash REST protocol: the same behaviour as the memory backend, one count across clients,
 * nothing readable in Redis, and `unavailable` (never a throw, never a hang) when Redis is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../lib/limits/decision';
import { createUpstashRateLimiter } from '../../lib/limits/limiter';
import { createIdHasher, createRedisClient, KEY_PREFIX, REDIS_TIMEOUT_MS, type IdHasher } from '../../lib/redis';
import { createRedisSingleUseStore } from '../../lib/oauth/state/singleUse';
import { TEST_SECRET } from '@/kit/app';
import { startBlackhole } from '@/kit/fakeServers/blackhole';
import { awaitRoomInWindow, CONTRACT_LIMITS, limiterContract } from '../support/limiterContract';
import { startRedisStack, type RedisStack } from '@/kit/redis';

const secret = Uint8Array.from(TEST_SECRET.match(/../g)!, (h) => parseInt(h, 16));

let stack: RedisStack;
let hashId: IdHasher;

function upstashLimiter(): RateLimiter {
  return createUpstashRateLimiter({
    redis: createRedisClient({ url: stack.restUrl, token: stack.restToken }),
    limits: CONTRACT_LIMITS,
    hashId,
  });
}

beforeAll(async () => {
  stack = await startRedisStack();
  hashId = await createIdHasher(secret);
});

afterAll(async () => {
  await stack?.stop();
});

describe('createUpstashRateLimiter on a real Redis', () => {
  describe('the behaviour shared with the memory backend', () => {
    let limiter: RateLimiter;
    beforeAll(() => {
      limiter = upstashLimiter();
    });
    limiterContract(() => ({ limiter, now: Date.now, settle: () => awaitRoomInWindow() }));
  });

  it('names itself the upstash backend', () => {
    expect(upstashLimiter().backend).toBe('upstash');
  });

  // @req RL-SHARED-REDIS
  it('shares one count between separate clients of the same Redis', async () => {
    await awaitRoomInWindow();
    const [a, b] = [upstashLimiter(), upstashLimiter()];
    for (let i = 0; i < 5; i++) expect((await a.count('token', 'shared-cred')).outcome).toBe('allowed');
    for (let i = 0; i < 5; i++) expect((await b.count('token', 'shared-cred')).outcome).toBe('allowed');
    expect(await a.look('token', 'shared-cred')).toMatchObject({ outcome: 'limited' });
    expect(await b.count('token', 'shared-cred')).toMatchObject({ outcome: 'limited', remaining: 0 });
  });

  // @req RL-REDIS-CONTENTS
  it('writes only prefixed keys of keyed hashes, with integer counts that expire with their window', async () => {
    await upstashLimiter().count('failedAuth', '203.0.113.77');
    const keys = (await stack.command('KEYS', `${KEY_PREFIX}:rl:*`)) as string[];
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatch(/^mcpgw:rl:(token|failedAuth|register|mcp-lease):[0-9a-f]{32}:\d+$/);
      expect(String(await stack.command('GET', key))).toMatch(/^\d+$/);
      const ttl = Number(await stack.command('PTTL', key));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    const dump = keys.join('\n');
    expect(dump).not.toContain('203.0.113.77');
    expect(dump).not.toContain('shared-cred');
  });
});

describe('the leased /mcp limit on a real Redis', () => {
  // @req RL-MCP-LEASES
  it('keeps instances with different limits apart: a large block taken by one does not use up the other', async () => {
    await awaitRoomInWindow();
    const redis = () => createRedisClient({ url: stack.restUrl, token: stack.restToken });
    const generous = createUpstashRateLimiter({
      redis: redis(),
      limits: { ...CONTRACT_LIMITS, mcpPerMinute: 100_000 },
      hashId,
    });
    const strict = createUpstashRateLimiter({ redis: redis(), limits: CONTRACT_LIMITS, hashId });
    // The generous instance leases a block of 5,000 for the fingerprint.
    expect((await generous.count('mcp', 'shared-fingerprint')).outcome).toBe('allowed');
    for (let i = 0; i < CONTRACT_LIMITS.mcpPerMinute; i++)
      expect((await strict.count('mcp', 'shared-fingerprint')).outcome).toBe('allowed');
    expect((await strict.count('mcp', 'shared-fingerprint')).outcome).toBe('limited');
  });
});

describe('createRedisSingleUseStore on a real Redis', () => {
  // @req RL-SINGLE-USE
  it('answers first once per id across clients, then replayed', async () => {
    const one = createRedisSingleUseStore({
      redis: createRedisClient({ url: stack.restUrl, token: stack.restToken }),
      hashId,
    });
    const two = createRedisSingleUseStore({
      redis: createRedisClient({ url: stack.restUrl, token: stack.restToken }),
      hashId,
    });
    expect(await one.claim('jti-0001', 60)).toBe('first');
    expect(await two.claim('jti-0001', 60)).toBe('replayed');
    expect(await one.claim('jti-0001', 60)).toBe('replayed');
    expect(await two.claim('jti-0002', 60)).toBe('first');
  });

  // @req RL-SINGLE-USE
  it('stores a constant under a keyed hash of the id, expiring with its time to live', async () => {
    const store = createRedisSingleUseStore({
      redis: createRedisClient({ url: stack.restUrl, token: stack.restToken }),
      hashId,
    });
    expect(await store.claim('jti-visible-0003', 45)).toBe('first');
    const key = `${KEY_PREFIX}:su:${await hashId('su', 'jti-visible-0003')}`;
    expect(await stack.command('GET', key)).toBe('1');
    const ttl = Number(await stack.command('TTL', key));
    expect(ttl).toBeGreaterThan(40);
    expect(ttl).toBeLessThanOrEqual(45);
    const keys = (await stack.command('KEYS', '*')) as string[];
    expect(keys.join('\n')).not.toContain('jti-visible');
  });
});

describe('an unreachable or silent Redis', () => {
  // @req RL-OUTAGE
  it('answers unavailable while the REST endpoint is down, and counts again once it is back', async () => {
    const limiter = upstashLimiter();
    const store = createRedisSingleUseStore({
      redis: createRedisClient({ url: stack.restUrl, token: stack.restToken }),
      hashId,
    });
    expect((await limiter.count('mcp', 'outage-fp')).outcome).toBe('allowed');
    await stack.stopBridge();
    try {
      expect(await limiter.count('mcp', 'outage-fp')).toEqual({ outcome: 'unavailable' });
      expect(await limiter.look('token', 'outage-cred')).toEqual({ outcome: 'unavailable' });
      expect(await store.claim('jti-outage', 60)).toBe('unavailable');
    } finally {
      await stack.startBridge();
    }
    expect((await limiter.count('mcp', 'outage-fp')).outcome).toBe('allowed');
    expect(await store.claim('jti-outage', 60)).toBe('first');
  });

  // @req RL-DEADLINE
  it('answers unavailable instead of waiting on a Redis that never answers', async () => {
    const hole = await startBlackhole();
    try {
      const redis = createRedisClient({ url: hole.url, token: 'unused-token' });
      const limiter = createUpstashRateLimiter({ redis, limits: CONTRACT_LIMITS, hashId });
      const store = createRedisSingleUseStore({ redis, hashId });
      // Far above the deadline, far below the client's own retries with backoff.
      const guard = <T>(p: Promise<T>) =>
        Promise.race([
          p,
          new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), REDIS_TIMEOUT_MS * 4)),
        ]);
      const started = performance.now();
      expect(await guard(limiter.count('token', 'silent'))).toEqual({ outcome: 'unavailable' });
      const hitMs = performance.now() - started;
      expect(await guard(limiter.look('token', 'silent'))).toEqual({ outcome: 'unavailable' });
      expect(await guard(store.claim('jti-silent', 60))).toBe('unavailable');
      console.log(`[measure] hit() against a silent Redis answered unavailable after ${Math.round(hitMs)} ms`);
    } finally {
      await hole.stop();
    }
  });
});
