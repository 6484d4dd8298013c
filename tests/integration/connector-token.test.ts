/** The token endpoint's authorization_code and refresh_token grants, end to end over real HTTP. */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KEY_A, KEY_B, startApp, TEST_SECRET, type AppInstance } from '@/kit/app';
import { postForm, postMcp, rpcMessages } from '@/kit/http';
import {
  authorizeParams,
  authorizeWithKey,
  CLAUDE_CALLBACK,
  CLAUDE_REGISTRATION,
  connectLikeClaude,
  exchangeCode,
  pkcePair,
  register,
  type Registration,
  type TokenBody,
} from '../support/oauth';
import { expectTokenError } from '../support/expectations';

const base = () => inject('appUrl');

/** A fresh code for `client` (claude.ai-style), with everything needed to exchange it. */
async function freshCode(client: Registration, key = KEY_A, redirectUri: string = CLAUDE_CALLBACK) {
  const { verifier, challenge } = pkcePair();
  const callback = await authorizeWithKey(
    base(),
    authorizeParams(base(), client.client_id, redirectUri, challenge),
    key,
  );
  const code = callback.searchParams.get('code')!;
  const fields: Record<string, string> = {
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
    client_id: client.client_id,
  };
  if (client.client_secret) fields.client_secret = client.client_secret;
  return { code, verifier, fields };
}

async function whoami(url: string, accessToken: string) {
  const res = await postMcp(
    url,
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
    {
      Authorization: `Bearer ${accessToken}`,
      'Mcp-Protocol-Version': '2025-11-25',
    },
  );
  return { res, messages: res.status === 200 ? await rpcMessages(res) : [] };
}

function refresh(url: string, client: Registration, refreshToken: string, extra: Record<string, string> = {}) {
  const fields: Record<string, string> = {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: client.client_id,
    ...extra,
  };
  if (client.client_secret) fields.client_secret = client.client_secret;
  return postForm(`${url}/oauth/token`, fields);
}

let claude: Registration;
beforeAll(async () => {
  claude = await register(base());
});

