/**
 * lib/oauth flow pieces over real services (real jose, keyring and limiter): client resolution and
 * authentication, request validation, consent decisions, and the two grants with an injected clock.
 */
import { describe, expect, it } from 'vitest';
import { KEY_A } from '@/kit/app';
import { authorizationParams, consentedCode, ISSUER, testServices, withClock } from '../../support/services';
import { pkcePair, CLAUDE_REGISTRATION, CLAUDE_CALLBACK } from '../../support/oauth';
import { authenticateClient, resolveClient } from '@/lib/oauth/clients';
import { AuthorizationError, validateAuthorizationRequest } from '@/lib/oauth/authorize';
import { authorizationResponseUrl } from '@/lib/oauth/authorizationResponse';
import { issueConsentToken } from '@/lib/oauth/consentRequest';
import { decideConsent } from '@/lib/oauth/consent';
import { OAuthError } from '@/lib/oauth/errors';
import { createGrantMeter } from '@/lib/oauth/grantLimit';
import { authorizationCodeGrant } from '@/lib/oauth/grants/authorizationCode';
import { refreshTokenGrant } from '@/lib/oauth/grants/refreshToken';
import { registerClient } from '@/lib/oauth/register';
import type { Services } from '@/lib/services';
import { rejectionOf } from '../../support/expectations';

async function registered(services: Services, metadata: unknown = CLAUDE_REGISTRATION) {
  return (await registerClient(metadata, services)) as { client_id: string; client_secret?: string };
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, OAuthError);

