/**
 * The grant side of token confusion: every kind of token this server (or another deployment)
 * signs, presented at /oauth/token where another is expected, forged, or expired. Each answer is
 * the grant's own error (`invalid_grant`, or `invalid_client` 401 for a client id), never a token
 * and never a 5xx. Each group ends with the genuine token succeeding, so a refusal above it is
 * due to the confusion and not to a broken setup (and the refusal spent nothing).
 */
import { base64url, decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { baseEnv, KEY_A, startApp, TEST_SECRET, type AppInstance } from '@/kit/app';
import { postForm } from '@/kit/http';
import { tokenServiceFor } from '@/kit/mint';
import {
  authorizeParams,
  authorizeUrl,
  authorizeWithKey,
  CLAUDE_CALLBACK,
  connectLikeClaude,
  openConsent,
  pkcePair,
  register,
  type Registration,
  type TokenBody,
} from '../../support/oauth';
import { fingerprintOf, type Fingerprint } from '@/lib/keys';
import { expectTokenError } from '../../support/expectations';

const base = () => inject('appUrl');
const env = () => baseEnv(Number(new URL(base()).port));
const resource = () => `${base()}/mcp`;
const OTHER_SECRET = 'e'.repeat(64);

const token = (fields: Record<string, string>) => postForm(`${base()}/oauth/token`, fields);

/** A fresh, unspent code for `client`, with the fields that exchange it. */
async function freshCode(client: Registration) {
  const { verifier, challenge } = pkcePair();
  const callback = await authorizeWithKey(
    base(),
    authorizeParams(base(), client.client_id, CLAUDE_CALLBACK, challenge),
    KEY_A,
  );
  return { code: callback.searchParams.get('code')!, verifier };
}

function codeExchange(client: Registration, code: string, verifier: string, extra: Record<string, string> = {}) {
  return token({
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: CLAUDE_CALLBACK,
    client_id: client.client_id,
    client_secret: client.client_secret!,
    resource: resource(),
    ...extra,
  });
}

function refreshExchange(client: Registration, refreshToken: string, extra: Record<string, string> = {}) {
  return token({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: client.client_id,
    client_secret: client.client_secret!,
    ...extra,
  });
}

const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

/** Forgeries of one genuine JWT: alg none, HS384 and HS512 over its claims, kid injection, raw secret. */
async function forgeriesOf(jwt: string): Promise<Array<[string, string]>> {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const protectedHeader = decodeProtectedHeader(jwt);
  const claims = decodeJwt(jwt);
  const raw = Uint8Array.from(Buffer.from(TEST_SECRET, 'hex'));
  return [
    ['alg none without a signature', `${encode({ ...protectedHeader, alg: 'none' })}.${payload}.`],
    ['alg none with the genuine signature', `${encode({ ...protectedHeader, alg: 'none' })}.${payload}.${signature}`],
    [
      'HS384 with another key',
      await new SignJWT(claims)
        .setProtectedHeader({ ...protectedHeader, alg: 'HS384' })
        .sign(new Uint8Array(48).fill(7)),
    ],
    [
      'HS384 with the raw AUTH_SECRET',
      await new SignJWT(claims).setProtectedHeader({ ...protectedHeader, alg: 'HS384' }).sign(raw),
    ],
    [
      'HS256 with the raw AUTH_SECRET',
      await new SignJWT(claims).setProtectedHeader(protectedHeader as { alg: string }).sign(raw),
    ],
    [
      'an injected kid with the genuine signature',
      `${encode({ ...protectedHeader, kid: '../../../../dev/null' })}.${payload}.${signature}`,
    ],
    [
      'an injected jku with the genuine signature',
      `${encode({ ...protectedHeader, jku: 'https://attacker.example/jwks' })}.${payload}.${signature}`,
    ],
    ['a stripped signature', `${header}.${payload}.`],
    [
      'a payload with a wider scope under the genuine signature',
      `${header}.${encode({ ...claims, scope: 'mcp offline_access admin' })}.${signature}`,
    ],
  ];
}

let claude: Registration;
let other: Registration;
let issued: TokenBody;
let consentToken: string;
let fp: Fingerprint;
let foreign: { app: AppInstance; client: Registration; tokens: TokenBody; code: string; verifier: string };

beforeAll(async () => {
  other = await register(base(), {
    redirect_uris: [CLAUDE_CALLBACK],
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: ['authorization_code', 'refresh_token'],
  });
  // The tokens of one complete connection, and the client they were issued to.
  ({ client: claude, tokens: issued } = await connectLikeClaude(base(), KEY_A));
  const { challenge } = pkcePair();
  consentToken = (
    await openConsent(authorizeUrl(base(), authorizeParams(base(), claude.client_id, CLAUDE_CALLBACK, challenge)))
  ).request;
  fp = await fingerprintOf(KEY_A);

  // Another deployment: same keys, another AUTH_SECRET (and its own public URL).
  const app = await startApp({ AUTH_SECRET: OTHER_SECRET });
  const connected = await connectLikeClaude(app.url, KEY_A);
  const { verifier, challenge: foreignChallenge } = pkcePair();
  const callback = await authorizeWithKey(
    app.url,
    authorizeParams(app.url, connected.client.client_id, CLAUDE_CALLBACK, foreignChallenge),
    KEY_A,
  );
  foreign = {
    app,
    client: connected.client,
    tokens: connected.tokens,
    code: callback.searchParams.get('code')!,
    verifier,
  };
}, 90_000);

afterAll(async () => {
  await foreign?.app.stop();
});

describe('other kinds presented as an authorization code', () => {
  // @req ADV-GRANT-CONFUSION
  it('answers an access token, a refresh token, a client id and a consent token as code with invalid_grant', async () => {
    const { verifier } = pkcePair();
    for (const presented of [
      issued.access_token,
      issued.refresh_token!,
      claude.client_id,
      consentToken,
      claude.client_secret!,
    ]) {
      await expectTokenError(await codeExchange(claude, presented, verifier), 400, 'invalid_grant');
    }
    const genuine = await freshCode(claude);
    expect((await codeExchange(claude, genuine.code, genuine.verifier)).status).toBe(200);
  });
});

describe('other kinds presented as a refresh token', () => {
  // @req ADV-GRANT-CONFUSION
  it('answers an access token, a code, a client id and a consent token as refresh_token with invalid_grant, spending nothing', async () => {
    const unspent = await freshCode(claude);
    for (const presented of [issued.access_token, unspent.code, claude.client_id, consentToken]) {
      await expectTokenError(await refreshExchange(claude, presented), 400, 'invalid_grant');
    }
    expect((await codeExchange(claude, unspent.code, unspent.verifier)).status).toBe(200);
    expect((await refreshExchange(claude, issued.refresh_token!)).status).toBe(200);
  });
});

describe('other kinds presented as a client id', () => {
  // @req ADV-GRANT-CONFUSION
  it('answers a code, a refresh token, an access token and a consent token as client_id with invalid_client 401, at both grants', async () => {
    const unspent = await freshCode(claude);
    for (const presented of [unspent.code, issued.refresh_token!, issued.access_token, consentToken]) {
      await expectTokenError(
        await codeExchange(claude, unspent.code, unspent.verifier, { client_id: presented }),
        401,
        'invalid_client',
      );
      await expectTokenError(
        await refreshExchange(claude, issued.refresh_token!, { client_id: presented }),
        401,
        'invalid_client',
      );
      const asPublic = await token({
        grant_type: 'authorization_code',
        code: unspent.code,
        code_verifier: unspent.verifier,
        redirect_uri: CLAUDE_CALLBACK,
        client_id: presented,
      });
      await expectTokenError(asPublic, 401, 'invalid_client');
    }
    expect((await codeExchange(claude, unspent.code, unspent.verifier)).status).toBe(200);
  });

  // @req ADV-GRANT-CONFUSION
  it("refuses one registered client's secret presented with another client's id", async () => {
    const unspent = await freshCode(claude);
    await expectTokenError(
      await codeExchange(claude, unspent.code, unspent.verifier, { client_secret: other.client_secret! }),
      401,
      'invalid_client',
    );
    await expectTokenError(
      await refreshExchange(claude, issued.refresh_token!, { client_secret: other.client_secret! }),
      401,
      'invalid_client',
    );
    await expectTokenError(
      await refreshExchange(other, issued.refresh_token!, { client_secret: claude.client_secret! }),
      401,
      'invalid_client',
    );
    // The other client's own, right secret authenticates, and then the code is not its own.
    await expectTokenError(await codeExchange(other, unspent.code, unspent.verifier), 400, 'invalid_grant');
    expect((await codeExchange(claude, unspent.code, unspent.verifier)).status).toBe(200);
  });
});

describe('tokens of another deployment (another AUTH_SECRET)', () => {
  // @req ADV-GRANT-CONFUSION
  it('answers its client id with invalid_client 401 and its code and refresh token with invalid_grant', async () => {
    const f = foreign;
    await expectTokenError(await codeExchange(f.client, f.code, f.verifier), 401, 'invalid_client');
    await expectTokenError(await refreshExchange(f.client, f.tokens.refresh_token!), 401, 'invalid_client');
    await expectTokenError(await codeExchange(claude, f.code, f.verifier), 400, 'invalid_grant');
    await expectTokenError(await refreshExchange(claude, f.tokens.refresh_token!), 400, 'invalid_grant');
    await expectTokenError(await codeExchange(claude, f.tokens.access_token, f.verifier), 400, 'invalid_grant');
    // Same issuer and resource as this deployment, signed under the other secret.
    const sameIssuer = await tokenServiceFor({ ...env(), AUTH_SECRET: OTHER_SECRET });
    const { verifier, challenge } = pkcePair();
    const code = (
      await sameIssuer.issue(
        'code',
        {
          sub: fp,
          client_id: claude.client_id,
          redirect_uri: CLAUDE_CALLBACK,
          code_challenge: challenge,
          scope: 'mcp',
          resource: resource(),
        },
        60,
      )
    ).token;
    const refresh = (
      await sameIssuer.issue(
        'refresh',
        { sub: fp, client_id: claude.client_id, scope: 'mcp offline_access', resource: resource() },
        3600,
      )
    ).token;
    await expectTokenError(await codeExchange(claude, code, verifier), 400, 'invalid_grant');
    await expectTokenError(await refreshExchange(claude, refresh), 400, 'invalid_grant');
    // The other deployment still honours its own code: the refusals above are about the secret.
    const home = await postForm(`${f.app.url}/oauth/token`, {
      grant_type: 'authorization_code',
      code: f.code,
      code_verifier: f.verifier,
      redirect_uri: CLAUDE_CALLBACK,
      client_id: f.client.client_id,
      client_secret: f.client.client_secret!,
    });
    expect(home.status).toBe(200);
  });
});

describe('expired codes and refresh tokens', () => {
  // @req ADV-GRANT-CONFUSION
  it('answers a code minted 10 minutes ago and a refresh token past 30 days with invalid_grant, and the same claims minted now pass', async () => {
    const { verifier, challenge } = pkcePair();
    const codeClaims = {
      sub: fp,
      client_id: claude.client_id,
      redirect_uri: CLAUDE_CALLBACK,
      code_challenge: challenge,
      scope: 'mcp',
      resource: resource(),
    };
    const refreshClaims = { sub: fp, client_id: claude.client_id, scope: 'mcp offline_access', resource: resource() };
    const past = await tokenServiceFor(env(), () => Date.now() - 10 * 60_000);
    const longAgo = await tokenServiceFor(env(), () => Date.now() - 31 * 86_400_000);
    await expectTokenError(
      await codeExchange(claude, (await past.issue('code', codeClaims, 60)).token, verifier),
      400,
      'invalid_grant',
    );
    await expectTokenError(
      await refreshExchange(claude, (await longAgo.issue('refresh', refreshClaims, 30 * 86_400)).token),
      400,
      'invalid_grant',
    );

    const now = await tokenServiceFor(env());
    expect((await codeExchange(claude, (await now.issue('code', codeClaims, 60)).token, verifier)).status).toBe(200);
    expect((await refreshExchange(claude, (await now.issue('refresh', refreshClaims, 30 * 86_400)).token)).status).toBe(
      200,
    );
  });
});

describe('forged codes and refresh tokens', () => {
  // @req ADV-GRANT-CONFUSION
  // @req ADV-FORGED-TOKENS
  it('answers every forgery of a genuine code with invalid_grant, leaving the code unspent', async () => {
    const genuine = await freshCode(claude);
    for (const [name, forged] of await forgeriesOf(genuine.code)) {
      const res = await codeExchange(claude, forged, genuine.verifier);
      expect(res.status, name).toBe(400);
      await expectTokenError(res, 400, 'invalid_grant');
    }
    expect((await codeExchange(claude, genuine.code, genuine.verifier)).status).toBe(200);
  });

  // @req ADV-GRANT-CONFUSION
  // @req ADV-FORGED-TOKENS
  it('answers every forgery of a genuine refresh token with invalid_grant', async () => {
    // A connection of its own: the shared one's refresh token was spent earlier in this file, and
    // using it again past the grace window would (rightly) be reuse.
    const { client, tokens } = await connectLikeClaude(base(), KEY_A);
    for (const [name, forged] of await forgeriesOf(tokens.refresh_token!)) {
      const res = await refreshExchange(client, forged);
      expect(res.status, name).toBe(400);
      await expectTokenError(res, 400, 'invalid_grant');
    }
    expect((await refreshExchange(client, tokens.refresh_token!)).status).toBe(200);
  });
});