describe('authorization_code grant', () => {
  // @req CONN-REG-CLAUDE
  // @req CONN-TOKEN-CLIENT-AUTH
  it('completes the exact claude.ai registration payload end to end with client_secret_post', async () => {
    const { client, tokens } = await connectLikeClaude(base(), KEY_A);
    expect(client.token_endpoint_auth_method).toBe(CLAUDE_REGISTRATION.token_endpoint_auth_method);
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'mcp offline_access' });
    expect(tokens.refresh_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const { res, messages } = await whoami(base(), tokens.access_token);
    expect(res.status).toBe(200);
    const info = (messages[0] as { result: { structuredContent: Record<string, unknown> } }).result.structuredContent;
    expect(info).toMatchObject({
      client_id: client.client_id,
      authenticated_by: 'oauth_bearer',
      scopes: ['mcp', 'offline_access'],
    });
  });

  // @req CONN-TOKEN-CLIENT-AUTH
  it('authenticates a confidential client with client_secret_basic', async () => {
    const { fields } = await freshCode(claude);
    const { client_secret: secret, client_id: id, ...rest } = fields;
    const basic = Buffer.from(`${encodeURIComponent(id!)}:${encodeURIComponent(secret!)}`).toString('base64');
    const res = await exchangeCode(base(), rest, { Authorization: `Basic ${basic}` });
    expect(res.status).toBe(200);
  });

  // @req CONN-TOKEN-CLIENT-AUTH
  // @req CONN-REDIRECT-LOOPBACK-PORT
  it('serves a public loopback client that sends only client_id, with the port chosen at authorization time', async () => {
    const publicClient = await register(base(), {
      redirect_uris: ['http://127.0.0.1:40000/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    const { fields } = await freshCode(publicClient, KEY_B, 'http://127.0.0.1:51000/callback');
    const res = await exchangeCode(base(), fields);
    expect(res.status).toBe(200);
    const body = (await res.json()) as TokenBody;
    expect(body.refresh_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  // @req CONN-REFRESH-ROTATION
  it('issues a refresh token to a client registered for it even without offline_access, as the v1 SDK asks', async () => {
    const { verifier, challenge } = pkcePair();
    const callback = await authorizeWithKey(
      base(),
      authorizeParams(base(), claude.client_id, CLAUDE_CALLBACK, challenge, { scope: 'mcp' }),
      KEY_A,
    );
    const res = await exchangeCode(base(), {
      code: callback.searchParams.get('code')!,
      code_verifier: verifier,
      client_id: claude.client_id,
      client_secret: claude.client_secret!,
    });
    const body = (await res.json()) as TokenBody;
    expect(body.scope).toBe('mcp');
    expect(body.refresh_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  // @req CONN-REFRESH-ROTATION
  it('issues no refresh token to a client not registered for the refresh_token grant', async () => {
    const codeOnly = await register(base(), {
      redirect_uris: [CLAUDE_CALLBACK],
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code'],
    });
    const { verifier, challenge } = pkcePair();
    const callback = await authorizeWithKey(
      base(),
      authorizeParams(base(), codeOnly.client_id, CLAUDE_CALLBACK, challenge, { scope: 'mcp' }),
      KEY_A,
    );
    const res = await exchangeCode(base(), {
      code: callback.searchParams.get('code')!,
      code_verifier: verifier,
      client_id: codeOnly.client_id,
      client_secret: codeOnly.client_secret!,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).not.toHaveProperty('refresh_token');
  });

  // @req CONN-PREREGISTERED
  it('serves the pre-registered client as a public client of the code flow', async () => {
    const { verifier, challenge } = pkcePair();
    const redirectUri = 'https://claude.com/api/mcp/auth_callback';
    const callback = await authorizeWithKey(base(), authorizeParams(base(), 'mcp', redirectUri, challenge), KEY_A);
    const res = await exchangeCode(base(), {
      code: callback.searchParams.get('code')!,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      client_id: 'mcp',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as TokenBody;
    expect((await whoami(base(), body.access_token)).res.status).toBe(200);
    expect((await refresh(base(), { client_id: 'mcp' } as Registration, body.refresh_token!)).status).toBe(200);
  });

  // @req CONN-CODE-SINGLE-USE
  it('refuses a replayed code with invalid_grant', async () => {
    const { fields } = await freshCode(claude);
    expect((await exchangeCode(base(), fields)).status).toBe(200);
    await expectTokenError(await exchangeCode(base(), fields), 400, 'invalid_grant');
  });

  // @req CONN-CODE-SINGLE-USE
  it('gives exactly one success to concurrent exchanges of one code', async () => {
    const { fields } = await freshCode(claude);
    const answers = await Promise.all(Array.from({ length: 8 }, () => exchangeCode(base(), fields)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const res of answers.filter((r) => r.status !== 200)) await expectTokenError(res, 400, 'invalid_grant');
  });

  // @req CONN-PKCE-S256
  it('refuses a wrong code_verifier without spending the code', async () => {
    const { fields } = await freshCode(claude);
    await expectTokenError(
      await exchangeCode(base(), { ...fields, code_verifier: pkcePair().verifier }),
      400,
      'invalid_grant',
    );
    expect((await exchangeCode(base(), fields)).status).toBe(200);
  });

  // @req CONN-PKCE-S256
  it('refuses a missing code_verifier with invalid_request', async () => {
    const { fields } = await freshCode(claude);
    const { code_verifier: _v, ...rest } = fields;
    await expectTokenError(await exchangeCode(base(), rest), 400, 'invalid_request');
  });

  // @req CONN-CODE-BINDING
  it('refuses a redirect_uri that differs from the authorization request', async () => {
    const { fields } = await freshCode(claude);
    await expectTokenError(
      await exchangeCode(base(), { ...fields, redirect_uri: 'https://claude.com/api/mcp/auth_callback' }),
      400,
      'invalid_grant',
    );
    await expectTokenError(
      await exchangeCode(base(), { ...fields, redirect_uri: 'https://evil.example/cb' }),
      400,
      'invalid_grant',
    );
  });

  // @req CONN-CODE-BINDING
  it('refuses a code issued to another client', async () => {
    const other = await register(base(), { ...CLAUDE_REGISTRATION, client_name: 'Other' });
    const { fields } = await freshCode(claude);
    await expectTokenError(
      await exchangeCode(base(), { ...fields, client_id: other.client_id, client_secret: other.client_secret! }),
      400,
      'invalid_grant',
    );
  });

  // @req CONN-RESOURCE
  it('refuses a foreign resource with invalid_target and accepts a trailing slash', async () => {
    const { fields } = await freshCode(claude);
    await expectTokenError(
      await exchangeCode(base(), { ...fields, resource: 'https://evil.example/mcp' }),
      400,
      'invalid_target',
    );
    expect((await exchangeCode(base(), { ...fields, resource: `${base()}/mcp/` })).status).toBe(200);
  });

  // @req CONN-CODE-BINDING
  it('refuses a garbage code, and a refresh token presented as a code, with invalid_grant', async () => {
    const { tokens } = await connectLikeClaude(base(), KEY_A);
    const { fields } = await freshCode(claude);
    await expectTokenError(await exchangeCode(base(), { ...fields, code: 'garbage' }), 400, 'invalid_grant');
    await expectTokenError(
      await exchangeCode(base(), { ...fields, code: tokens.refresh_token! }),
      400,
      'invalid_grant',
    );
  });

  // @req CONN-INVALID-CLIENT
  it('answers a wrong client secret with invalid_client 401', async () => {
    const { fields } = await freshCode(claude);
    await expectTokenError(
      await exchangeCode(base(), { ...fields, client_secret: 'A'.repeat(43) }),
      401,
      'invalid_client',
    );
    await expectTokenError(await exchangeCode(base(), { ...fields, client_secret: KEY_A }), 401, 'invalid_client');
  });

  // @req CONN-INVALID-CLIENT
  it('answers a confidential client that sends no secret with invalid_client 401', async () => {
    const { fields } = await freshCode(claude);
    const { client_secret: _s, ...rest } = fields;
    await expectTokenError(await exchangeCode(base(), rest), 401, 'invalid_client');
  });

  // @req CONN-INVALID-CLIENT
  it('answers a Basic client with the wrong secret with a Basic challenge', async () => {
    const { fields } = await freshCode(claude);
    const { client_secret: _s, client_id: id, ...rest } = fields;
    const basic = Buffer.from(`${encodeURIComponent(id!)}:${'B'.repeat(43)}`).toString('base64');
    const res = await exchangeCode(base(), rest, { Authorization: `Basic ${basic}` });
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    await expectTokenError(res, 401, 'invalid_client');
  });

  // @req CONN-INVALID-CLIENT
  it('answers an unknown client id with invalid_client 401', async () => {
    const { fields } = await freshCode(claude);
    await expectTokenError(await exchangeCode(base(), { ...fields, client_id: 'nobody' }), 401, 'invalid_client');
  });

  it('refuses the authorization_code grant to the script client credentials flow client with a secret', async () => {
    const { fields } = await freshCode(claude);
    await expectTokenError(
      await exchangeCode(base(), { ...fields, client_id: 'mcp', client_secret: KEY_A }),
      401,
      'invalid_client',
    );
  });
});

describe('refresh_token grant', () => {
  // @req CONN-REFRESH-ROTATION
  it('rotates: answers a new access token and a new refresh token, and both work', async () => {
    const { client, tokens } = await connectLikeClaude(base(), KEY_A);
    const res = await refresh(base(), client, tokens.refresh_token!);
    expect(res.status).toBe(200);
    const next = (await res.json()) as TokenBody;
    expect(next).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'mcp offline_access' });
    expect(next.refresh_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect((await whoami(base(), next.access_token)).res.status).toBe(200);
    expect((await refresh(base(), client, next.refresh_token!)).status).toBe(200);
  });

  // @req CONN-REFRESH-ROTATION
  // @req REFRESH-TWIN
  it('answers the old refresh token again within the grace window with the very same tokens (tests/integration/refresh-families.test.ts covers reuse)', async () => {
    const { client, tokens } = await connectLikeClaude(base(), KEY_A);
    const first = await refresh(base(), client, tokens.refresh_token!);
    const again = await refresh(base(), client, tokens.refresh_token!);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(await again.text()).toBe(await first.text());
  });

  // @req CONN-REFRESH-SCOPE
  it('allows a narrower scope but not a wider one, and keeps the original scope in the rotated token', async () => {
    const { client, tokens } = await connectLikeClaude(base(), KEY_A);
    const narrowed = await refresh(base(), client, tokens.refresh_token!, { scope: 'mcp' });
    expect(narrowed.status).toBe(200);
    const body = (await narrowed.json()) as TokenBody;
    expect(body.scope).toBe('mcp');
    const again = await refresh(base(), client, body.refresh_token!);
    expect(((await again.json()) as TokenBody).scope).toBe('mcp offline_access');

    const publicClient = await register(base(), {
      redirect_uris: ['http://localhost:1234/cb'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    const { verifier, challenge } = pkcePair();
    const callback = await authorizeWithKey(
      base(),
      authorizeParams(base(), publicClient.client_id, 'http://localhost:1234/cb', challenge, {
        scope: 'mcp offline_access',
      }),
      KEY_A,
    );
    const exchanged = (await (
      await exchangeCode(base(), {
        code: callback.searchParams.get('code')!,
        code_verifier: verifier,
        client_id: publicClient.client_id,
      })
    ).json()) as TokenBody;
    await expectTokenError(
      await refresh(base(), publicClient, exchanged.refresh_token!, { scope: 'mcp offline_access admin' }),
      400,
      'invalid_scope',
    );
  });

  // @req CONN-REFRESH-DEAD
  it('answers a dead refresh token with invalid_grant and nothing else', async () => {
    const { client, tokens } = await connectLikeClaude(base(), KEY_A);
    await expectTokenError(await refresh(base(), client, 'garbage'), 400, 'invalid_grant');
    await expectTokenError(
      await refresh(base(), client, tokens.refresh_token!.slice(0, -3) + 'abc'),
      400,
      'invalid_grant',
    );
    await expectTokenError(await refresh(base(), client, tokens.access_token), 400, 'invalid_grant');
  });

  // @req CONN-REFRESH-DEAD
  it('refuses a refresh token presented by another client with invalid_grant', async () => {
    const { tokens } = await connectLikeClaude(base(), KEY_A);
    const other = await register(base(), { ...CLAUDE_REGISTRATION, client_name: 'Other' });
    await expectTokenError(await refresh(base(), other, tokens.refresh_token!), 400, 'invalid_grant');
  });

  it('answers unauthorized_client to a client not registered for refresh_token', async () => {
    const codeOnly = await register(base(), {
      redirect_uris: [CLAUDE_CALLBACK],
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code'],
    });
    const { tokens } = await connectLikeClaude(base(), KEY_A);
    await expectTokenError(await refresh(base(), codeOnly, tokens.refresh_token!), 400, 'unauthorized_client');
  });

  it('answers a wrong client secret with invalid_client 401', async () => {
    const { client, tokens } = await connectLikeClaude(base(), KEY_A);
    await expectTokenError(
      await refresh(base(), { ...client, client_secret: 'C'.repeat(43) }, tokens.refresh_token!),
      401,
      'invalid_client',
    );
  });
});

describe('tokens of other kinds presented as bearer tokens to /mcp', () => {
  // @req CONN-KINDS-AT-MCP
  it('refuses a refresh token, a code, a client id and a client secret with 401 invalid_token', async () => {
    const { client, tokens } = await connectLikeClaude(base(), KEY_A);
    const { code } = await freshCode(claude);
    for (const token of [tokens.refresh_token!, code, client.client_id, client.client_secret!]) {
      const { res } = await whoami(base(), token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    }
  });
});

describe('instances sharing the public URL but not the configuration', () => {
  const NEW_SECRET = 'b'.repeat(16) + '0123456789abcdef0123456789abcdef0123456789abcdef';
  let withoutKeyA: AppInstance;
  let rotatedAway: AppInstance;
  let rotating: AppInstance;
  beforeAll(async () => {
    [withoutKeyA, rotatedAway, rotating] = await Promise.all([
      startApp({ PUBLIC_URL: base(), MCP_API_KEYS: KEY_B }),
      startApp({ PUBLIC_URL: base(), AUTH_SECRET: NEW_SECRET }),
      startApp({ PUBLIC_URL: base(), AUTH_SECRET: NEW_SECRET, AUTH_SECRET_PREVIOUS: TEST_SECRET }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([withoutKeyA, rotatedAway, rotating].filter(Boolean).map((a) => a.stop()));
  });

  // @req CONN-REFRESH-DEAD
  it('answers invalid_grant to a refresh token or code whose key was removed, and serves the other key', async () => {
    const a = await connectLikeClaude(base(), KEY_A);
    await expectTokenError(await refresh(withoutKeyA.url, a.client, a.tokens.refresh_token!), 400, 'invalid_grant');
    const { fields } = await freshCode(claude, KEY_A);
    await expectTokenError(await exchangeCode(withoutKeyA.url, fields), 400, 'invalid_grant');
    const b = await connectLikeClaude(base(), KEY_B);
    expect((await refresh(withoutKeyA.url, b.client, b.tokens.refresh_token!)).status).toBe(200);
  });

  // @req CONN-INVALID-CLIENT
  it('answers invalid_client 401 at every grant once the client id no longer verifies, so clients re-register', async () => {
    const { client, tokens } = await connectLikeClaude(base(), KEY_A);
    await expectTokenError(await refresh(rotatedAway.url, client, tokens.refresh_token!), 401, 'invalid_client');
    const { fields } = await freshCode(client, KEY_A);
    await expectTokenError(await exchangeCode(rotatedAway.url, fields), 401, 'invalid_client');
    await expectTokenError(
      await postForm(`${rotatedAway.url}/oauth/token`, {
        grant_type: 'client_credentials',
        client_id: client.client_id,
        client_secret: client.client_secret!,
      }),
      401,
      'invalid_client',
    );
    const { challenge } = pkcePair();
    const page = await fetch(
      `${rotatedAway.url}/oauth/authorize?${new URLSearchParams(authorizeParams(base(), client.client_id, CLAUDE_CALLBACK, challenge))}`,
      { redirect: 'manual' },
    );
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
  });

  // @req CONN-SECRET-ROTATION
  it('keeps registrations and refresh tokens working during a rotation with AUTH_SECRET_PREVIOUS', async () => {
    const { client, tokens } = await connectLikeClaude(base(), KEY_A);
    const res = await refresh(rotating.url, client, tokens.refresh_token!);
    expect(res.status).toBe(200);
  });
});
