/**
 * Guessing API keys at /mcp: a wrong `X-API-Key` counts against the client IP's failed
 * authentications (the same bucket as the OAuth endpoints'), and a used-up address is refused
 * before its key is looked at. Two instances share the suite's Redis, with a low limit and proxy
 * headers trusted so each test can speak from its own address.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { KEY_A, startApp, type AppInstance } from '@/kit/app';
import { INITIALIZE, postForm, postMcp } from '@/kit/http';
import { awaitRoomInWindow } from '../../support/limiterContract';
import { expectSeconds } from '../../support/expectations';

const LIMIT = 3;
const WRONG_KEY = 'key_wrong_0123456789abcdefghijkl';
/** This suite's own key for `client_credentials`: the token limit counts per secret, and other suites spend KEY_A's on the shared Redis. */
const OWN_KEY = 'key_guess_0123456789abcdefghijkl';

let a: AppInstance;
let b: AppInstance;

beforeAll(async () => {
  const env = {
    UPSTASH_REDIS_REST_URL: inject('redisRestUrl'),
    UPSTASH_REDIS_REST_TOKEN: inject('redisRestToken'),
    MCP_API_KEYS: `${KEY_A},${OWN_KEY}`,
    TRUST_PROXY_HEADERS: '1',
    RATE_LIMIT_FAILED_AUTH_PER_MINUTE: String(LIMIT),
  };
  [a, b] = await Promise.all([startApp(env), startApp(env)]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

beforeEach(async () => {
  // Counts are per one-minute window: keep each sequence inside one.
  await awaitRoomInWindow(10_000);
});

/** An address of TEST-NET-2 no other test (or earlier run this minute) speaks from. */
const freshIp = () => `198.51.${randomInt(0, 256)}.${randomInt(1, 255)}`;

async function withKey(
  app: AppInstance,
  key: string,
  ip: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const res = await postMcp(app.url, INITIALIZE, { 'X-API-Key': key, 'X-Real-IP': ip, ...headers });
  // Read, not cancelled: a client hanging up on a refused POST makes Next log an `aborted` error.
  await res.text();
  return res;
}

function expectLimited(res: Response) {
  expect(res.status).toBe(429);
  expectSeconds(res.headers.get('retry-after'), 1, 60);
  expect(res.headers.get('ratelimit-remaining')).toBe('0');
  expect(res.headers.get('access-control-expose-headers') ?? '').not.toBe('');
}

describe('wrong X-API-Key attempts at /mcp', () => {
  // @req ADV-MCP-KEY-GUESSING
  it('count against the client IP: the attempt after the limit is 429 with Retry-After, even with the right key', async () => {
    const ip = freshIp();
    for (let i = 1; i <= LIMIT; i++) {
      const res = await withKey(a, WRONG_KEY, ip);
      expect(res.status, `attempt ${i}`).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    expectLimited(await withKey(a, WRONG_KEY, ip));
    // Refused before the key is looked at: a right key cannot be told from a wrong one.
    expectLimited(await withKey(a, KEY_A, ip));
    // Another instance sharing the Redis refuses the address too; another address is served.
    expectLimited(await withKey(b, KEY_A, ip));
    expect((await withKey(a, KEY_A, freshIp())).status).toBe(200);
  });

  // @req ADV-MCP-KEY-GUESSING
  it('do not touch bearer tokens from a used-up address, and right keys never count', async () => {
    const ip = freshIp();
    for (let i = 0; i < LIMIT + 2; i++) expect((await withKey(a, KEY_A, ip)).status).toBe(200);
    for (let i = 0; i < LIMIT; i++) expect((await withKey(a, WRONG_KEY, ip)).status).toBe(401);
    expectLimited(await withKey(a, WRONG_KEY, ip));
    // The token comes from an address of its own: requests without one share the suite-wide
    // `unknown` bucket, which other suites' wrong keys may have used up this minute.
    const issued = await postForm(
      `${a.url}/oauth/token`,
      { grant_type: 'client_credentials', client_id: 'mcp', client_secret: OWN_KEY },
      { 'X-Real-IP': freshIp() },
    );
    expect(issued.status).toBe(200);
    const bearer = ((await issued.json()) as { access_token: string }).access_token;
    const res = await postMcp(a.url, INITIALIZE, { Authorization: `Bearer ${bearer}`, 'X-Real-IP': ip });
    await res.text();
    expect(res.status).toBe(200);
  });

  // @req ADV-MCP-KEY-GUESSING
  // @req RL-FAILED-AUTH-IP
  it('share one bucket with failed client authentications at the token endpoint', async () => {
    const ip = freshIp();
    const wrongSecret = () =>
      postForm(
        `${a.url}/oauth/token`,
        { grant_type: 'client_credentials', client_id: 'mcp', client_secret: WRONG_KEY },
        { 'X-Real-IP': ip },
      );
    for (let i = 0; i < LIMIT - 1; i++) expect((await wrongSecret()).status).toBe(401);
    expect((await withKey(a, WRONG_KEY, ip)).status).toBe(401);
    expectLimited(await withKey(a, KEY_A, ip));
    const refused = await postForm(
      `${a.url}/oauth/token`,
      { grant_type: 'client_credentials', client_id: 'mcp', client_secret: OWN_KEY },
      { 'X-Real-IP': ip },
    );
    expect(refused.status).toBe(429);
    expect(await refused.json()).not.toHaveProperty('access_token');
  });

  // @req ADV-MCP-KEY-GUESSING
  // @req MCP-SECOND-WALL
  it('cannot be escaped with the middleware-skip header, client-written forwarding hops or another spelling of the path', async () => {
    const ip = freshIp();
    for (let i = 0; i < LIMIT; i++) await withKey(a, WRONG_KEY, ip);
    const skip = { 'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware' };
    expectLimited(await withKey(a, KEY_A, ip, skip));
    expectLimited(await withKey(a, WRONG_KEY, ip, skip));
    // Without X-Real-IP the last X-Forwarded-For hop (the proxy's) counts, not what the client wrote first.
    const viaProxy = await postMcp(a.url, INITIALIZE, {
      'X-API-Key': KEY_A,
      'X-Forwarded-For': `203.0.113.${randomInt(1, 255)}, ${ip}`,
    });
    await viaProxy.text();
    expectLimited(viaProxy);
    // Other spellings of the path reach the route only through the middleware, or not at all.
    for (const path of ['/mcp/', '/mcp?x=1', '//mcp', '/mcp%2F', '/mcp.json', '/MCP', '/mcp;x']) {
      const res = await fetch(`${a.url}${path}`, {
        method: 'POST',
        headers: {
          'X-API-Key': KEY_A,
          'X-Real-IP': ip,
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify(INITIALIZE),
      });
      await res.text();
      expect([404, 429], path).toContain(res.status);
    }
  });
});
