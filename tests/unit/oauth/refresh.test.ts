/**
 * Refresh families at the grant and at revocation, over real services (real jose, the memory
 * family store) with an injected clock: rotation, twins, reuse, outage, revocation.
 */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { consentedCode, ISSUER, testServices, withClock } from '../../support/services';
import { OAuthError } from '@/lib/oauth/errors';
import { createGrantMeter } from '@/lib/oauth/grantLimit';
import { authorizationCodeGrant } from '@/lib/oauth/grants/authorizationCode';
import { refreshTokenGrant } from '@/lib/oauth/grants/refreshToken';
import { handleRevocationRequest } from '@/lib/oauth/revoke';
import { handleTokenRequest } from '@/lib/oauth/token';
import type { PresentedClient } from '@/lib/oauth/tokenRequest';
import type { Services } from '@/lib/services';
import { createMemoryRateLimiter } from '@/lib/limits/limiter';
import { rejectionOf } from '../../support/expectations';

type Tokens = { access_token: string; refresh_token: string; expires_in: number; scope: string };

/** Services on a clock the test moves (seconds are what tokens and the family store see). */
async function clocked(env: Record<string, string> = {}) {
  let now = Date.now();
  const services = await withClock(await testServices(env), () => now);
  return { services, advance: (seconds: number) => (now += seconds * 1000) };
}

async function connect(services: Services): Promise<{ presented: PresentedClient; tokens: Tokens }> {
  const { presented, code, verifier } = await consentedCode(services);
  const res = await authorizationCodeGrant(
    {
      grant_type: 'authorization_code',
      client: presented,
      code,
      redirect_uri: undefined,
      code_verifier: verifier,
      resource: undefined,
    },
    services,
    'ip',
    createGrantMeter(services),
  );
  return { presented, tokens: (await res.json()) as Tokens };
}

function refresh(
  services: Services,
  presented: PresentedClient,
  refreshToken: string,
  scope?: string,
): Promise<Response> {
  return refreshTokenGrant(
    { grant_type: 'refresh_token', client: presented, refresh_token: refreshToken, scope, resource: undefined },
    services,
    'ip',
    createGrantMeter(services),
  );
}

async function refreshed(
  services: Services,
  presented: PresentedClient,
  refreshToken: string,
): Promise<{ text: string; tokens: Tokens }> {
  const res = await refresh(services, presented, refreshToken);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, tokens: JSON.parse(text) as Tokens };
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, OAuthError);

