import { describe, expect, inject, it } from 'vitest';

const base = () => inject('appUrl');
const PATHS = [
  '/.well-known/oauth-authorization-server',
  '/.well-known/oauth-protected-resource',
  '/.well-known/oauth-protected-resource/mcp',
];

describe('discovery documents', () => {
  // @req DISC-PRM
  it('publishes RFC 9728 protected resource metadata at the root and /mcp path forms', async () => {
    for (const path of PATHS.slice(1)) {
      const res = await fetch(`${base()}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        resource: `${base()}/mcp`,
        authorization_servers: [base()],
        bearer_methods_supported: ['header'],
        scopes_supported: ['mcp', 'mcp:read'],
      });
    }
  });

  // @req DISC-PRM-SCOPES
  it('lists only mcp in the protected resource metadata and the 401 challenge, offline_access only for the authorization server', async () => {
    const prm = (await (await fetch(`${base()}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<
      string,
      unknown
    >;
    expect(prm.scopes_supported).toEqual(['mcp', 'mcp:read']);
    const challenge = await fetch(`${base()}/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: '{}',
    });
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toContain('scope="mcp"');
    expect(challenge.headers.get('www-authenticate')).not.toContain('offline_access');
    const as = (await (await fetch(`${base()}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(as.scopes_supported).toEqual(['mcp', 'mcp:read', 'offline_access']);
  });

  // @req CIMD-METADATA
  it('advertises client ID metadata documents with none among the token endpoint auth methods', async () => {
    const as = (await (await fetch(`${base()}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(as.client_id_metadata_document_supported).toBe(true);
    expect(as.token_endpoint_auth_methods_supported).toContain('none');
  });

  // @req DISC-AS
  it('publishes RFC 8414 metadata whose issuer is the public URL and whose endpoints exist', async () => {
    const res = await fetch(`${base()}/.well-known/oauth-authorization-server`);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(base());
    expect(doc.token_endpoint).toBe(`${base()}/oauth/token`);
    expect(doc.grant_types_supported).toContain('client_credentials');
    expect(doc.scopes_supported).toEqual(['mcp', 'mcp:read', 'offline_access']);
    for (const [name, value] of Object.entries(doc)) {
      if (name.endsWith('_endpoint')) expect(String(value).startsWith(base())).toBe(true);
    }
  });

  // @req DISC-NO-HOST
  it('ignores a spoofed Host and X-Forwarded-Host', async () => {
    for (const path of PATHS) {
      const honest = await (await fetch(`${base()}${path}`)).text();
      const spoofed = await (
        await fetch(`${base()}${path}`, {
          headers: { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https', Forwarded: 'host=evil.example' },
        })
      ).text();
      expect(spoofed).toBe(honest);
      expect(spoofed).not.toContain('evil.example');
    }
  });

  it('answers JSON readable from any origin, cacheable, with no redirect, and with a trailing slash too', async () => {
    for (const path of [...PATHS, `${PATHS[0]}/`]) {
      const res = await fetch(`${base()}${path}`, { redirect: 'manual', headers: { Origin: 'https://claude.ai' } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
    }
  });
});
