/**
 * Refresh families end to end over real HTTP, on real Redis behind the Upstash REST protocol:
 * rotation, twins (concurrent and sequential), reuse after the grace window, revocation (RFC 7009),
 * an outage of the REST bridge, what Redis holds afterwards, and the official SDK clients
 * refreshing on 401.
 *
 * Two servers: the suite's shared one (default 60 s grace window) for twins and revocation, and
 * one of this file's own, on its own Redis, with a 2 s window and 1 s access tokens.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fingerprintOf } from '@/lib/keys';
import { KEY_A, KEY_B, startApp, type AppInstance } from '@/kit/app';
import { eventsIn } from '../support/events';
import { postForm, postMcp } from '@/kit/http';
import {
  connectLikeClaude,
  openConsent,
  register,
  submitConsent,
  type Registration,
  type TokenBody,
} from '../support/oauth';
import { startRedisStack, type RedisStack } from '@/kit/redis';
import { dumpRedis } from '../support/redisDump';
import { runConnectorFlow, type SdkParts } from '../support/sdkFlow';
import { sdkV1, sdkV2 } from '../support/sdkClients';
import { expectTokenError } from '../support/expectations';

const shared = () => inject('appUrl');
const GRACE = 2;

let stack: RedisStack;
let app: AppInstance;
/** Every token, client credential and id this file saw: none of it may reach Redis in the clear. */
const seen = new Set<string>();

beforeAll(async () => {
  stack = await startRedisStack();
  app = await startApp({
    UPSTASH_REDIS_REST_URL: stack.restUrl,
    UPSTASH_REDIS_REST_TOKEN: stack.restToken,
    REFRESH_REUSE_GRACE_SECONDS: String(GRACE),
    ACCESS_TOKEN_TTL_SECONDS: '1',
    RATE_LIMIT_TOKEN_PER_MINUTE: '1000',
  });
});