function revocation(
  presented: PresentedClient,
  token: string | undefined,
  headers: Record<string, string> = {},
): Request {
  const fields: Record<string, string> = { client_id: presented.clientId };
  if (presented.method === 'client_secret_post' || presented.method === 'client_secret_basic')
    fields.client_secret = presented.secret;
  if (token !== undefined) fields.token = token;
  return new Request(`${ISSUER}/oauth/revoke`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

describe('refreshTokenGrant with families', () => {
  // @req REFRESH-FAMILY
  it('starts a family at generation 0 on the code exchange and moves it to 1 and 2, keeping the family id', async () => {
    const { services, advance } = await clocked();
    const { presented, tokens } = await connect(services);
    const zero = decodeJwt(tokens.refresh_token);
    expect(zero).toMatchObject({ gen: 0, fid: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
    advance(10);
    const one = (await refreshed(services, presented, tokens.refresh_token)).tokens;
    advance(10);
    const two = (await refreshed(services, presented, one.refresh_token)).tokens;
    expect(decodeJwt(one.refresh_token)).toMatchObject({ fid: zero.fid, gen: 1 });
    expect(decodeJwt(two.refresh_token)).toMatchObject({ fid: zero.fid, gen: 2 });
    expect(new Set([tokens.refresh_token, one.refresh_token, two.refresh_token]).size).toBe(3);
    expect(
      new Set([decodeJwt(one.refresh_token).jti, decodeJwt(one.access_token).jti, decodeJwt(two.refresh_token).jti])
        .size,
    ).toBe(3);
  });

  // @req REFRESH-TWIN
  it('answers the same token twice, 5 s apart within the window, with the same body byte for byte', async () => {
    const { services, advance } = await clocked();
    const { presented, tokens } = await connect(services);
    const first = await refreshed(services, presented, tokens.refresh_token);
    advance(5);
    const twin = await refreshed(services, presented, tokens.refresh_token);
    expect(twin.text).toBe(first.text);
    expect(first.tokens.expires_in).toBe(services.config.accessTokenTtlSeconds);
    // Both tokens are of the first use's time, so the twin adds nothing to their life.
    expect(decodeJwt(twin.tokens.access_token).iat).toBe(decodeJwt(first.tokens.refresh_token).iat);
  });

  // @req REFRESH-REUSE
  it('kills the family on a use after the window: the reused token and the successor already handed out are invalid_grant', async () => {
    const { services, advance } = await clocked({ REFRESH_REUSE_GRACE_SECONDS: '2' });
    const { presented, tokens } = await connect(services);
    const next = (await refreshed(services, presented, tokens.refresh_token)).tokens;
    advance(3);
    expect((await rejection(refresh(services, presented, tokens.refresh_token))).code).toBe('invalid_grant');
    const error = await rejection(refresh(services, presented, next.refresh_token));
    expect(error).toMatchObject({ code: 'invalid_grant', status: 400 });
  });

  // @req REFRESH-REUSE
  it('spends nothing on a request refused for another reason', async () => {
    const { services } = await clocked({ REFRESH_REUSE_GRACE_SECONDS: '0' });
    const { presented, tokens } = await connect(services);
    expect((await rejection(refresh(services, presented, tokens.refresh_token, 'mcp offline_access admin'))).code).toBe(
      'invalid_scope',
    );
    expect((await refresh(services, presented, tokens.refresh_token)).status).toBe(200);
    expect((await rejection(refresh(services, presented, tokens.refresh_token))).code).toBe('invalid_grant');
  });

  // @req REFRESH-FAMILY
  it('treats a refresh token minted before families as its own family at generation 0', async () => {
    const { services, advance } = await clocked({ REFRESH_REUSE_GRACE_SECONDS: '2' });
    const { presented, tokens } = await connect(services);
    const claims = decodeJwt(tokens.refresh_token);
    const legacy = (
      await services.tokens.issue(
        'refresh',
        { sub: claims.sub!, client_id: presented.clientId, scope: 'mcp offline_access', resource: `${ISSUER}/mcp` },
        3600,
      )
    ).token;
    const next = (await refreshed(services, presented, legacy)).tokens;
    expect(decodeJwt(next.refresh_token)).toMatchObject({ gen: 1, fid: expect.stringMatching(/^jti:/) });
    advance(3);
    expect((await rejection(refresh(services, presented, legacy))).code).toBe('invalid_grant');
    expect((await rejection(refresh(services, presented, next.refresh_token))).code).toBe('invalid_grant');
  });

  // @req REFRESH-OUTAGE
  it('answers 503 with Retry-After, not invalid_grant, when the family store cannot answer', async () => {
    const { services } = await clocked();
    const { presented, tokens } = await connect(services);
    // The store's outage outcome, as the Upstash backend reports an unreachable Redis.
    const down: Services = {
      ...services,
      refreshFamilies: { spend: async () => ({ outcome: 'unavailable' }), kill: async () => 'unavailable' },
    };
    const error = await rejection(refresh(down, presented, tokens.refresh_token));
    expect(error).toMatchObject({ code: 'temporarily_unavailable', status: 503, headers: { 'Retry-After': '5' } });
    expect((await refresh(services, presented, tokens.refresh_token)).status).toBe(200);
  });
});

describe('handleRevocationRequest', () => {
  // @req REVOKE-REFRESH
  it('kills the family of a refresh token: it and its successor are invalid_grant, within the window too', async () => {
    const { services } = await clocked();
    const { presented, tokens } = await connect(services);
    const next = (await refreshed(services, presented, tokens.refresh_token)).tokens;
    const res = await handleRevocationRequest(revocation(presented, tokens.refresh_token), services);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe('');
    expect((await rejection(refresh(services, presented, tokens.refresh_token))).code).toBe('invalid_grant');
    expect((await rejection(refresh(services, presented, next.refresh_token))).code).toBe('invalid_grant');
  });

  // @req REVOKE-FOREIGN
  it("answers 200 to another client's refresh token and leaves its family alive", async () => {
    const { services } = await clocked();
    const owner = await connect(services);
    const other = await connect(services);
    expect(
      (await handleRevocationRequest(revocation(other.presented, owner.tokens.refresh_token), services)).status,
    ).toBe(200);
    expect((await refresh(services, owner.presented, owner.tokens.refresh_token)).status).toBe(200);
  });

  // @req REVOKE-UNKNOWN
  // @req REVOKE-ACCESS
  it('answers 200 to garbage, an expired refresh token and an access token, which keeps verifying', async () => {
    const { services, advance } = await clocked({ REFRESH_TOKEN_TTL_SECONDS: '60' });
    const { presented, tokens } = await connect(services);
    for (const token of ['garbage', 'a.b.c', tokens.access_token]) {
      expect((await handleRevocationRequest(revocation(presented, token), services)).status).toBe(200);
    }
    expect(await services.tokens.verify('access', tokens.access_token)).toMatchObject({
      client_id: presented.clientId,
    });
    advance(120);
    expect((await handleRevocationRequest(revocation(presented, tokens.refresh_token), services)).status).toBe(200);
  });

  // @req REVOKE-CLIENT-AUTH
  it('authenticates the client as the token endpoint does and requires the token parameter', async () => {
    const { services } = await clocked();
    const { presented, tokens } = await connect(services);
    const wrong = { ...presented, secret: 'A'.repeat(43) } as PresentedClient;
    const refused = await handleRevocationRequest(revocation(wrong, tokens.refresh_token), services);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'invalid_client' });
    expect((await refresh(services, presented, tokens.refresh_token)).status).toBe(200);

    const basic = `Basic ${btoa(`${encodeURIComponent(presented.clientId)}:${'A'.repeat(43)}`)}`;
    const viaBasic = await handleRevocationRequest(
      new Request(`${ISSUER}/oauth/revoke`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic },
        body: `token=${tokens.refresh_token}`,
      }),
      services,
    );
    expect(viaBasic.status).toBe(401);
    expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic /);

    const missing = await handleRevocationRequest(revocation(presented, undefined), services);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'invalid_request' });
    const json = await handleRevocationRequest(
      new Request(`${ISSUER}/oauth/revoke`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      }),
      services,
    );
    expect(json.status).toBe(400);
  });

  // @req REVOKE-CLIENT-AUTH
  it("counts against the family's limit only once the token verified: junk revocations spend nothing, 429 past it", async () => {
    const { services } = await clocked({ RATE_LIMIT_TOKEN_PER_MINUTE: '2' });
    // A confidential client is still counted per grant: the refresh family's 2 are spent by two refreshes.
    const { presented, tokens } = await connect(services);
    const refreshVia = async (refreshToken: string) => {
      const body = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: presented.clientId,
        client_secret:
          presented.method === 'client_secret_post' || presented.method === 'client_secret_basic'
            ? presented.secret
            : '',
      });
      return handleTokenRequest(
        new Request(`${ISSUER}/oauth/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: body.toString(),
        }),
        services,
      );
    };
    const once = await refreshVia(tokens.refresh_token);
    expect(once.headers.get('ratelimit-remaining')).toBe('1');
    const viaToken = await refreshVia(((await once.json()) as Tokens).refresh_token);
    expect(viaToken.status).toBe(200);
    expect(viaToken.headers.get('ratelimit-remaining')).toBe('0');
    const next = ((await viaToken.json()) as Tokens).refresh_token;
    for (let i = 0; i < 5; i++) {
      const junk = await handleRevocationRequest(revocation(presented, `garbage-${i}`), services);
      expect(junk.status).toBe(200);
      expect(junk.headers.get('ratelimit-remaining')).toBeNull();
    }
    const limited = await handleRevocationRequest(revocation(presented, next), services);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ error: 'too_many_requests' });
    // The limited revocation did nothing: the family lives (seen with a fresh allowance).
    const nextMinute: Services = { ...services, limiter: createMemoryRateLimiter(services.config.limits) };
    expect((await refresh(nextMinute, presented, next)).status).toBe(200);
  });
});
