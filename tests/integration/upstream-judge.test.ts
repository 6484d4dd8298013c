/**
 * Keys the gateway never holds, forwarded to an upstream MCP server that only understands API keys
 * (the SDK v2 fixture): the upstream as the judge of keys (`MCP_KEY_SOURCE=upstream`), and digests
 * with an upstream, both carrying the user's key sealed in their tokens (lib/tokens/seal.ts).
 */
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/config';
import { runKeyTest } from '@/lib/dashboard/keyTest';
import { createTokenService } from '@/lib/tokens';
import { createSealer } from '@/lib/tokens/seal';
import { KEY_A, KEY_B, startApp, type AppInstance } from '@/kit/app';
import { startApiKeyServer, type ApiKeyServer } from '@/kit/fakeServers/apiKeyServer';
import { startRedisStack, type RedisStack } from '@/kit/redis';
import { dumpRedis } from '../support/redisDump';
import { eventsFor, newRequestId } from '../support/events';
import { postForm, postMcp, rpcMessages } from '@/kit/http';
import {
  authorizeParams,
  authorizeUrl,
  exchangeCode,
  openConsent,
  pkcePair,
  submitConsent,
  type TokenBody,
} from '../support/oauth';

const KEY_C = 'key_charlie_0123456789abcdefghij';
const CALLBACK = 'https://claude.ai/api/mcp/auth_callback';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

let upstream: ApiKeyServer;
let judge: AppInstance;
let digests: AppInstance;
let stack: RedisStack;

