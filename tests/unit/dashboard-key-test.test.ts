/**
 * The dashboard's key-test runner against the real token endpoint and the real `/mcp` handlers
 * (gate, second wall, SDK server), called in-process: the runner's `fetch` hands each request to
 * the same `lib/` functions the routes call. No network, no mocks of `lib/`.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/config';
import { fingerprintOf } from '@/lib/keys';
import { handleTokenRequest } from '@/lib/oauth/token';
import { mcpGate } from '@/lib/mcp/gate';
import { createToolsBackend } from '@/lib/mcp/backends/inProcess';
import { serveMcp } from '@/lib/mcp/endpoint';
import { createServices, type Services } from '@/lib/services';
import type { RateLimiter } from '@/lib/limits/decision';
import { runKeyTest, type StepId, type StepStatus } from '@/lib/dashboard/keyTest';
import { describeFailure } from '@/lib/dashboard/failures';

const PUBLIC_URL = 'http://127.0.0.1:4999';
const KEY = 'key_unit_0123456789abcdefghijklmn';
const OTHER_KEY = 'key_other_0123456789abcdefghijklm';
const SECRET = 'b'.repeat(64);

async function services(env: Record<string, string> = {}): Promise<Services> {
  return createServices(
    loadConfig({
      NODE_ENV: 'production',
      PUBLIC_URL,
      AUTH_SECRET: SECRET,
      MCP_API_KEYS: `${KEY},${OTHER_KEY}`,
      ...env,
    }),
  );
}

type Seen = { url: string; headers: Headers; body: string };

/** A `fetch` that hands each request to the handlers the routes call, and records what was sent. */
function inProcessFetch(
  tokenServices: Services,
  mcpServices: Services = tokenServices,
  seen: Seen[] = [],
): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input, PUBLIC_URL);
    const request = new Request(url, init);
    // A browser sends the page's own host; the loopback rebinding guard checks it.
    const headers = new Headers(request.headers);
    headers.set('host', url.host);
    const body = await request.text();
    seen.push({ url: url.href, headers, body });
    const forwarded = new Request(url, { method: request.method, headers, body });
    if (url.pathname === '/oauth/token') return handleTokenRequest(forwarded, tokenServices);
    if (url.pathname === '/mcp')
      return (await mcpGate(forwarded.clone(), mcpServices)) ?? serveMcp(forwarded, mcpServices, createToolsBackend());
    return new Response('not found', { status: 404 });
  };
}

function run(fetchImpl: typeof fetch, apiKey = KEY, steps: Array<[StepId, StepStatus]> = []) {
  return runKeyTest({
    apiKey,
    clientId: 'mcp',
    tokenUrl: '/oauth/token',
    mcpUrl: '/mcp',
    fetch: fetchImpl,
    onStep: (step, status) => steps.push([step, status]),
  });
}

/** A limiter whose store never answers, as the Upstash backend reports an unreachable Redis. */
const unreachableLimiter: RateLimiter = {
  backend: 'upstash',
  count: async () => ({ outcome: 'unavailable' }),
  look: async () => ({ outcome: 'unavailable' }),
};

