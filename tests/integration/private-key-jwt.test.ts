/**
 * ChatGPT's way in: a Client ID Metadata Document asking for `private_key_jwt` (RFC 7523), with
 * its public keys at a `jwks_uri`, served by a real HTTPS server (throwaway CA trusted through
 * NODE_EXTRA_CA_CERTS) in both shapes ChatGPT publishes, against a real `next start` with Redis.
 * The keys are real RSA and EC keys made here; the assertions are signed with jose as a client
 * signs them.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_A, startApp, type AppInstance } from '@/kit/app';
import {
  chatGptDocument,
  clientAssertion,
  PER_APP_DOCUMENT,
  serveChatGpt,
  SHARED_DOCUMENT,
  signer,
  withAssertion,
  type Signer,
} from '../support/chatgpt';
import { startCimdServer, type CimdServer } from '@/kit/fakeServers/cimdServer';
import { eventsFor, newRequestId } from '../support/events';
import { postForm, whoamiWithToken, json } from '@/kit/http';
import { authorizeParams, authorizeWithKey, pkcePair, type TokenBody } from '../support/oauth';
import { startRedisStack, type RedisStack } from '@/kit/redis';

let docs: CimdServer;
let stack: RedisStack;
let app: AppInstance;
let rsa: Signer;
let ec: Signer;
let stranger: Signer;
/** What each key-set path serves; tests change it to rotate keys or break the set. */
const keySets = new Map<string, unknown>();

const SHARED = SHARED_DOCUMENT.path;
const PER_APP = PER_APP_DOCUMENT.path;
const SHARED_REDIRECT = SHARED_DOCUMENT.redirect;
const PER_APP_REDIRECT = PER_APP_DOCUMENT.redirect;

/** A document at `path` whose keys are at `path`'s sibling `jwks.json`, serving `keys`. */
function serveClient(path: string, redirect: string, keys: unknown, extra: Record<string, unknown> = {}): string {
  const jwksPath = path.replace(/client\.json$/, 'jwks.json');
  keySets.set(jwksPath, keys);
  return serveChatGpt(docs, path, redirect, () => keySets.get(jwksPath), extra);
}

