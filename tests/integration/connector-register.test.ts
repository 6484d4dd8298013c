/** Dynamic client registration (RFC 7591) against a real `next start`. */
import { describe, expect, inject, it } from 'vitest';
import { preflight } from '@/kit/http';
import { CLAUDE_REGISTRATION, register } from '../support/oauth';

const base = () => inject('appUrl');

function post(body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(`${base()}/oauth/register`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
}

async function expectError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe('string');
  expect(body).not.toHaveProperty('client_id');
}

describe('POST /oauth/register', () => {
  // @req CONN-REG-CLAUDE
  it('registers the exact claude.ai payload with a derived client_secret that never expires', async () => {
    const res = await post(JSON.stringify(CLAUDE_REGISTRATION));
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      redirect_uris: CLAUDE_REGISTRATION.redirect_uris,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'Claude',
      client_secret_expires_at: 0,
    });
    expect(typeof body.client_id).toBe('string');
    expect((body.client_id as string).length).toBeLessThanOrEqual(512);
    expect(body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Math.abs((body.client_id_issued_at as number) - Date.now() / 1000)).toBeLessThan(120);
  });

  // @req CONN-REG-STATELESS
  it('answers every one of many registrations from one IP, with nothing stored to cap', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, () => post(JSON.stringify(CLAUDE_REGISTRATION))));
    expect(answers.map((r) => r.status)).toEqual(Array(30).fill(201));
  });

  // @req CONN-REG-PUBLIC
  it('registers a public loopback client such as Claude Code without a secret', async () => {
    const client = await register(base(), {
      redirect_uris: [
        'http://localhost:33418/callback',
        'http://127.0.0.1:33418/callback',
        'http://[::1]:33418/callback',
      ],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'Claude Code',
    });
    expect(client.token_endpoint_auth_method).toBe('none');
    expect(client).not.toHaveProperty('client_secret');
    expect(client).not.toHaveProperty('client_secret_expires_at');
  });

  // @req CONN-REG-DEFAULTS
  it('defaults to client_secret_basic and the authorization_code grant as RFC 7591 §2 says', async () => {
    const client = await register(base(), { redirect_uris: ['https://claude.com/api/mcp/auth_callback'] });
    expect(client.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(client.grant_types).toEqual(['authorization_code']);
    expect(client.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  // @req CONN-REG-DEFAULTS
  it('ignores metadata it does not register instead of failing', async () => {
    const client = await register(base(), {
      ...CLAUDE_REGISTRATION,
      scope: 'mcp offline_access',
      client_uri: 'https://claude.ai',
      logo_uri: null,
    });
    expect(client).not.toHaveProperty('client_uri');
  });

  // @req CONN-REDIRECT-POLICY
  it.each([
    ['a missing redirect_uris', {}],
    ['an empty list', { redirect_uris: [] }],
    ['more than 10 URIs', { redirect_uris: Array.from({ length: 11 }, (_, i) => `http://localhost:${3000 + i}/cb`) }],
    ['a string instead of a list', { redirect_uris: 'https://claude.ai/api/mcp/auth_callback' }],
    ['a host outside the allowlist', { redirect_uris: ['https://evil.example/callback'] }],
    ['a look-alike suffix host', { redirect_uris: ['https://claude.ai.evil.example/api/mcp/auth_callback'] }],
    ['a look-alike prefix host', { redirect_uris: ['https://evilclaude.ai/api/mcp/auth_callback'] }],
    ['a subdomain of an allowed host', { redirect_uris: ['https://x.claude.ai/api/mcp/auth_callback'] }],
    ['userinfo before the host', { redirect_uris: ['https://claude.ai@evil.example/cb'] }],
    ['an allowed host as userinfo', { redirect_uris: ['https://evil.example@claude.ai/cb'] }],
    ['a trailing-dot host', { redirect_uris: ['https://claude.ai./api/mcp/auth_callback'] }],
    ['a fragment', { redirect_uris: ['https://claude.ai/api/mcp/auth_callback#x'] }],
    ['an empty fragment', { redirect_uris: ['https://claude.ai/api/mcp/auth_callback#'] }],
    ['plain http on an allowed host', { redirect_uris: ['http://claude.ai/api/mcp/auth_callback'] }],
    ['a non-default https port', { redirect_uris: ['https://claude.ai:8443/cb'] }],
    ['http on a non-loopback host', { redirect_uris: ['http://192.168.1.2:8080/callback'] }],
    ['a loopback look-alike', { redirect_uris: ['http://localhost.evil.example/callback'] }],
    ['a custom scheme', { redirect_uris: ['com.example.app:/callback'] }],
    ['a javascript URI', { redirect_uris: ['javascript:alert(1)'] }],
    ['a backslash authority trick', { redirect_uris: ['https://claude.ai\\@evil.example/cb'] }],
    ['a relative URI', { redirect_uris: ['/callback'] }],
    ['a non-string entry', { redirect_uris: [42] }],
  ])('refuses %s with invalid_redirect_uri', async (_name, metadata) => {
    await expectError(await post(JSON.stringify(metadata)), 400, 'invalid_redirect_uri');
  });

  // @req CONN-REG-METADATA
  it.each([
    ['an unknown auth method', { token_endpoint_auth_method: 'private_key_jwt' }],
    ['the client_credentials grant', { grant_types: ['client_credentials'] }],
    ['the implicit grant', { grant_types: ['authorization_code', 'implicit'] }],
    ['only the refresh_token grant', { grant_types: ['refresh_token'] }],
    ['the token response type', { response_types: ['token'] }],
    ['a client_name over 100 characters', { client_name: 'x'.repeat(101) }],
    ['a client_name with control characters', { client_name: 'Claude\u0000\u202e' }],
    ['a non-string client_name', { client_name: { text: 'Claude' } }],
  ])('refuses %s with invalid_client_metadata', async (_name, change) => {
    await expectError(
      await post(JSON.stringify({ ...CLAUDE_REGISTRATION, ...change })),
      400,
      'invalid_client_metadata',
    );
  });

  // @req CONN-REG-METADATA
  it('refuses metadata too large for a 512-character client id', async () => {
    // Ports do not count (loopback URIs are stored without them), distinct paths do.
    const redirect_uris = Array.from(
      { length: 10 },
      (_, i) => `http://localhost:${3000 + i}/a-long-callback-path/for-this-test-${i}`,
    );
    await expectError(
      await post(JSON.stringify({ redirect_uris, token_endpoint_auth_method: 'none' })),
      400,
      'invalid_client_metadata',
    );
  });

  // @req CONN-REG-BODY
  it('answers malformed JSON with a 400 error', async () => {
    await expectError(await post('{"redirect_uris": ['), 400, 'invalid_client_metadata');
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"x"'],
    ['null', 'null'],
  ])('answers %s body with a 400 error', async (_name, body) => {
    await expectError(await post(body), 400, 'invalid_client_metadata');
  });

  // @req CONN-REG-BODY
  it('refuses a body that is not JSON', async () => {
    await expectError(
      await post('redirect_uris=https://claude.ai/api/mcp/auth_callback', 'application/x-www-form-urlencoded'),
      400,
      'invalid_client_metadata',
    );
  });

  // @req CONN-REG-BODY
  it('answers a body over 16 KiB with 413', async () => {
    const res = await post(JSON.stringify({ ...CLAUDE_REGISTRATION, padding: 'x'.repeat(17 * 1024) }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client_metadata');
  });

  it('answers GET with 405 and Allow: POST', async () => {
    const res = await fetch(`${base()}/oauth/register`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  // @req CONN-REG-CORS
  it('answers a CORS preflight so browser-based MCP clients can register', async () => {
    const res = await preflight(`${base()}/oauth/register`, 'https://inspector.example', 'content-type');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('authorization server metadata', () => {
  // @req CONN-METADATA
  it('advertises everything the connector flow needs', async () => {
    const res = await fetch(`${base()}/.well-known/oauth-authorization-server`);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: base(),
      authorization_endpoint: `${base()}/oauth/authorize`,
      token_endpoint: `${base()}/oauth/token`,
      registration_endpoint: `${base()}/oauth/register`,
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'],
      revocation_endpoint_auth_methods_supported: [
        'none',
        'client_secret_post',
        'client_secret_basic',
        'private_key_jwt',
      ],
      revocation_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'],
      scopes_supported: ['mcp', 'mcp:read', 'offline_access'],
      authorization_response_iss_parameter_supported: true,
    });
  });
});