beforeAll(async () => {
  [upstream, stack] = await Promise.all([
    startApiKeyServer({ header: 'x-api-key', keys: [KEY_A, KEY_B, KEY_C] }),
    startRedisStack(),
  ]);
  const forward = {
    MCP_UPSTREAM_URL: upstream.url,
    MCP_UPSTREAM_KEY_HEADER: 'X-API-Key',
    UPSTASH_REDIS_REST_URL: stack.restUrl,
    UPSTASH_REDIS_REST_TOKEN: stack.restToken,
  };
  [judge, digests] = await Promise.all([
    startApp({ MCP_API_KEYS: undefined, MCP_KEY_SOURCE: 'upstream', ...forward }),
    startApp({ MCP_API_KEYS: undefined, MCP_API_KEY_HASHES: [KEY_A, KEY_B].map(sha256).join(','), ...forward }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([judge?.stop(), digests?.stop()]);
  await Promise.all([upstream?.stop(), stack?.stop()]);
});

/** Consent as the pre-registered client with `key`; the consent answer, and the code if any. */
async function consent(app: AppInstance, key: string): Promise<{ res: Response; code?: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const { request } = await openConsent(authorizeUrl(app.url, authorizeParams(app.url, 'mcp', CALLBACK, challenge)));
  const res = await submitConsent(app.url, { request, api_key: key, action: 'authorize' });
  const location = res.headers.get('location');
  const code = location === null ? undefined : (new URL(location, app.url).searchParams.get('code') ?? undefined);
  return { res, code, verifier };
}

async function signIn(app: AppInstance, key: string): Promise<TokenBody & { refresh_token: string }> {
  const { code, verifier } = await consent(app, key);
  const res = await exchangeCode(app.url, {
    code: code!,
    code_verifier: verifier,
    redirect_uri: CALLBACK,
    client_id: 'mcp',
    resource: `${app.url}/mcp`,
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as TokenBody & { refresh_token: string };
}

async function whoami(app: AppInstance, accessToken: string, requestId = newRequestId('judge')) {
  const res = await postMcp(
    app.url,
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
    { Authorization: `Bearer ${accessToken}`, 'Mcp-Protocol-Version': '2025-11-25', 'X-Request-Id': requestId },
  );
  if (res.status !== 200) return { status: res.status, body: await res.text() };
  const [message] = await rpcMessages(res);
  return { status: 200, body: message as { result: { structuredContent: { fingerprint: string } } } };
}

const refresh = (app: AppInstance, token: string) =>
  postForm(`${app.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: token, client_id: 'mcp' });

describe('the upstream as judge (MCP_KEY_SOURCE=upstream)', () => {
  // @req KEYS-UPSTREAM-JUDGE
  it('signs in with a key the upstream accepts, and the tools answer with that key', async () => {
    const tokens = await signIn(judge, KEY_A);
    const called = await whoami(judge, tokens.access_token);
    expect(called.status).toBe(200);
    // The fixture names the key it received by fingerprint: the user's own key reached it.
    expect(
      (called.body as { result: { structuredContent: { fingerprint: string } } }).result.structuredContent.fingerprint,
    ).toBe(sha256(KEY_A).slice(0, 16));
  });

  // @req KEYS-UPSTREAM-JUDGE
  it('asks the upstream once per key for both walls of an X-API-Key request, with server/discover', async () => {
    const before = upstream.seen.length;
    const res = await postMcp(
      judge.url,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
      { 'X-API-Key': KEY_B, 'Mcp-Protocol-Version': '2025-11-25' },
    );
    expect(res.status).toBe(200);
    await res.text();
    const seen = upstream.seen.slice(before);
    // One question (the middleware's; the route finds its answer), then the forwarded call.
    expect(seen.map((r) => r.headers['mcp-method'] ?? r.method)).toEqual(['server/discover', 'POST']);
  });

  // @req KEYS-UPSTREAM-JUDGE
  it('tells the user a key the upstream refuses was not accepted, with no 500', async () => {
    const { res, code } = await consent(judge, 'key_unknown_0123456789abcdefgh');
    // Back to the consent page with its "not valid" message, no code, nothing logged as a 500.
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('consent_error=invalid_key');
    expect(code).toBeUndefined();
    const page = await fetch(new URL(res.headers.get('location')!, judge.url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('That API key is not valid');
    expect(judge.output()).not.toContain('server_error');
  });

  // @req KEYS-UPSTREAM-JUDGE
  it('refuses a key the upstream revokes later: at /mcp (401) and at refresh', async () => {
    const tokens = await signIn(judge, KEY_C);
    expect((await whoami(judge, tokens.access_token)).status).toBe(200);
    upstream.revoke(KEY_C);
    const called = await whoami(judge, tokens.access_token);
    expect(called.status).toBe(401);
    const refused = await refresh(judge, tokens.refresh_token);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');
  });
});

describe('the dashboard with keys the gateway does not hold', () => {
  const keyTest = (app: AppInstance, apiKey: string) =>
    runKeyTest({ apiKey, clientId: 'mcp', tokenUrl: `${app.url}/oauth/token`, mcpUrl: `${app.url}/mcp` });

  // @req KEYS-UPSTREAM-JUDGE
  it('"Test your key" lists the upstream\'s tools with the judge and with digests, and refuses an unknown key', async () => {
    for (const app of [judge, digests]) {
      const result = await keyTest(app, KEY_A);
      expect(result, app.url).toMatchObject({ ok: true, fingerprint: sha256(KEY_A).slice(0, 16) });
      if (result.ok) expect(result.tools.map((t) => t.name)).toContain('whoami');
      expect(await keyTest(app, 'key_unknown_0123456789abcdefgh')).toMatchObject({
        ok: false,
        step: 'token',
        failure: { kind: 'invalid_key' },
      });
    }
  });

  // @req DASH-DEPLOY-CHECK
  it('the deployment check: the judge refuses a made-up key; digests are counted', async () => {
    const verdict = async (app: AppInstance) =>
      (await (await fetch(`${app.url}/api/check/key-source`, { method: 'POST' })).json()) as Record<string, unknown>;
    const judged = await verdict(judge);
    expect(judged.ok).toBe(true);
    expect(judged.detail).toMatch(
      /^the upstream \(MCP_KEY_SOURCE=upstream\) answered in \d+ ms and refused a made-up key, as it must$/,
    );
    expect(await verdict(digests)).toEqual({ ok: true, detail: '2 keys from MCP_API_KEY_HASHES' });
  });
});

describe('keys sealed in tokens', () => {
  // @req KEYS-SEALED
  it('let digests work with an upstream: sign in, call, refresh, call again', async () => {
    const tokens = await signIn(digests, KEY_B);
    expect((await whoami(digests, tokens.access_token)).status).toBe(200);
    const next = await refresh(digests, tokens.refresh_token);
    expect(next.status).toBe(200);
    const renewed = (await next.json()) as TokenBody;
    expect((await whoami(digests, renewed.access_token)).status).toBe(200);
    // No readable part of any token holds the key or a prefix of it, nor more of its digest than
    // the 16-character fingerprint that is the key's public name (its `sub`).
    for (const token of [tokens.access_token, tokens.refresh_token, renewed.access_token]) {
      const readable = JSON.stringify(decodeJwt(token));
      expect(readable).not.toContain(KEY_B.slice(0, 8));
      expect(readable).not.toContain(sha256(KEY_B).slice(0, 17));
      expect(decodeJwt(token).ks).toEqual(expect.stringMatching(/^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/));
    }
  });

  // @req KEYS-SEALED
  it('refuse a verified token whose seal is missing, tampered or from another secret: 401, seal_invalid', async () => {
    // The test knows AUTH_SECRET, so it can mint what only a broken or hostile signer would.
    const config = loadConfig({ ...digests.env });
    const tokens = await createTokenService({
      secret: config.authSecret,
      issuer: config.issuer,
      resource: config.resource,
    });
    const foreign = await createSealer([new Uint8Array(32).fill(9)]);
    const claims = { sub: sha256(KEY_A).slice(0, 16), client_id: 'mcp', scope: 'mcp' };
    const good = (await tokens.issue('access', claims, 300, KEY_A)).token;
    expect((await whoami(digests, good)).status).toBe(200);
    const { ks } = decodeJwt(good) as { ks: string };
    const parts = ks.split('.');
    parts[3] = parts[3]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    for (const [label, extra] of [
      ['no seal', {}],
      ['a tampered seal', { ks: parts.join('.') }],
      ['a seal under another secret', { ks: await foreign.seal('access', 'whatever', KEY_A) }],
    ] as const) {
      const token = (await tokens.issue('access', { ...claims, ...extra }, 300)).token;
      const requestId = newRequestId('seal');
      const called = await whoami(digests, token, requestId);
      expect(called.status, label).toBe(401);
      const events = await eventsFor(digests, requestId);
      expect(
        events.map((e) => [e.event, e.reason]),
        label,
      ).toEqual([['mcp', 'seal_invalid']]);
    }
  });

  // @req KEYS-SEALED
  it('refuse a refresh token whose seal does not open: invalid_grant, seal_invalid', async () => {
    const config = loadConfig({ ...digests.env });
    const tokens = await createTokenService({
      secret: config.authSecret,
      issuer: config.issuer,
      resource: config.resource,
    });
    const claims = {
      sub: sha256(KEY_A).slice(0, 16),
      client_id: 'mcp',
      scope: 'mcp offline_access',
      resource: config.resource,
      ks: 'not.a.seal.at.all',
    };
    const { token } = await tokens.issue('refresh', claims, 3600);
    const requestId = newRequestId('seal-refresh');
    const res = await postForm(
      `${digests.url}/oauth/token`,
      { grant_type: 'refresh_token', refresh_token: token, client_id: 'mcp' },
      { 'X-Request-Id': requestId },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
    const events = await eventsFor(digests, requestId);
    expect(events.map((e) => [e.event, e.reason])).toEqual([['token', 'seal_invalid']]);
  });
});

describe('what Redis holds after sealed-key flows', () => {
  // @req KEYS-SEALED
  it('no key, digest or token subject, nor a prefix of either, in any Redis key or value', async () => {
    const { entries, text } = await dumpRedis(stack);
    // Refresh families and single-use marks of the flows above are there.
    expect(entries.some((e) => e.key.startsWith('mcpgw:rf:'))).toBe(true);
    for (const key of [KEY_A, KEY_B, KEY_C]) {
      for (const secret of [key, key.slice(0, 12), sha256(key), sha256(key).slice(0, 16)])
        expect(text).not.toContain(secret);
    }
  });
});
