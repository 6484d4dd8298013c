/**
 * The token endpoint's limits, spent only by what verified (docs/rate-limits.md), against a real
 * `next start` with Redis behind the Upstash REST protocol; the exact redirect URI at code
 * exchange; and clients that go away mid-body.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_A, KEY_B, startApp, type AppInstance } from '@/kit/app';
import { eventsFor, newRequestId } from '../support/events';
import { postForm } from '@/kit/http';
import { authorizeParams, authorizeWithKey, exchangeCode, pkcePair, type TokenBody } from '../support/oauth';
import { startRedisStack, type RedisStack } from '@/kit/redis';

/** Claude Code's metadata document: one client id for every installation (its pinned copy serves offline). */
const CLAUDE_CODE = 'https://claude.ai/oauth/claude-code-client-metadata';
const LIMIT = 10;
/** A third user, for the cases below the limit tests: its sign-ins spend none of theirs. */
const KEY_C = 'key_charlie_0123456789abcdefghij';

let stack: RedisStack;
let app: AppInstance;

beforeAll(async () => {
  stack = await startRedisStack();
  app = await startApp({
    UPSTASH_REDIS_REST_URL: stack.restUrl,
    UPSTASH_REDIS_REST_TOKEN: stack.restToken,
    MCP_API_KEYS: `${KEY_A},${KEY_B},${KEY_C}`,
    RATE_LIMIT_TOKEN_PER_MINUTE: String(LIMIT),
    // Each user below signs in from the same address; only junk counts against it, and generously.
    RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '1000',
    // No address is trusted (no proxy sets one): the failed-authentication limit is then off.
  });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await stack?.stop();
});

type Signed = { code: string; verifier: string; redirectUri: string };

/** Authorize + consent as Claude Code on a loopback port, with `key`. */
async function signIn(key: string, port = 49_152): Promise<Signed> {
  const redirectUri = `http://localhost:${port}/callback`;
  const { verifier, challenge } = pkcePair();
  const callback = await authorizeWithKey(app.url, authorizeParams(app.url, CLAUDE_CODE, redirectUri, challenge), key);
  return { code: callback.searchParams.get('code')!, verifier, redirectUri };
}

function exchange(signed: Signed, redirectUri = signed.redirectUri): Promise<Response> {
  return exchangeCode(app.url, {
    code: signed.code,
    code_verifier: signed.verifier,
    redirect_uri: redirectUri,
    client_id: CLAUDE_CODE,
    resource: `${app.url}/mcp`,
  });
}

function refresh(refreshToken: string): Promise<Response> {
  return postForm(`${app.url}/oauth/token`, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: CLAUDE_CODE,
  });
}

async function tokensOf(res: Response): Promise<TokenBody & { refresh_token: string }> {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as TokenBody & { refresh_token: string };
}