describe('resolveClient', () => {
  it('resolves a registered id and the pre-registered id, and nothing else', async () => {
    const services = await testServices();
    const client = await registered(services);
    expect((await resolveClient(client.client_id, services)).client).toMatchObject({
      kind: 'registered',
      name: 'Claude',
      auth: { method: 'client_secret_post' },
      redirectUris: ['https://claude.ai/api/mcp/auth_callback'],
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    expect((await resolveClient('mcp', services)).client).toMatchObject({
      kind: 'preregistered',
      auth: { method: 'none' },
    });
    expect(await resolveClient('other', services)).toMatchObject({ client: null, reason: 'client_unknown' });
    expect(await resolveClient(client.client_id + 'x', services)).toMatchObject({ client: null });
    expect(await resolveClient('https://example.com/', services)).toMatchObject({
      client: null,
      reason: 'client_unknown',
    });
  });

  // @req CONN-INVALID-CLIENT
  it('does not resolve a registered id after AUTH_SECRET rotated without AUTH_SECRET_PREVIOUS', async () => {
    const client = await registered(await testServices());
    const rotated = await testServices({ AUTH_SECRET: 'c'.repeat(64) });
    expect(await resolveClient(client.client_id, rotated)).toMatchObject({ client: null, reason: 'client_unknown' });
  });
});

describe('authenticateClient', () => {
  // @req CONN-TOKEN-CLIENT-AUTH
  it('counts each failure against the IP and refuses a blocked IP before checking a right secret', async () => {
    const services = await testServices({ RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '2' });
    const client = await registered(services);
    const wrong = { method: 'client_secret_post' as const, clientId: client.client_id, secret: 'A'.repeat(43) };
    expect((await rejection(authenticateClient(wrong, services, 'ip1'))).code).toBe('invalid_client');
    expect((await rejection(authenticateClient(wrong, services, 'ip1'))).code).toBe('invalid_client');
    const right = { ...wrong, secret: client.client_secret! };
    const blocked = await rejection(authenticateClient(right, services, 'ip1'));
    expect(blocked.status).toBe(429);
    expect(await authenticateClient(right, services, 'ip2')).toMatchObject({ clientId: client.client_id });
  });

  // @req CONN-TOKEN-CLIENT-AUTH
  it('refuses a secret sent by a public client and no secret from a confidential one', async () => {
    const services = await testServices();
    const confidential = await registered(services);
    const pub = await registered(services, {
      redirect_uris: ['http://localhost:1/cb'],
      token_endpoint_auth_method: 'none',
    });
    expect(
      (await rejection(authenticateClient({ method: 'none', clientId: confidential.client_id }, services, 'ip')))
        .status,
    ).toBe(401);
    expect(
      (
        await rejection(
          authenticateClient({ method: 'client_secret_post', clientId: pub.client_id, secret: 'x' }, services, 'ip'),
        )
      ).status,
    ).toBe(401);
  });
});

describe('validateAuthorizationRequest', () => {
  // @req CONN-AUTHZ-RENDER
  it('types errors before the redirect URI verifies as rendered, and later ones as redirected', async () => {
    const services = await testServices();
    const client = await registered(services);
    const { challenge } = pkcePair();
    const early = await validateAuthorizationRequest(
      authorizationParams(client.client_id, challenge, { redirect_uri: 'https://evil.example/cb' }),
      services,
    ).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(AuthorizationError);
    expect((early as AuthorizationError).delivery).toEqual({ mode: 'render' });
    const late = await validateAuthorizationRequest(
      authorizationParams(client.client_id, challenge, { response_type: 'token' }),
      services,
    ).catch((e: unknown) => e);
    expect((late as AuthorizationError).delivery).toEqual({
      mode: 'redirect',
      redirectUri: CLAUDE_CALLBACK,
      state: 's1',
    });
    expect((late as AuthorizationError).error.code).toBe('unsupported_response_type');
  });

  // @req CONN-SCOPE
  it('defaults scope to mcp plus offline_access for a client registered for refresh tokens', async () => {
    const services = await testServices();
    const client = await registered(services);
    const { challenge } = pkcePair();
    const p = authorizationParams(client.client_id, challenge);
    const request = await validateAuthorizationRequest(p, services);
    expect(request.scopes).toEqual(['mcp', 'offline_access']);
    expect(request.resource).toBe(`${ISSUER}/mcp`);
  });
});

describe('authorizationResponseUrl', () => {
  // @req CONN-ISS
  it('appends to a registered query and adds iss', () => {
    expect(
      authorizationResponseUrl('http://localhost:1/cb?a=1', { code: 'c', state: undefined }, { issuer: ISSUER }),
    ).toBe(`http://localhost:1/cb?a=1&code=c&iss=${encodeURIComponent(ISSUER)}`);
  });
});

describe('decideConsent', () => {
  // @req CONN-CONSENT-WRONG-KEY
  it('refuses a blocked IP before looking at the key, so it cannot learn a right key', async () => {
    const services = await testServices({ RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '1' });
    const client = await registered(services);
    const request = await validateAuthorizationRequest(
      authorizationParams(client.client_id, pkcePair().challenge),
      services,
    );
    const token = await issueConsentToken(request, services);
    const wrong = await decideConsent(
      { request: token, apiKey: 'wrong-key-0123456789abcdefgh', action: 'authorize', viaFetch: false },
      services,
      'ip',
    );
    expect(wrong.kind).toBe('retry');
    const blocked = await rejection(
      decideConsent({ request: token, apiKey: KEY_A, action: 'authorize', viaFetch: false }, services, 'ip'),
    );
    expect(blocked.status).toBe(429);
  });

  // @req CONN-CONSENT-SIGNED
  it('refuses an expired consent token with a message and no redirect', async () => {
    let now = Date.now();
    const services = await withClock(await testServices(), () => now);
    const client = await registered(services);
    const request = await validateAuthorizationRequest(
      authorizationParams(client.client_id, pkcePair().challenge),
      services,
    );
    const token = await issueConsentToken(request, services);
    now += 11 * 60 * 1000;
    const outcome = await decideConsent(
      { request: token, apiKey: KEY_A, action: 'authorize', viaFetch: false },
      services,
      'ip',
    );
    expect(outcome).toMatchObject({ kind: 'error', status: 400, message: expect.stringMatching(/expired/) });
  });
});

describe('authorizationCodeGrant', () => {
  const exchange = (services: Services, c: Awaited<ReturnType<typeof consentedCode>>) =>
    authorizationCodeGrant(
      {
        grant_type: 'authorization_code',
        client: c.presented,
        code: c.code,
        redirect_uri: CLAUDE_CALLBACK,
        code_verifier: c.verifier,
        resource: undefined,
      },
      services,
      'ip',
      createGrantMeter(services),
    );

  // @req CONN-CODE-BINDING
  it('refuses a code older than 60 seconds with invalid_grant', async () => {
    let now = Date.now();
    const services = await withClock(await testServices(), () => now);
    const c = await consentedCode(services);
    now += 61_000 + 5_000;
    expect((await rejection(exchange(services, c))).code).toBe('invalid_grant');
  });

  // @req CONN-CODE-SINGLE-USE
  it('answers 503 with Retry-After, not a token, when the single-use store cannot answer', async () => {
    const services = await testServices();
    const c = await consentedCode(services);
    // The store's outage outcome, as the Upstash backend reports an unreachable Redis.
    const down: Services = { ...services, singleUse: { claim: async () => 'unavailable' } };
    const error = await rejection(exchange(down, c));
    expect(error.code).toBe('temporarily_unavailable');
    expect(error.status).toBe(503);
    expect(error.headers['Retry-After']).toBe('5');
  });

  // @req CONN-CODE-SINGLE-USE
  it('records the code for no longer than its remaining lifetime', async () => {
    const services = await testServices();
    const c = await consentedCode(services);
    const ttls: number[] = [];
    const recording: Services = {
      ...services,
      singleUse: { claim: async (id, ttl) => (ttls.push(ttl), services.singleUse.claim(id, ttl)) },
    };
    expect((await exchange(recording, c)).status).toBe(200);
    expect(ttls).toHaveLength(1);
    expect(ttls[0]).toBeGreaterThan(0);
    expect(ttls[0]).toBeLessThanOrEqual(65);
  });
});

describe('refreshTokenGrant', () => {
  // @req CONN-REFRESH-DEAD
  it('refuses an expired refresh token with invalid_grant only', async () => {
    let now = Date.now();
    const services = await withClock(await testServices({ REFRESH_TOKEN_TTL_SECONDS: '120' }), () => now);
    const c = await consentedCode(services);
    const res = await authorizationCodeGrant(
      {
        grant_type: 'authorization_code',
        client: c.presented,
        code: c.code,
        redirect_uri: undefined,
        code_verifier: c.verifier,
        resource: undefined,
      },
      services,
      'ip',
      createGrantMeter(services),
    );
    const { refresh_token } = (await res.json()) as { refresh_token: string };
    now += 130_000;
    const error = await rejection(
      refreshTokenGrant(
        { grant_type: 'refresh_token', client: c.presented, refresh_token, scope: undefined, resource: undefined },
        services,
        'ip',
        createGrantMeter(services),
      ),
    );
    expect(error.code).toBe('invalid_grant');
    expect(error.status).toBe(400);
  });
});
