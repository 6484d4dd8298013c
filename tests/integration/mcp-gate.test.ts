import { describe, expect, inject, it } from 'vitest';
import { baseEnv, KEY_A, TEST_SECRET } from '@/kit/app';
import { clientCredentialsToken, INITIALIZE, nodePost, postMcp, preflight, rawPost, rpcMessages } from '@/kit/http';
import { tokenServiceFor } from '@/kit/mint';
import { fingerprintOf } from '@/lib/keys';

const base = () => inject('appUrl');
const port = () => Number(new URL(base()).port);
const challengePrefix = () =>
  `Bearer resource_metadata="${base()}/.well-known/oauth-protected-resource/mcp", scope="mcp"`;
const WHOAMI = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'whoami', arguments: {} } };

async function whoami(headers: Record<string, string>) {
  const res = await postMcp(base(), WHOAMI, headers);
  expect(res.status).toBe(200);
  const [message] = await rpcMessages(res);
  return (message as { result: { structuredContent: Record<string, unknown> } }).result.structuredContent;
}

describe('the /mcp gate', () => {
  // @req MCP-401-CHALLENGE
  it('answers a request without credentials with 401 and the resource_metadata challenge, initialize included', async () => {
    const res = await postMcp(base(), INITIALIZE);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(challengePrefix());
    expect(res.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
  });

  // @req MCP-INVALID-TOKEN
  it('adds error="invalid_token" for a bad, expired or wrong-audience token', async () => {
    const env = baseEnv(port());
    const past = await tokenServiceFor(env, () => Date.now() - 2 * 3600_000);
    const expired = (
      await past.issue('access', { sub: await fingerprintOf(KEY_A), client_id: 'mcp', scope: 'mcp' }, 3600)
    ).token;
    const otherAudience = await tokenServiceFor({ ...env, PUBLIC_URL: 'http://127.0.0.1:1' });
    const foreign = (
      await otherAudience.issue('access', { sub: await fingerprintOf(KEY_A), client_id: 'mcp', scope: 'mcp' }, 3600)
    ).token;
    for (const token of [
      'garbage',
      expired,
      foreign,
      `${(await clientCredentialsToken(base(), KEY_A)).slice(0, -2)}xx`,
    ]) {
      const res = await postMcp(base(), INITIALIZE, { Authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
      const challenge = res.headers.get('www-authenticate')!;
      expect(challenge.startsWith(challengePrefix())).toBe(true);
      expect(challenge).toContain('error="invalid_token"');
      expect(challenge).not.toContain(token);
    }
    const res = await postMcp(base(), INITIALIZE, { Authorization: `Bearer ${expired}` });
    expect(res.headers.get('www-authenticate')).toContain('error_description="The access token expired."');
  });

  it('takes the Bearer scheme case-insensitively', async () => {
    const token = await clientCredentialsToken(base(), KEY_A);
    expect(await whoami({ Authorization: `bEaReR ${token}` })).toMatchObject({ authenticated_by: 'oauth_bearer' });
  });

  // @req MCP-API-KEY
  it('accepts X-API-Key and refuses a wrong one with invalid_token', async () => {
    expect(await whoami({ 'X-API-Key': KEY_A })).toEqual({
      fingerprint: await fingerprintOf(KEY_A),
      client_id: 'api-key',
      scopes: ['mcp'],
      access: 'full',
      expires_at: null,
      authenticated_by: 'api_key',
    });
    const res = await postMcp(base(), INITIALIZE, { 'X-API-Key': `${KEY_A}!` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('never takes a key from the query string', async () => {
    for (const name of ['api_key', 'key', 'apiKey', 'access_token']) {
      const res = await fetch(`${base()}/mcp?${name}=${KEY_A}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify(INITIALIZE),
      });
      expect(res.status).toBe(401);
    }
  });

  // @req MCP-WHOAMI
  it('shows whoami the fingerprint, client, scopes and expiry of a bearer token, never the token', async () => {
    const token = await clientCredentialsToken(base(), KEY_A);
    const res = await postMcp(base(), WHOAMI, { Authorization: `Bearer ${token}` });
    const text = await res.text();
    expect(text).not.toContain(token);
    expect(text).not.toContain(KEY_A);
    const info = await whoami({ Authorization: `Bearer ${token}` });
    expect(info).toMatchObject({
      fingerprint: await fingerprintOf(KEY_A),
      client_id: 'mcp',
      scopes: ['mcp'],
      authenticated_by: 'oauth_bearer',
    });
    expect(Date.parse(String(info.expires_at)) - Date.now()).toBeGreaterThan(3500_000);
  });

  // @req MCP-CORS
  it('answers a preflight without credentials and never allows credentials', async () => {
    const res = await preflight(
      `${base()}/mcp`,
      'https://claude.ai',
      'authorization, content-type, mcp-protocol-version',
    );
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  // @req MCP-METHODS
  it('answers GET and DELETE with 405 and Allow, and HEAD the same without a body', async () => {
    const token = await clientCredentialsToken(base(), KEY_A);
    for (const method of ['GET', 'DELETE', 'HEAD']) {
      const res = await fetch(`${base()}/mcp`, { method, headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST, OPTIONS');
      if (method === 'HEAD') expect(await res.text()).toBe('');
    }
    expect((await fetch(`${base()}/mcp`, { method: 'GET' })).status).toBe(401);
  });

  // @req MCP-ACCEPT
  it("serves claude.ai's Accept: */* and a request without Accept", async () => {
    const token = await clientCredentialsToken(base(), KEY_A);
    for (const accept of ['*/*', undefined]) {
      const headers: Record<string, string> = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
      if (accept) headers.Accept = accept;
      const res = await fetch(`${base()}/mcp`, { method: 'POST', headers, body: JSON.stringify(INITIALIZE) });
      expect(res.status).toBe(200);
      const [message] = await rpcMessages(res);
      expect(message).toMatchObject({ id: 1, result: { protocolVersion: '2025-11-25' } });
    }
  });

  // @req MCP-BODY-LIMIT
  it('answers a body over 1 MiB with 413', async () => {
    const token = await clientCredentialsToken(base(), KEY_A);
    const over = JSON.stringify({ ...INITIALIZE, params: { ...INITIALIZE.params, pad: 'x'.repeat(1024 * 1024) } });
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: '*/*' };
    expect(await rawPost(`${base()}/mcp`, headers, over, false)).toBe(413);
    expect(await rawPost(`${base()}/mcp`, headers, over, true)).toBe(413);
    const huge = JSON.stringify({ ...INITIALIZE, params: { ...INITIALIZE.params, pad: 'x'.repeat(5 * 1024 * 1024) } });
    expect(await rawPost(`${base()}/mcp`, headers, huge, false)).toBe(413);
    expect(await rawPost(`${base()}/mcp`, headers, huge, true)).toBe(413);
    // Just under the limit is served, whether sent with a length or chunked.
    const near = JSON.stringify({ ...INITIALIZE, params: { ...INITIALIZE.params, pad: 'x'.repeat(1000 * 1024) } });
    const chunked = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(near)), c.close()) });
    for (const body of [near, chunked]) {
      const ok = await fetch(`${base()}/mcp`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: '*/*' },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(ok.status).toBe(200);
    }
    // Several at once, each read whole by the route (a half-read body would be a parse error).
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        fetch(`${base()}/mcp`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: '*/*' },
          body: near,
        }),
      ),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect((await rpcMessages(answer))[0]).toMatchObject({ id: 1, result: { protocolVersion: '2025-11-25' } });
    }
  });

  // @req MCP-REBINDING
  it("refuses a Host other than the loopback public URL's (DNS rebinding)", async () => {
    // fetch() cannot set Host; a raw request can, as a rebinding page's browser would.
    const status = await nodePost(
      `${base()}/mcp`,
      { Host: `rebind.example:${port()}`, 'X-API-Key': KEY_A, 'Content-Type': 'application/json' },
      JSON.stringify(INITIALIZE),
    );
    expect(status).toBe(403);
  });

  // @req MCP-SECOND-WALL
  it('still refuses when a client claims the middleware already ran (CVE-2025-29927)', async () => {
    const res = await postMcp(base(), INITIALIZE, {
      'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware',
    });
    expect(res.status).toBe(401);
  });

  it('keeps the identity from its own verification whatever identity headers a client sends', async () => {
    const info = await whoami({
      'X-API-Key': KEY_A,
      'x-mcp-fingerprint': 'ffffffffffffffff',
      'x-user-id': 'admin',
      'x-middleware-subrequest': 'middleware',
    });
    expect(info.fingerprint).toBe(await fingerprintOf(KEY_A));
  });

  it('does not accept the test secret itself as a key', async () => {
    const res = await postMcp(base(), INITIALIZE, { 'X-API-Key': TEST_SECRET });
    expect(res.status).toBe(401);
  });
});