describe('the per-credential token limit', () => {
  // @req LIMIT-VERIFIED-GRANT
  it('lets no anonymous junk naming a shared client id lock its users out (the repro)', async () => {
    const signed = await signIn(KEY_A);
    for (let i = 0; i < LIMIT + 5; i++) {
      const junk = await refresh(`garbage-${i}`);
      expect(junk.status).toBe(400);
      expect(((await junk.json()) as { error: string }).error).toBe('invalid_grant');
    }
    const junkCode = await exchangeCode(app.url, {
      code: 'garbage',
      code_verifier: 'x'.repeat(43),
      client_id: CLAUDE_CODE,
    });
    expect(junkCode.status).toBe(400);
    // The user's own exchange and refresh are untouched by all of it.
    const tokens = await tokensOf(await exchange(signed));
    expect((await tokensOf(await refresh(tokens.refresh_token))).access_token).toMatch(/^ey/);
  });

  // @req LIMIT-VERIFIED-GRANT
  it('serves 12 users of one public client signing in and refreshing within a minute', async () => {
    const keys = [KEY_A, KEY_B];
    const users = await Promise.all(Array.from({ length: 12 }, (_, i) => signIn(keys[i % 2]!, 50_000 + i)));
    const statuses: number[] = [];
    for (const user of users) {
      const first = await exchange(user);
      statuses.push(first.status);
      const { refresh_token } = (await first.json()) as { refresh_token: string };
      statuses.push((await refresh(refresh_token)).status);
    }
    expect(statuses).toEqual(Array.from({ length: 24 }, () => 200));
  });

  // @req LIMIT-VERIFIED-GRANT
  it('still stops one grant refreshing in a tight loop, while another user signs in', async () => {
    let current = (await tokensOf(await exchange(await signIn(KEY_A)))).refresh_token;
    // The exchange started this family's count at 0; each refresh spends one of its 10.
    const statuses: number[] = [];
    let limited: Response | null = null;
    for (let i = 0; i < LIMIT + 2 && limited === null; i++) {
      const res = await refresh(current);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else current = (await tokensOf(res)).refresh_token;
    }
    expect(statuses).toEqual([...Array.from({ length: LIMIT }, () => 200), 429]);
    expect(limited!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited!.headers.get('ratelimit-remaining')).toBe('0');
    expect(((await limited!.json()) as { error: string }).error).toBe('too_many_requests');
    // Meanwhile another user of the same client id signs in and refreshes.
    const other = await tokensOf(await exchange(await signIn(KEY_B, 51_000)));
    expect((await refresh(other.refresh_token)).status).toBe(200);
    // The limited token was not spent: the family lives on past the window.
  });

  // @req LIMIT-VERIFIED-GRANT
  it('leaves every limit alone on junk revocations', async () => {
    const tokens = await tokensOf(await exchange(await signIn(KEY_A, 52_000)));
    for (let i = 0; i < LIMIT + 5; i++) {
      const res = await postForm(`${app.url}/oauth/revoke`, { token: `junk-${i}`, client_id: CLAUDE_CODE });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-remaining')).toBeNull();
    }
    const refreshed = await refresh(tokens.refresh_token);
    expect(refreshed.status).toBe(200);
    // The family's count: the exchange and this one refresh, nothing from the junk.
    expect(refreshed.headers.get('ratelimit-remaining')).toBe(String(LIMIT - 1));
  });
});

describe('the redirect URI at code exchange', () => {
  // @req CONN-CODE-REDIRECT-EXACT
  it('must be identical to the authorization request, port included (RFC 6749 §4.1.3)', async () => {
    const signed = await signIn(KEY_C, 53_111);
    const otherPort = await exchange(signed, 'http://localhost:53222/callback');
    expect(otherPort.status).toBe(400);
    expect(((await otherPort.json()) as { error: string }).error).toBe('invalid_grant');
    // The refusal did not spend the code.
    expect((await exchange(signed)).status).toBe(200);
  });
});

/**
 * Sends `path` a POST whose body stops part-way and closes the connection: `sized` declares more
 * than it sends, otherwise the body is chunked and never ends.
 */
async function abortMidBody(path: string, headers: Record<string, string>, sized: boolean): Promise<void> {
  const socket = connect(app.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const piece = 'x'.repeat(100);
  const lines = [
    `POST ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${app.port}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    sized ? 'Content-Length: 5000' : 'Transfer-Encoding: chunked',
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  socket.write(sized ? piece : `${piece.length.toString(16)}\r\n${piece}\r\n`);
  await new Promise((done) => setTimeout(done, 300));
  socket.destroy();
}

describe('a client that goes away mid-body', () => {
  const cases = [
    {
      path: '/mcp',
      event: 'mcp',
      headers: {
        'X-API-Key': KEY_C,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
      },
    },
    { path: '/oauth/token', event: 'token', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
  ] as const;
  for (const { path, event, headers } of cases) {
    for (const sized of [true, false]) {
      // @req OBS-CLIENT-ABORTED
      it(`is one ${event} client_aborted event at ${path} (${sized ? 'sized' : 'chunked'}), no stack trace, and the server goes on`, async () => {
        const requestId = newRequestId(`abort${path}`);
        const before = app.output().length;
        await abortMidBody(path, { ...headers, 'X-Request-Id': requestId }, sized);
        const events = await eventsFor(app, requestId);
        expect(events.filter((e) => e.reason !== 'served').map((e) => [e.event, e.reason])).toEqual([
          [event, 'client_aborted'],
        ]);
        // Give any late error a moment to reach the log, then look for one.
        await new Promise((done) => setTimeout(done, 300));
        const after = app.output().slice(before);
        expect(after).not.toMatch(/disturbed or locked|TypeError|unhandledRejection|Error: aborted|\n\s+at /);
        expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
      });
    }
  }
});
