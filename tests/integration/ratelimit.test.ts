/**
 * The limits of docs/rate-limits.md on real instances: two sharing one real Redis (behind the Upstash REST
 * protocol) and one without Redis (the in-memory backend). Proxy headers are trusted on these
 * instances (`TRUST_PROXY_HEADERS=1`) so per-IP limits can be exercised from distinct addresses.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../lib/keys';
import { apiKey, startApp, type AppInstance } from '@/kit/app';
import { INITIALIZE, postMcp, rpcMessages, tokenRequest } from '@/kit/http';
import { awaitRoomInWindow } from '../support/limiterContract';
import { startRedisStack, type RedisStack } from '@/kit/redis';
import { expectOAuthTooManyRequests } from '../support/expectations';

const KEYS = {
  exact: apiKey('exact'),
  shared: apiKey('shared'),
  other: apiKey('other'),
  ipVictim: apiKey('ipvictim'),
  mcp: apiKey('mcp'),
  memory: apiKey('memory'),
};
const MCP_LIMIT = 6;

let stack: RedisStack;
let a: AppInstance;
let b: AppInstance;
let memory: AppInstance;
/** Every secret, token and address sent during the run: none may appear in Redis. */
const sent = new Set<string>(Object.values(KEYS));

beforeAll(async () => {
  stack = await startRedisStack();
  const env = {
    MCP_API_KEYS: Object.values(KEYS).join(','),
    TRUST_PROXY_HEADERS: '1',
    RATE_LIMIT_MCP_PER_MINUTE: String(MCP_LIMIT),
  };
  const redisEnv = { UPSTASH_REDIS_REST_URL: stack.restUrl, UPSTASH_REDIS_REST_TOKEN: stack.restToken };
  [a, b, memory] = await Promise.all([
    startApp({ ...env, ...redisEnv }),
    startApp({ ...env, ...redisEnv }),
    startApp(env),
  ]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), memory?.stop()]);
  await stack?.stop();
});

beforeEach(async () => {
  // Counts are per one-minute window: keep each sequence inside one.
  await awaitRoomInWindow(12_000);
});

async function token(app: AppInstance, secret: string, ip: string): Promise<Response> {
  sent.add(ip);
  const res = await tokenRequest(app.url, secret, ip);
  if (res.status === 200) {
    const body = (await res.clone().json()) as { access_token: string };
    sent.add(body.access_token);
  }
  return res;
}

describe('the limiter backend of each instance', () => {
  // @req RL-MEMORY-PARITY
  it('reports upstash when Redis is configured and memory when it is not', async () => {
    expect(((await (await fetch(`${a.url}/api/health`)).json()) as { limiter: string }).limiter).toBe('upstash');
    expect(((await (await fetch(`${memory.url}/api/health`)).json()) as { limiter: string }).limiter).toBe('memory');
  });
});

describe('the token endpoint, per credential (10 / min)', () => {
  // @req RL-TOKEN-CREDENTIAL
  it('passes the 10th request for a credential and answers the 11th with 429, Retry-After, RateLimit-* and an RFC 6749 body', async () => {
    for (let i = 1; i <= 10; i++) {
      const res = await token(a, KEYS.exact, '203.0.113.1');
      expect(res.status, `request ${i}`).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('10');
      expect(res.headers.get('ratelimit-remaining')).toBe(String(10 - i));
    }
    const eleventh = await token(a, KEYS.exact, '203.0.113.1');
    await expectOAuthTooManyRequests(eleventh, 10);
  });

  // @req RL-SHARED-REDIS
  it('shares one limit between two instances on the same Redis', async () => {
    for (let i = 0; i < 5; i++) expect((await token(a, KEYS.shared, '203.0.113.2')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await token(b, KEYS.shared, '203.0.113.2')).status).toBe(200);
    await expectOAuthTooManyRequests(await token(a, KEYS.shared, '203.0.113.2'), 10);
    await expectOAuthTooManyRequests(await token(b, KEYS.shared, '203.0.113.2'), 10);
  });

  // @req RL-SHARED-REDIS
  it('does not let one credential use up the bucket of another', async () => {
    for (let i = 0; i < 11; i++) await token(b, KEYS.shared, '203.0.113.3');
    await expectOAuthTooManyRequests(await token(b, KEYS.shared, '203.0.113.3'), 10);
    const res = await token(b, KEYS.other, '203.0.113.3');
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-remaining')).toBe('9');
  });
});