describe('runKeyTest', () => {
  // @req DASH-KEY-TEST
  it('reports the fingerprint, the token expiry and the whoami tool for a configured key', async () => {
    const svc = await services();
    const steps: Array<[StepId, StepStatus]> = [];
    const before = Date.now();
    const result = await run(inProcessFetch(svc), KEY, steps);
    const after = Date.now();

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.fingerprint).toBe(await fingerprintOf(KEY));
    const ttl = svc.config.accessTokenTtlSeconds * 1000;
    expect(result.expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + ttl);
    expect(result.expiresAt).toBeLessThanOrEqual(after + ttl);
    expect(result.scope).toBe('mcp');
    expect(result.serverName).toBe('mcp-oauth-gateway');
    const whoami = result.tools.find((t) => t.name === 'whoami');
    expect(whoami?.description).toMatch(/fingerprint/);
    expect(steps).toEqual([
      ['token', 'running'],
      ['token', 'done'],
      ['initialize', 'running'],
      ['initialize', 'done'],
      ['tools', 'running'],
      ['tools', 'done'],
    ]);
  });

  // @req DASH-KEY-PRIVACY
  it('sends the key only in the token request body, never in a URL or to /mcp', async () => {
    const seen: Seen[] = [];
    const svc = await services();
    const result = await run(inProcessFetch(svc, svc, seen));
    expect(result.ok).toBe(true);
    expect(seen.map((s) => new URL(s.url).pathname)).toEqual(['/oauth/token', '/mcp', '/mcp']);
    for (const request of seen) {
      expect(request.url).not.toContain(KEY);
      expect([...request.headers.values()].join('\n')).not.toContain(KEY);
    }
    expect(new URLSearchParams(seen[0]!.body).get('client_secret')).toBe(KEY);
    expect(seen[1]!.body).not.toContain(KEY);
    expect(seen[2]!.body).not.toContain(KEY);
  });

  // @req DASH-KEY-FAILURES
  it('says the key is not valid at the token step and never calls /mcp', async () => {
    const seen: Seen[] = [];
    const svc = await services();
    const steps: Array<[StepId, StepStatus]> = [];
    const result = await run(inProcessFetch(svc, svc, seen), 'key_wrong_0123456789abcdefghijklm', steps);
    expect(result).toEqual({ ok: false, step: 'token', failure: { kind: 'invalid_key' } });
    expect(seen.filter((s) => s.url.endsWith('/mcp'))).toHaveLength(0);
    expect(steps).toEqual([
      ['token', 'running'],
      ['token', 'failed'],
    ]);
    if (!result.ok) expect(describeFailure(result.failure)).toMatch(/not valid/);
  });

  // @req DASH-KEY-FAILURES
  it('reports the wait from Retry-After when the token endpoint rate-limits the key', async () => {
    const svc = await services({ RATE_LIMIT_TOKEN_PER_MINUTE: '1' });
    const fetchImpl = inProcessFetch(svc);
    expect((await run(fetchImpl)).ok).toBe(true);
    const limited = await run(fetchImpl);
    expect(limited.ok).toBe(false);
    if (limited.ok) return;
    expect(limited.step).toBe('token');
    expect(limited.failure.kind).toBe('rate_limited');
    if (limited.failure.kind !== 'rate_limited') return;
    const wait = limited.failure.retryAfterSeconds;
    expect(wait).not.toBeNull();
    expect(wait!).toBeGreaterThanOrEqual(1);
    expect(wait!).toBeLessThanOrEqual(60);
    expect(describeFailure(limited.failure)).toContain(`Wait ${wait === 1 ? '1 second' : `${wait} seconds`}`);
  });

  it('reports a rate limit at /mcp as a failure of the step that hit it', async () => {
    const svc = await services({ RATE_LIMIT_MCP_PER_MINUTE: '1' });
    const result = await run(inProcessFetch(svc));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.step).toBe('tools');
    expect(result.failure.kind).toBe('rate_limited');
  });

  // @req DASH-KEY-FAILURES
  it('reports a misconfigured or unreachable server when the token endpoint answers 503', async () => {
    const svc: Services = { ...(await services()), limiter: unreachableLimiter };
    const result = await run(inProcessFetch(svc));
    expect(result).toEqual({
      ok: false,
      step: 'token',
      failure: { kind: 'unavailable', status: 503, retryAfterSeconds: 5 },
    });
    if (!result.ok) expect(describeFailure(result.failure)).toMatch(/misconfigured.*HTTP 503.*5 seconds/);
  });

  it('reports that /mcp refused a fresh token when the instances sign with different secrets', async () => {
    const issuing = await services();
    const verifying = await services({ AUTH_SECRET: 'c'.repeat(64) });
    const result = await run(inProcessFetch(issuing, verifying));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.step).toBe('initialize');
    expect(result.failure).toEqual({ kind: 'token_rejected', description: 'The access token is invalid.' });
  });

  it('reports a page opened at another address than a loopback PUBLIC_URL', async () => {
    const svc = await services();
    const result = await runKeyTest({
      apiKey: KEY,
      clientId: 'mcp',
      tokenUrl: 'http://localhost:4999/oauth/token',
      mcpUrl: 'http://localhost:4999/mcp',
      fetch: inProcessFetch(svc),
    });
    expect(result).toEqual({ ok: false, step: 'initialize', failure: { kind: 'wrong_host' } });
  });

  // @req DASH-KEY-FAILURES
  it('reports a network error when the request gets no HTTP answer', async () => {
    const result = await run(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(result).toEqual({ ok: false, step: 'token', failure: { kind: 'network' } });
  });

  it('gives up with a timeout when the server does not answer', async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)),
      );
    const result = await runKeyTest({
      apiKey: KEY,
      clientId: 'mcp',
      tokenUrl: '/oauth/token',
      mcpUrl: '/mcp',
      fetch: hanging,
      timeoutSeconds: 0.05,
    });
    expect(result).toEqual({ ok: false, step: 'token', failure: { kind: 'timeout', seconds: 0.05 } });
  });

  it('refuses a 200 token response that carries no bearer token', async () => {
    const result = await run(async () => Response.json({ token_type: 'Bearer', expires_in: 3600 }));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.failure).toEqual({
        kind: 'unexpected',
        status: 200,
        description: 'the token response has no bearer access_token',
      });
  });

  it('uses the configured client id', async () => {
    const svc = await services({ OAUTH_CLIENT_ID: 'scripts' });
    const fetchImpl = inProcessFetch(svc);
    const wrongId = await run(fetchImpl);
    expect(wrongId.ok).toBe(false);
    const rightId = await runKeyTest({
      apiKey: KEY,
      clientId: 'scripts',
      tokenUrl: '/oauth/token',
      mcpUrl: '/mcp',
      fetch: fetchImpl,
    });
    expect(rightId.ok).toBe(true);
  });
});
