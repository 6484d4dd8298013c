/**
 * The Upstash refresh-family store (`lib/oauth/state/refreshFamilies.ts`) on a real redis-server behind the
 * Upstash REST protocol: the contract shared with the memory store, nothing readable in Redis,
 * and `unavailable` (never a throw) when Redis is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdHasher, createRedisClient, KEY_PREFIX, type IdHasher } from '../../lib/redis';
import { createRedisRefreshFamilies, type RefreshFamilies } from '../../lib/oauth/state/refreshFamilies';
import { TEST_SECRET } from '@/kit/app';
import { startBlackhole } from '@/kit/fakeServers/blackhole';
import { refreshFamiliesContract } from '../support/refreshFamiliesContract';
import { startRedisStack, type RedisStack } from '@/kit/redis';

const secret = Uint8Array.from(TEST_SECRET.match(/../g)!, (h) => parseInt(h, 16));

let stack: RedisStack;
let hashId: IdHasher;

function upstashFamilies(url = stack.restUrl): RefreshFamilies {
  return createRedisRefreshFamilies({ redis: createRedisClient({ url, token: stack.restToken }), hashId });
}

beforeAll(async () => {
  stack = await startRedisStack();
  hashId = await createIdHasher(secret);
});

afterAll(async () => {
  await stack?.stop();
});

describe('createRedisRefreshFamilies on a real Redis', () => {
  // @req REFRESH-BACKENDS
  describe('the behaviour shared with the memory backend', () => {
    let families: RefreshFamilies;
    beforeAll(() => {
      families = upstashFamilies();
    });
    refreshFamiliesContract(() => ({
      families,
      advance: (seconds) => new Promise((r) => setTimeout(r, seconds * 1000)),
    }));
  });

  // @req REFRESH-REDIS-CONTENTS
  it('writes prefixed keyed-hash keys whose values are times, each expiring', async () => {
    const family = 'family-id-in-the-clear-0123456789';
    const families = upstashFamilies();
    await families.spend({
      family,
      generation: 7,
      now: 1_900_000_000,
      spentTtlSeconds: 600,
      familyTtlSeconds: 900,
      graceSeconds: 60,
    });
    await families.kill(family, 900, 1_900_000_001);
    const keys = (await stack.command('KEYS', `${KEY_PREFIX}:rf:*`)) as string[];
    for (const key of keys) {
      expect(key).toMatch(/^mcpgw:rf:(dead|spent):[0-9a-f]{32}$/);
      expect(key).not.toContain(family);
      expect(String(await stack.command('GET', key))).toMatch(/^\d{10}$/);
      expect(Number(await stack.command('TTL', key))).toBeGreaterThan(0);
    }
    const dead = `${KEY_PREFIX}:rf:dead:${await hashId('rf-dead', family)}`;
    const spent = `${KEY_PREFIX}:rf:spent:${await hashId('rf-spent', `${family}\0${7}`)}`;
    expect(keys).toEqual(expect.arrayContaining([dead, spent]));
    expect(String(await stack.command('GET', spent))).toBe('1900000000');
    expect(String(await stack.command('GET', dead))).toBe('1900000001');
    const ttls = [Number(await stack.command('TTL', spent)), Number(await stack.command('TTL', dead))];
    expect(ttls[0]).toBeGreaterThan(590);
    expect(ttls[0]).toBeLessThanOrEqual(600);
    expect(ttls[1]).toBeGreaterThan(890);
    expect(ttls[1]).toBeLessThanOrEqual(900);
  });

  // @req REFRESH-OUTAGE
  it('answers unavailable, never throws, when Redis is unreachable or silent', async () => {
    const hole = await startBlackhole();
    try {
      const request = {
        family: 'f'.repeat(22),
        generation: 0,
        now: 1_900_000_000,
        spentTtlSeconds: 60,
        familyTtlSeconds: 60,
        graceSeconds: 60,
      };
      for (const families of [
        upstashFamilies('http://127.0.0.1:9'),
        createRedisRefreshFamilies({ redis: createRedisClient({ url: hole.url, token: 't' }), hashId }),
      ]) {
        expect(await families.spend(request)).toEqual({ outcome: 'unavailable' });
        expect(await families.kill(request.family, 60, request.now)).toBe('unavailable');
      }
    } finally {
      await hole.stop();
    }
  });
});