beforeAll(async () => {
  [docs, stack, rsa, ec, stranger] = await Promise.all([
    startCimdServer(),
    startRedisStack(),
    signer('RS256', 'rsa-1'),
    signer('ES256', 'ec-1'),
    signer('RS256', 'rsa-1'),
  ]);
  serveClient(
    SHARED,
    SHARED_REDIRECT,
    { keys: [rsa.jwk] },
    { token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'] },
  );
  serveClient(PER_APP, PER_APP_REDIRECT, { keys: [rsa.jwk, ec.jwk] });
  app = await startApp({
    NODE_EXTRA_CA_CERTS: docs.caFile,
    CIMD_ALLOW_PRIVATE_HOSTS: '1',
    UPSTASH_REDIS_REST_URL: stack.restUrl,
    UPSTASH_REDIS_REST_TOKEN: stack.restToken,
  });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await Promise.all([docs?.stop(), stack?.stop()]);
});

const tokenEndpoint = () => `${app.url}/oauth/token`;

const assertion = (clientId: string, s: Signer, claims?: Record<string, unknown>, header?: Record<string, unknown>) =>
  clientAssertion(tokenEndpoint(), clientId, s, claims, header);

type Signed = { clientId: string; code: string; verifier: string; redirectUri: string };

async function signIn(path: string, redirectUri: string): Promise<Signed> {
  const clientId = `${docs.origin}${path}`;
  const { verifier, challenge } = pkcePair();
  const callback = await authorizeWithKey(app.url, authorizeParams(app.url, clientId, redirectUri, challenge), KEY_A);
  expect(callback.origin + callback.pathname).toBe(redirectUri);
  return { clientId, code: callback.searchParams.get('code')!, verifier, redirectUri };
}

function exchange(signed: Signed, auth: Record<string, string>, requestId = newRequestId('pkjwt')): Promise<Response> {
  return postForm(
    tokenEndpoint(),
    {
      grant_type: 'authorization_code',
      code: signed.code,
      code_verifier: signed.verifier,
      redirect_uri: signed.redirectUri,
      resource: `${app.url}/mcp`,
      ...auth,
    },
    { 'X-Request-Id': requestId },
  );
}

async function tokensOf(res: Response): Promise<TokenBody & { refresh_token: string }> {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as TokenBody & { refresh_token: string };
}

const whoami = (accessToken: string) => whoamiWithToken(app.url, accessToken);

/** A 401 invalid_client, and the one `token` event under its request id with `reason`. */
async function expectRefused(res: Response, requestId: string, reason: string): Promise<void> {
  expect(res.status).toBe(401);
  const body = (await res.json()) as { error: string; error_description: string };
  expect(body.error).toBe('invalid_client');
  const events = await eventsFor(app, requestId);
  expect(events.map((e) => [e.event, e.reason])).toEqual([['token', reason]]);
}

describe('a private_key_jwt metadata-document client (ChatGPT)', () => {
  for (const [shape, path, redirect, key] of [
    ['the shared document (none and private_key_jwt)', SHARED, SHARED_REDIRECT, () => rsa],
    ['a per-app document (private_key_jwt only), signing with ES256', PER_APP, PER_APP_REDIRECT, () => ec],
  ] as const) {
    // @req CIMD-PRIVATE-KEY-JWT
    it(`completes consent, code, /mcp, refresh and revocation: ${shape}`, async () => {
      const signed = await signIn(path, redirect);
      const tokens = await tokensOf(
        await exchange(signed, withAssertion(await assertion(signed.clientId, key()), signed.clientId)),
      );
      expect(await whoami(tokens.access_token)).toMatchObject({ fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
      // Refresh with a new assertion, and without client_id: the assertion's iss names the client.
      const refreshed = await tokensOf(
        await postForm(tokenEndpoint(), {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
          ...withAssertion(await assertion(signed.clientId, key())),
        }),
      );
      expect(await whoami(refreshed.access_token)).toMatchObject({ fingerprint: expect.any(String) });
      const revoked = await postForm(`${app.url}/oauth/revoke`, {
        token: refreshed.refresh_token,
        ...withAssertion(await assertion(signed.clientId, key()), signed.clientId),
      });
      expect(revoked.status).toBe(200);
      const dead = await postForm(tokenEndpoint(), {
        grant_type: 'refresh_token',
        refresh_token: refreshed.refresh_token,
        ...withAssertion(await assertion(signed.clientId, key()), signed.clientId),
      });
      expect(dead.status).toBe(400);
      expect(((await dead.json()) as { error: string }).error).toBe('invalid_grant');
    });
  }

  // @req CIMD-PRIVATE-KEY-JWT
  it('lets the shared document be a public client without an assertion, PKCE as ever', async () => {
    const signed = await signIn(SHARED, SHARED_REDIRECT);
    const tokens = await tokensOf(await exchange(signed, { client_id: signed.clientId }));
    // The refresh of a public client needs no assertion either; a bad one is still refused.
    const requestId = newRequestId('pkjwt-public');
    const bad = await postForm(
      tokenEndpoint(),
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, ...withAssertion('x.y.z', signed.clientId) },
      { 'X-Request-Id': requestId },
    );
    await expectRefused(bad, requestId, 'assertion_malformed');
    const ok = await postForm(tokenEndpoint(), {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: signed.clientId,
    });
    expect(ok.status).toBe(200);
  });

  // @req CIMD-ASSERTION-REFUSALS
  it('refuses each wrong assertion with invalid_client and its reason, leaving the code unspent', async () => {
    const signed = await signIn(PER_APP, PER_APP_REDIRECT);
    const id = signed.clientId;
    const now = Math.floor(Date.now() / 1000);
    const replayed = await assertion(id, rsa);
    // Spent once on another request: a refresh it cannot finish (junk token), after the assertion verified.
    const first = await postForm(tokenEndpoint(), {
      grant_type: 'refresh_token',
      refresh_token: 'junk',
      ...withAssertion(replayed, id),
    });
    expect(first.status).toBe(400);
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const cases: Array<[string, Record<string, string>, string]> = [
      ['no assertion', { client_id: id }, 'assertion_missing'],
      ['a client_secret instead', { client_id: id, client_secret: 'secret' }, 'client_auth_method_mismatch'],
      [
        'an unknown key',
        withAssertion(await assertion(id, stranger, {}, { kid: 'somebody-else' }), id),
        'assertion_bad_signature',
      ],
      ['another key under a known kid', withAssertion(await assertion(id, stranger), id), 'assertion_bad_signature'],
      [
        'a wrong aud',
        withAssertion(await assertion(id, rsa, { aud: 'https://chatgpt.com/oauth/token' }), id),
        'assertion_wrong_audience',
      ],
      ['expired', withAssertion(await assertion(id, rsa, { iat: now - 200, exp: now - 100 }), id), 'assertion_expired'],
      [
        'iss not the client',
        withAssertion(await assertion(id, rsa, { iss: 'https://evil.example/client.json' }), id),
        'assertion_malformed',
      ],
      [
        'alg none',
        withAssertion(
          `${part({ alg: 'none', kid: 'rsa-1' })}.${part({ iss: id, sub: id, aud: tokenEndpoint(), exp: now + 60, jti: randomUUID() })}.`,
          id,
        ),
        'assertion_bad_signature',
      ],
      [
        'HS256 keyed with the public key',
        withAssertion(
          await new SignJWT({ iss: id, sub: id, aud: tokenEndpoint(), exp: now + 60, jti: randomUUID() })
            .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
            .sign(new TextEncoder().encode(JSON.stringify(rsa.jwk))),
          id,
        ),
        'assertion_bad_signature',
      ],
      ['a replayed jti', withAssertion(replayed, id), 'assertion_replayed'],
      [
        'another assertion type',
        { ...withAssertion(await assertion(id, rsa), id), client_assertion_type: 'urn:example:saml' },
        'assertion_malformed',
      ],
      ['over 8 KiB', withAssertion('e'.repeat(9000), id), 'assertion_malformed'],
    ];
    for (const [label, auth, reason] of cases) {
      const requestId = newRequestId('pkjwt-refusal');
      const res = await exchange(signed, auth, requestId);
      expect(res.status, label).toBe(401);
      await expectRefused(res, requestId, reason);
    }
    // None of it spent the code.
    await tokensOf(await exchange(signed, withAssertion(await assertion(id, rsa), id)));
  });

  // @req CIMD-ASSERTION-REFUSALS
  it('never echoes an assertion: not in a body, not in the log', async () => {
    const signed = await signIn(PER_APP, PER_APP_REDIRECT);
    const bad = await assertion(signed.clientId, stranger, {}, { kid: 'who' });
    const res = await exchange(signed, withAssertion(bad, signed.clientId));
    expect(await res.text()).not.toContain(bad.split('.')[1]!);
    expect(app.output()).not.toContain(bad.split('.')[2]!);
  });
});

describe("the client's key set", () => {
  // @req CIMD-KEY-SET
  it('refuses a set holding a private key, an http jwks_uri, and a set over 64 KiB', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const leaky = serveClient('/leaky/client.json', PER_APP_REDIRECT, {
      keys: [rsa.jwk, { ...(await exportJWK(privateKey)), kid: 'oops' }],
    });
    const huge = serveClient('/huge/client.json', PER_APP_REDIRECT, {
      keys: [{ ...rsa.jwk, x5c: ['A'.repeat(70 * 1024)] }],
    });
    for (const [clientId, reason] of [
      [leaky, 'jwks_invalid'],
      [huge, 'jwks_unavailable'],
    ] as const) {
      const requestId = newRequestId('pkjwt-keyset');
      const res = await postForm(
        tokenEndpoint(),
        { grant_type: 'refresh_token', refresh_token: 'r', ...withAssertion(await assertion(clientId, rsa), clientId) },
        { 'X-Request-Id': requestId },
      );
      await expectRefused(res, requestId, reason);
    }
    // An http jwks_uri makes the document itself invalid: the client is unknown.
    docs.routes.set('/plain/client.json', (_req, res, self) =>
      json(res, chatGptDocument(self, PER_APP_REDIRECT, { jwks_uri: 'http://127.0.0.1:9/jwks.json' })),
    );
    const plain = `${docs.origin}/plain/client.json`;
    const requestId = newRequestId('pkjwt-http');
    const res = await postForm(
      tokenEndpoint(),
      { grant_type: 'refresh_token', refresh_token: 'r', ...withAssertion(await assertion(plain, rsa), plain) },
      { 'X-Request-Id': requestId },
    );
    expect(res.status).toBe(401);
    const events = await eventsFor(app, requestId, 2);
    expect(events.map((e) => [e.event, e.reason])).toEqual([
      ['cimd', 'cimd_invalid'],
      ['token', 'client_unknown'],
    ]);
  });

  // @req CIMD-KEY-ROTATION
  it('accepts a rotated key after one refetch, and fetches at most once per 30 s for unknown kids', async () => {
    const path = '/rotating/client.json';
    const clientId = serveClient(path, PER_APP_REDIRECT, { keys: [rsa.jwk] });
    const jwksPath = '/rotating/jwks.json';
    const fetches = () => docs.hits.get(jwksPath) ?? 0;
    const refresh = async (s: Signer, header: Record<string, unknown> = {}) =>
      postForm(tokenEndpoint(), {
        grant_type: 'refresh_token',
        refresh_token: 'r',
        ...withAssertion(await assertion(clientId, s, {}, header), clientId),
      });
    // The first request fetches the set; the assertion verifies (then the junk refresh token fails).
    expect((await refresh(rsa)).status).toBe(400);
    expect(fetches()).toBe(1);
    // A flood of unknown kids within 30 s of that fetch: refused, and no fetch at all.
    for (let i = 0; i < 10; i++) expect((await refresh(stranger, { kid: `unknown-${i}` })).status).toBe(401);
    expect(fetches()).toBe(1);
    // The client rotates to a new key; once 30 s have passed, its first assertion refetches.
    const rotated = await signer('RS256', 'rsa-2');
    keySets.set(jwksPath, { keys: [rotated.jwk] });
    await new Promise((done) => setTimeout(done, 30_500));
    expect((await refresh(rotated)).status).toBe(400);
    expect(fetches()).toBe(2);
    for (let i = 0; i < 10; i++) expect((await refresh(stranger, { kid: `again-${i}` })).status).toBe(401);
    expect(fetches()).toBe(2);
  }, 60_000);
});

describe('a Redis outage during the replay check', () => {
  // @req CIMD-ASSERTION-OUTAGE
  it('answers 503 with Retry-After, and the same assertion works once Redis is back', async () => {
    const signed = await signIn(PER_APP, PER_APP_REDIRECT);
    const value = await assertion(signed.clientId, rsa);
    await stack.stopBridge();
    let down: Response;
    try {
      down = await exchange(signed, withAssertion(value, signed.clientId));
    } finally {
      await stack.startBridge();
    }
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect(((await down.json()) as { error: string }).error).toBe('temporarily_unavailable');
    await tokensOf(await exchange(signed, withAssertion(value, signed.clientId)));
  });
});

describe('a registered client (RFC 7591) with private_key_jwt', () => {
  const register = (metadata: Record<string, unknown>) =>
    fetch(`${app.url}/oauth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Signing agent',
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'private_key_jwt',
        ...metadata,
      }),
    });

  // @req CIMD-PRIVATE-KEY-JWT
  it('registers with a jwks_uri carried in the client id, and signs in with assertions only', async () => {
    serveClient('/registered/client.json', PER_APP_REDIRECT, { keys: [ec.jwk] });
    const jwksUri = `${docs.origin}/registered/jwks.json`;
    const res = await register({ jwks_uri: jwksUri });
    expect(res.status).toBe(201);
    const registration = (await res.json()) as Record<string, unknown>;
    expect(registration).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri });
    expect(registration).not.toHaveProperty('client_secret');
    const clientId = registration.client_id as string;

    const redirectUri = 'http://127.0.0.1:47123/callback';
    const { verifier, challenge } = pkcePair();
    const callback = await authorizeWithKey(app.url, authorizeParams(app.url, clientId, redirectUri, challenge), KEY_A);
    const signed = { clientId, code: callback.searchParams.get('code')!, verifier, redirectUri };
    const requestId = newRequestId('pkjwt-dcr');
    await expectRefused(await exchange(signed, { client_id: clientId }, requestId), requestId, 'assertion_missing');
    const tokens = await tokensOf(await exchange(signed, withAssertion(await assertion(clientId, ec), clientId)));
    expect(await whoami(tokens.access_token)).toMatchObject({ fingerprint: expect.any(String) });
  });

  // @req CIMD-KEY-SET
  it('refuses an inline jwks, a missing or http jwks_uri', async () => {
    for (const metadata of [
      { jwks: { keys: [rsa.jwk] } },
      {},
      { jwks_uri: 'http://keys.example/jwks.json' },
      { jwks_uri: 'not a url' },
    ]) {
      const res = await register(metadata);
      expect(res.status, JSON.stringify(metadata)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_client_metadata');
    }
  });
});