afterAll(async () => {
  await app?.stop();
  await stack?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function note(tokens: TokenBody | undefined, client?: Registration): void {
  for (const token of [tokens?.access_token, tokens?.refresh_token]) {
    if (!token) continue;
    seen.add(token);
    const claims = decodeJwt(token);
    for (const claim of [claims.jti, claims.fid]) if (typeof claim === 'string') seen.add(claim);
  }
  if (client) {
    seen.add(client.client_id);
    if (client.client_secret) seen.add(client.client_secret);
  }
}

async function connect(url: string): Promise<{ client: Registration; tokens: TokenBody }> {
  const connected = await connectLikeClaude(url, KEY_A);
  note(connected.tokens, connected.client);
  return connected;
}

function refresh(url: string, client: Registration, refreshToken: string): Promise<Response> {
  const fields: Record<string, string> = {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: client.client_id,
  };
  if (client.client_secret) fields.client_secret = client.client_secret;
  return postForm(`${url}/oauth/token`, fields);
}

async function refreshed(url: string, client: Registration, refreshToken: string): Promise<TokenBody> {
  const res = await refresh(url, client, refreshToken);
  expect(res.status).toBe(200);
  const tokens = (await res.json()) as TokenBody;
  note(tokens);
  return tokens;
}

function revoke(
  url: string,
  client: Registration,
  token: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  const fields: Record<string, string> = { token, client_id: client.client_id, ...extra };
  if (client.client_secret) fields.client_secret = client.client_secret;
  return postForm(`${url}/oauth/revoke`, fields);
}

async function expectRevoked200(res: Response): Promise<void> {
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(await res.text()).toBe('');
}

describe('rotation', () => {
  // @req REFRESH-FAMILY
  // @req REFRESH-REUSE
  it('moves a family from generation 0 to 1 to 2, and the spent generations are dead after the window', async () => {
    const { client, tokens } = await connect(app.url);
    const one = await refreshed(app.url, client, tokens.refresh_token!);
    const two = await refreshed(app.url, client, one.refresh_token!);
    const family = decodeJwt(tokens.refresh_token!).fid;
    expect([tokens, one, two].map((t) => decodeJwt(t.refresh_token!))).toEqual([
      expect.objectContaining({ fid: family, gen: 0 }),
      expect.objectContaining({ fid: family, gen: 1 }),
      expect.objectContaining({ fid: family, gen: 2 }),
    ]);
    await sleep((GRACE + 1) * 1000 + 100);
    await expectTokenError(await refresh(app.url, client, tokens.refresh_token!), 400, 'invalid_grant');
    await expectTokenError(await refresh(app.url, client, one.refresh_token!), 400, 'invalid_grant');
    // The reuse killed the family: the newest generation, never used, is dead too.
    await expectTokenError(await refresh(app.url, client, two.refresh_token!), 400, 'invalid_grant');
  });
});

describe('twins', () => {
  // @req REFRESH-TWIN
  it('answers 8 concurrent refreshes with one token all 200, with identical bodies', async () => {
    const { client, tokens } = await connect(shared());
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => refresh(shared(), client, tokens.refresh_token!)),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    const bodies = await Promise.all(answers.map((r) => r.text()));
    expect(new Set(bodies).size).toBe(1);
    const body = JSON.parse(bodies[0]!) as TokenBody;
    note(body);
    expect(decodeJwt(body.refresh_token!)).toMatchObject({ gen: 1 });
    expect((await refresh(shared(), client, body.refresh_token!)).status).toBe(200);
  });

  // @req REFRESH-TWIN
  it('answers two uses 5 s apart both 200 with the same tokens', async () => {
    const { client, tokens } = await connect(shared());
    const first = await refresh(shared(), client, tokens.refresh_token!);
    await sleep(5000);
    const second = await refresh(shared(), client, tokens.refresh_token!);
    expect([first.status, second.status]).toEqual([200, 200]);
    const [a, b] = [await first.text(), await second.text()];
    expect(b).toBe(a);
    const body = JSON.parse(a) as TokenBody;
    note(body);
    expect(body.expires_in).toBe(3600);
  });

  // @req REFRESH-REUSE
  it(`kills the family on a use ${GRACE + 1} s later with a ${GRACE} s window, and then the holder of the next generation gets invalid_grant`, async () => {
    const { client, tokens } = await connect(app.url);
    const next = await refreshed(app.url, client, tokens.refresh_token!);
    await sleep((GRACE + 1) * 1000);
    await expectTokenError(await refresh(app.url, client, tokens.refresh_token!), 400, 'invalid_grant');
    await expectTokenError(await refresh(app.url, client, next.refresh_token!), 400, 'invalid_grant');
    expect(eventsIn(app.output()).some((e) => e.event === 'refresh_reuse' && e.reason === 'reuse_detected')).toBe(true);
  });
});

describe('revocation (RFC 7009)', () => {
  // @req REVOKE-REFRESH
  it('kills the family of a revoked refresh token: the token and its successor are invalid_grant', async () => {
    const { client, tokens } = await connect(shared());
    const next = await refreshed(shared(), client, tokens.refresh_token!);
    await expectRevoked200(await revoke(shared(), client, tokens.refresh_token!, { token_type_hint: 'refresh_token' }));
    await expectTokenError(await refresh(shared(), client, next.refresh_token!), 400, 'invalid_grant');
    await expectTokenError(await refresh(shared(), client, tokens.refresh_token!), 400, 'invalid_grant');
  });

  // @req REVOKE-FOREIGN
  it("answers 200 to another client's credentials and leaves the family alive", async () => {
    const { client, tokens } = await connect(shared());
    const other = await register(shared());
    note(undefined, other);
    await expectRevoked200(await revoke(shared(), other, tokens.refresh_token!));
    expect((await refresh(shared(), client, tokens.refresh_token!)).status).toBe(200);
  });

  // @req REVOKE-UNKNOWN
  it('answers 200 to an unknown or garbage token', async () => {
    const { client, tokens } = await connect(shared());
    for (const token of [
      'garbage',
      'eyJhbGciOiJIUzI1NiJ9.e30.c2ln',
      tokens.refresh_token!.slice(0, -4) + 'AAAA',
      'x'.repeat(5000),
    ]) {
      await expectRevoked200(await revoke(shared(), client, token));
    }
    expect((await refresh(shared(), client, tokens.refresh_token!)).status).toBe(200);
  });

  // @req REVOKE-ACCESS
  it('answers 200 to an access token, which keeps working at /mcp until it expires', async () => {
    const { client, tokens } = await connect(shared());
    await expectRevoked200(await revoke(shared(), client, tokens.access_token, { token_type_hint: 'access_token' }));
    const res = await postMcp(
      shared(),
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
      { Authorization: `Bearer ${tokens.access_token}`, 'Mcp-Protocol-Version': '2025-11-25' },
    );
    expect(res.status).toBe(200);
    await res.text();
  });

  // @req REVOKE-CLIENT-AUTH
  it('refuses a wrong secret with 401 invalid_client, a missing token with invalid_request, and other methods with 405', async () => {
    const { client, tokens } = await connect(shared());
    await expectTokenError(
      await revoke(shared(), { ...client, client_secret: 'B'.repeat(43) }, tokens.refresh_token!),
      401,
      'invalid_client',
    );
    await expectTokenError(
      await postForm(`${shared()}/oauth/revoke`, { client_id: client.client_id, client_secret: client.client_secret! }),
      400,
      'invalid_request',
    );
    expect((await fetch(`${shared()}/oauth/revoke`)).status).toBe(405);
    expect((await refresh(shared(), client, tokens.refresh_token!)).status).toBe(200);
  });

  // @req REVOKE-METADATA
  it('is advertised in the authorization server metadata with the token endpoint auth methods', async () => {
    const doc = (await (await fetch(`${shared()}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc).toMatchObject({
      revocation_endpoint: `${shared()}/oauth/revoke`,
      revocation_endpoint_auth_methods_supported: doc.token_endpoint_auth_methods_supported as string[],
    });
  });
});

describe('an outage of the Upstash REST endpoint', () => {
  // @req REFRESH-OUTAGE
  it('answers the refresh 503 with Retry-After while the bridge is down, and the same refresh works once it is back', async () => {
    const { client, tokens } = await connect(app.url);
    await stack.stopBridge();
    try {
      const down = await refresh(app.url, client, tokens.refresh_token!);
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('5');
      expect(await down.json()).toMatchObject({ error: 'temporarily_unavailable' });
      const revoking = await revoke(app.url, client, tokens.refresh_token!);
      expect(revoking.status).toBe(503);
      expect(revoking.headers.get('retry-after')).toBe('5');
    } finally {
      await stack.startBridge();
    }
    let back: Response | null = null;
    for (let i = 0; i < 50 && back?.status !== 200; i++) {
      if (back) await sleep(100);
      back = await refresh(app.url, client, tokens.refresh_token!);
    }
    expect(back!.status).toBe(200);
    const next = (await back!.json()) as TokenBody;
    note(next);
    expect(decodeJwt(next.refresh_token!)).toMatchObject({ gen: 1 });
    expect((await refresh(app.url, client, next.refresh_token!)).status).toBe(200);
  });
});

describe('official MCP clients refreshing on 401', () => {
  async function consentOverHttp(authorizationUrl: URL): Promise<URL> {
    const { request } = await openConsent(authorizationUrl.toString());
    const res = await submitConsent(app.url, { request, api_key: KEY_A, action: 'authorize' });
    expect(res.status).toBe(303);
    return new URL(res.headers.get('location')!);
  }

  /**
   * The connector flow, then twice: let the 1 s access token expire (past the 5 s verification
   * tolerance), and call a tool, so the client meets a 401, refreshes and retries. Each refresh
   * comes more than the 2 s window after the one before, so a client presenting a spent token
   * would kill its family and fail.
   */
  async function refreshesTwice<T>(sdk: SdkParts<T>): Promise<void> {
    const kills = () => eventsIn(app.output()).filter((e) => e.event === 'refresh_reuse').length;
    const killsBefore = kills();
    const report = await runConnectorFlow(sdk, consentOverHttp);
    const { provider } = report;
    const fingerprint = await fingerprintOf(KEY_A);
    for (let round = 0; round < 2; round++) {
      await sleep(7000);
      const session = await sdk.connect(sdk.transport(provider));
      expect(await session.whoami()).toMatchObject({ fingerprint });
      await session.close();
    }
    for (const tokens of provider.tokenHistory) note(tokens as TokenBody);
    const refreshTokens = provider.tokenHistory.map((t) => decodeJwt(t.refresh_token!));
    // Code exchange (0), the flow's own refresh (1), then one refresh per round.
    expect(refreshTokens.map((c) => c.gen)).toEqual([0, 1, 2, 3]);
    expect(new Set(refreshTokens.map((c) => c.fid)).size).toBe(1);
    expect(kills()).toBe(killsBefore);
  }

  // @req REFRESH-SDK
  it('SDK v2 (@modelcontextprotocol/client) refreshes on 401 and uses the rotated refresh token next', async () => {
    await refreshesTwice(sdkV2(`${app.url}/mcp`));
  });

  // @req REFRESH-SDK
  it('SDK v1 (@modelcontextprotocol/sdk) refreshes on 401 and uses the rotated refresh token next', async () => {
    await refreshesTwice(sdkV1(`${app.url}/mcp`));
  });
});

describe('what Redis holds afterwards', () => {
  // @req REFRESH-REDIS-CONTENTS
  it('holds no token, API key, fingerprint, family id or jti in plaintext, in any key or value', async () => {
    const { entries, text: dump } = await dumpRedis(stack);
    const keys = entries.map((e) => e.key);
    expect(keys.some((k) => k.startsWith('mcpgw:rf:spent:'))).toBe(true);
    expect(keys.some((k) => k.startsWith('mcpgw:rf:dead:'))).toBe(true);
    for (const { type } of entries) expect(['string', 'hash']).toContain(type);
    const secrets = [...seen, KEY_A, KEY_B, await fingerprintOf(KEY_A), await fingerprintOf(KEY_B)];
    expect(seen.size).toBeGreaterThan(40);
    for (const secret of secrets) expect(dump).not.toContain(secret);
  });
});