describe('failed client authentications, per client IP (20 / min)', () => {
  // @req RL-FAILED-AUTH-IP
  it('refuses even a valid key from an address after 20 failures there, before verifying it, while other addresses pass', async () => {
    const ip = '198.51.100.20';
    for (let i = 0; i < 20; i++) {
      // A fresh wrong secret each time: its own token bucket, so only the per-IP limit is at work.
      const wrong = apiKey(`wrong${i}`);
      sent.add(wrong);
      const res = await token(i % 2 ? a : b, wrong, ip);
      expect(res.status, `failure ${i + 1}`).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    }
    const refused = await token(a, KEYS.ipVictim, ip);
    await expectOAuthTooManyRequests(refused, 20);
    expect((await token(a, KEYS.ipVictim, '198.51.100.21')).status).toBe(200);
  });

  // @req RL-FAILED-AUTH-IP
  it('does not count successful authentications', async () => {
    for (let i = 0; i < 10; i++) await token(a, KEYS.other, '198.51.100.30');
    for (let i = 0; i < 10; i++) await token(a, KEYS.ipVictim, '198.51.100.30');
    const res = await token(b, apiKey('wrong-final'), '198.51.100.30');
    expect(res.status).toBe(401);
  });
});

describe('/mcp, per key fingerprint', () => {
  // @req RL-MCP-FINGERPRINT
  it('answers 429 with Retry-After and RateLimit-* before any MCP work once the limit is used up, on every instance', async () => {
    // Each instance is its own issuer (its own PUBLIC_URL), so each mints its own token for the key;
    // both carry the key's fingerprint, the bucket.
    const auth = new Map<AppInstance, Record<string, string>>();
    for (const app of [a, b]) {
      const res = await token(app, KEYS.mcp, '203.0.113.9');
      auth.set(app, { Authorization: `Bearer ${((await res.json()) as { access_token: string }).access_token}` });
    }
    for (let i = 0; i < MCP_LIMIT; i++) {
      const app = i % 2 ? a : b;
      const ok = await postMcp(app.url, INITIALIZE, auth.get(app));
      expect(ok.status, `request ${i + 1}`).toBe(200);
      expect((await rpcMessages(ok))[0]).toHaveProperty('result');
    }
    for (const app of [a, b]) {
      const limited = await postMcp(app.url, INITIALIZE, auth.get(app));
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited.headers.get('ratelimit-limit')).toBe(String(MCP_LIMIT));
      expect(limited.headers.get('ratelimit-remaining')).toBe('0');
      expect(limited.headers.get('ratelimit-reset')).toMatch(/^\d+$/);
      const body = (await limited.json()) as Record<string, unknown>;
      // The gate's JSON-RPC error: no server was built, no method answered.
      expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000 } });
      expect(body).not.toHaveProperty('result');
    }
    // Another key's fingerprint is untouched.
    expect((await postMcp(a.url, INITIALIZE, { 'X-API-Key': KEYS.other })).status).toBe(200);
  });
});

describe('an instance without Redis (in-memory backend)', () => {
  // @req RL-MEMORY-PARITY
  it('applies the same exact count to the token endpoint', async () => {
    for (let i = 1; i <= 10; i++) {
      const res = await token(memory, KEYS.memory, '203.0.113.50');
      expect(res.status, `request ${i}`).toBe(200);
      expect(res.headers.get('ratelimit-remaining')).toBe(String(10 - i));
    }
    await expectOAuthTooManyRequests(await token(memory, KEYS.memory, '203.0.113.50'), 10);
  });

  // @req RL-MEMORY-PARITY
  it('keeps its counts to itself: a credential used up on Redis still passes there', async () => {
    for (let i = 0; i < 11; i++) await token(a, KEYS.other, '203.0.113.51');
    await expectOAuthTooManyRequests(await token(a, KEYS.other, '203.0.113.51'), 10);
    expect((await token(memory, KEYS.other, '203.0.113.51')).status).toBe(200);
  });
});

describe('what Redis holds after the run', () => {
  // @req RL-REDIS-CONTENTS
  it('contains only prefixed hashed keys and counts: no key, secret, token, fingerprint or address', async () => {
    const keys = (await stack.command('KEYS', '*')) as string[];
    expect(keys.length).toBeGreaterThan(0);
    const lines: string[] = [];
    for (const key of keys) {
      expect(key).toMatch(/^mcpgw:(rl:(token|failedAuth|register|mcp-lease):[0-9a-f]{32}:\d+|su:[0-9a-f]{32})$/);
      const type = (await stack.command('TYPE', key)) as string;
      const value =
        type === 'string'
          ? await stack.command('GET', key)
          : type === 'hash'
            ? await stack.command('HGETALL', key)
            : type === 'zset'
              ? await stack.command('ZRANGE', key, 0, -1, 'WITHSCORES')
              : type === 'list'
                ? await stack.command('LRANGE', key, 0, -1)
                : type === 'set'
                  ? await stack.command('SMEMBERS', key)
                  : `unexpected type ${type}`;
      expect(type).toBe('string');
      expect(String(value)).toMatch(/^\d+$/);
      lines.push(`${key} ${JSON.stringify(value)}`);
    }
    const dump = lines.join('\n');
    const fingerprints = await Promise.all(Object.values(KEYS).map((k) => fingerprintOf(k)));
    expect(sent.size).toBeGreaterThan(Object.keys(KEYS).length);
    for (const secret of [...sent, ...fingerprints]) expect(dump).not.toContain(secret);
  });
});
