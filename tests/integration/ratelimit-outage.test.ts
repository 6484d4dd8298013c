/**
 * The outage path on real instances: the Upstash REST endpoint killed mid-run, and a Redis that
 * accepts connections but never answers. Credential endpoints answer 503 + Retry-After (fail
 * closed); /mcp lets verified requests through (fail open) and refuses unverified ones as ever;
 * the outage is logged once, not per request; recovery needs no restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, KEY_A, KEY_B, startApp, type AppInstance } from '@/kit/app';
import { startBlackhole } from '@/kit/fakeServers/blackhole';
import { eventsIn } from '../support/events';
import { clientCredentialsToken, INITIALIZE, postMcp, rpcMessages, tokenRequest } from '@/kit/http';
import { startRedisStack, type RedisStack } from '@/kit/redis';

let stack: RedisStack;
let app: AppInstance;
let silent: AppInstance;
let hole: Awaited<ReturnType<typeof startBlackhole>>;

beforeAll(async () => {
  [stack, hole] = await Promise.all([startRedisStack(), startBlackhole()]);
  [app, silent] = await Promise.all([
    // A /mcp limit under 40 is leased one request at a time (lib/limits/leases.ts), so every /mcp
    // request during the outage needs Redis and meets it down.
    startApp({
      UPSTASH_REDIS_REST_URL: stack.restUrl,
      UPSTASH_REDIS_REST_TOKEN: stack.restToken,
      RATE_LIMIT_MCP_PER_MINUTE: '30',
    }),
    startApp({ UPSTASH_REDIS_REST_URL: hole.url, UPSTASH_REDIS_REST_TOKEN: 'token-of-a-silent-redis' }),
  ]);
});

afterAll(async () => {
  await Promise.all([app?.stop(), silent?.stop()]);
  await Promise.all([stack?.stop(), hole?.stop()]);
});

/** Elapsed milliseconds of `request`, with its response. */
async function timed(request: () => Promise<Response>): Promise<{ res: Response; ms: number }> {
  const started = performance.now();
  const res = await request();
  return { res, ms: Math.round(performance.now() - started) };
}

/** The generic 503 of a credential endpoint: nothing about hosts, ports or the client library. */
async function expectOutage503(res: Response, hostHints: string[]): Promise<void> {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  expect(res.headers.get('cache-control')).toBe('no-store');
  const text = await res.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body).toEqual({
    error: 'temporarily_unavailable',
    error_description: expect.any(String),
    request_id: expect.any(String),
  });
  expect(text).not.toMatch(/redis|upstash|econn|fetch|abort|timeout|command|evalsha/i);
  for (const hint of hostHints) expect(text).not.toContain(hint);
}

function redisEvents(output: string, reason: string): number {
  return eventsIn(output).filter((e) => e.event === 'redis' && e.reason === reason).length;
}

describe('the Upstash REST endpoint killed mid-run', () => {
  // @req RL-OUTAGE
  it('answers 503 + Retry-After on the token endpoint and 200 on /mcp for a verified token, then recovers when it returns', async () => {
    const accessToken = await clientCredentialsToken(app.url, KEY_A);
    const auth = { Authorization: `Bearer ${accessToken}` };
    expect((await postMcp(app.url, INITIALIZE, auth)).status).toBe(200);
    const bridgePort = new URL(stack.restUrl).port;

    await stack.stopBridge();
    const token503 = await timed(() => tokenRequest(app.url, KEY_B, '203.0.113.1'));
    await expectOutage503(token503.res, ['127.0.0.1', bridgePort]);
    // A wrong secret is refused the same way: nothing is verified while limits cannot be counted.
    await expectOutage503(await tokenRequest(app.url, apiKey('wrong-during-outage'), '203.0.113.1'), [bridgePort]);

    const mcp = await timed(() => postMcp(app.url, INITIALIZE, { ...auth }).then((r) => r));
    expect(mcp.res.status).toBe(200);
    expect((await rpcMessages(mcp.res))[0]).toHaveProperty('result');
    // The bound: a verified /mcp request is served within 2 s during the outage.
    const bounded = await fetch(`${app.url}/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...auth },
      body: JSON.stringify(INITIALIZE),
      signal: AbortSignal.timeout(2000),
    });
    expect(bounded.status).toBe(200);
    await bounded.text();
    // The outage opens nothing: no credential is still 401, a bad token still 401.
    expect((await postMcp(app.url, INITIALIZE)).status).toBe(401);
    expect((await postMcp(app.url, INITIALIZE, { Authorization: 'Bearer not-a-token' })).status).toBe(401);
    for (let i = 0; i < 5; i++) await (await postMcp(app.url, INITIALIZE, auth)).text();

    await stack.startBridge();
    const back = performance.now();
    let attempts = 0;
    let recovered: Response | null = null;
    while (performance.now() - back < 15_000) {
      attempts += 1;
      const res = await tokenRequest(app.url, KEY_B, '203.0.113.1');
      if (res.status === 200) {
        recovered = res;
        break;
      }
      await res.text();
      await new Promise((r) => setTimeout(r, 100));
    }
    const recoveryMs = Math.round(performance.now() - back);
    expect(recovered?.status).toBe(200);
    expect(recovered?.headers.get('ratelimit-limit')).toBe('10');
    expect((await postMcp(app.url, INITIALIZE, auth)).status).toBe(200);

    // Logged once per interval, not per request, by the Redis client (the token route and the
    // /mcp gate, Node-runtime middleware, share the process); every request let through is counted.
    const output = app.output();
    expect(redisEvents(output, 'redis_unavailable')).toBe(1);
    expect(redisEvents(output, 'recovered')).toBe(1);
    const health = (await (await fetch(`${app.url}/api/health`)).json()) as {
      events: { counts: { mcp?: Record<string, number> } };
    };
    // Requests the /mcp lease still covered (lib/limits/leases.ts) never asked Redis; the others count.
    expect(health.events.counts.mcp?.served_without_limit).toBeGreaterThanOrEqual(1);
    expect(output).not.toContain(KEY_A);
    expect(output).not.toContain(accessToken);

    console.log(
      `[measure] bridge down: token 503 in ${token503.ms} ms, /mcp 200 in ${mcp.ms} ms; ` +
        `bridge back: token 200 after ${recoveryMs} ms (${attempts} attempt${attempts === 1 ? '' : 's'})`,
    );
  });
});

describe('a Redis that accepts connections and never answers', () => {
  // @req RL-DEADLINE
  it('answers 503 + Retry-After on the token endpoint and serves /mcp once the deadline has passed', async () => {
    const apiKeyAuth = { 'X-API-Key': KEY_A };
    const token503 = await timed(() => tokenRequest(silent.url, KEY_A, '203.0.113.1'));
    await expectOutage503(token503.res, [new URL(hole.url).port]);
    const mcp = await timed(() => postMcp(silent.url, INITIALIZE, apiKeyAuth));
    expect(mcp.res.status).toBe(200);
    expect((await rpcMessages(mcp.res))[0]).toHaveProperty('result');
    console.log(`[measure] silent Redis: token 503 in ${token503.ms} ms, /mcp 200 in ${mcp.ms} ms`);
  });
});
