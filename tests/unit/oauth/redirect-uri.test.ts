import { describe, expect, it } from 'vitest';
import { classifyCimdRedirectUri, classifyRedirectUri, redirectUriMatches } from '@/lib/oauth/redirectUri';
import { compactRedirectUri, expandRedirectUri, KNOWN_CLIENTS } from '@/lib/oauth/knownClients';

/** The hosts OAUTH_REDIRECT_HOSTS used to default to, now added explicitly. */
const config = { redirectHosts: ['claude.ai', 'claude.com'], redirectUris: [] as string[] };
const defaults = { redirectHosts: [] as string[], redirectUris: [] as string[] };

describe('classifyRedirectUri', () => {
  // @req CONN-REDIRECT-POLICY
  it.each([
    ['https://claude.ai/api/mcp/auth_callback', 'known'],
    ['https://claude.com/api/mcp/auth_callback', 'known'],
    ['https://claude.ai/other/callback', 'https'],
    ['https://CLAUDE.AI/api/mcp/auth_callback', 'https'],
    ['http://localhost:33418/callback', 'loopback'],
    ['http://127.0.0.1:33418/callback', 'loopback'],
    ['http://[::1]:33418/callback', 'loopback'],
    ['http://localhost/callback', 'loopback'],
  ])('accepts %s as %s', (uri, kind) => {
    expect(classifyRedirectUri(uri, config)).toBe(kind);
  });

  it.each([
    'https://evil.example/cb',
    'https://claude.ai.evil.example/cb',
    'https://evilclaude.ai/cb',
    'https://sub.claude.ai/cb',
    'https://claude.ai./cb',
    'https://claude.ai:443/cb',
    'https://claude.ai:8443/cb',
    'https://user@claude.ai/cb',
    'https://claude.ai@evil.example/cb',
    'https://claude.ai%2eevil.example/cb',
    'https://claude.ai\\@evil.example/cb',
    'https://claude.ai/cb#',
    'https://claude.ai/cb#frag',
    'https://claude.ai/c b',
    'http://claude.ai/cb',
    'http://localhost.evil.example/cb',
    'http://127.0.0.2/cb',
    'http://0.0.0.0:80/cb',
    'http://[::2]/cb',
    'ftp://localhost/cb',
    'javascript://claude.ai/%0aalert(1)',
    'data:text/html,hi',
    'com.example.app:/callback',
    '//claude.ai/cb',
    '/cb',
    '',
    `https://claude.ai/${'a'.repeat(2000)}`,
  ])('refuses %s', (uri) => {
    expect(classifyRedirectUri(uri, config)).toBeNull();
  });

  it('uses the configured allowlist', () => {
    expect(
      classifyRedirectUri('https://app.example.org/cb', { redirectHosts: ['app.example.org'], redirectUris: [] }),
    ).toBe('https');
    expect(
      classifyRedirectUri('https://claude.ai/cb', { redirectHosts: ['app.example.org'], redirectUris: [] }),
    ).toBeNull();
  });

  // @req CONN-KNOWN-CLIENTS
  it.each([
    'https://claude.ai/api/mcp/auth_callback',
    'https://claude.com/api/mcp/auth_callback',
    'https://chatgpt.com/connector_platform_oauth_redirect',
    'cursor://anysphere.cursor-mcp/oauth/callback',
    'https://www.cursor.com/agents/mcp/oauth/callback',
    'https://vscode.dev/redirect',
    'https://insiders.vscode.dev/redirect',
  ])('accepts the known client URI %s with no configuration', (uri) => {
    expect(classifyRedirectUri(uri, defaults)).toBe('known');
  });

  // @req CONN-KNOWN-CLIENTS
  it.each([
    'https://claude.ai/api/mcp/auth_callback/',
    'https://chatgpt.com/connector_platform_oauth_redirect?x=1',
    'https://cursor.com/agents/mcp/oauth/callback',
    'cursor://anysphere.cursor-mcp/oauth/other',
    'https://vscode.dev/redirect2',
    'https://claude.ai/other',
  ])('refuses %s, a near miss of a known client URI, with no configuration', (uri) => {
    expect(classifyRedirectUri(uri, defaults)).toBeNull();
  });

  // @req CONN-REDIRECT-CONFIG
  it('adds OAUTH_REDIRECT_HOSTS and OAUTH_REDIRECT_URIS to the known clients instead of replacing them', () => {
    const policy = {
      redirectHosts: ['app.example.org'],
      redirectUris: ['com.example.app:/oauth2redirect', 'myapp://callback/done'],
    };
    expect(classifyRedirectUri('https://app.example.org/cb', policy)).toBe('https');
    expect(classifyRedirectUri('com.example.app:/oauth2redirect', policy)).toBe('configured');
    expect(classifyRedirectUri('myapp://callback/done', policy)).toBe('configured');
    expect(classifyRedirectUri('myapp://callback/other', policy)).toBeNull();
    expect(classifyRedirectUri('https://vscode.dev/redirect', policy)).toBe('known');
    expect(classifyRedirectUri('com.example.app:/oauth2redirect', defaults)).toBeNull();
  });

  // @req CONN-REDIRECT-POLICY
  it.each([
    'javascript:alert(1)',
    'data:text/html,hi',
    'file:///etc/passwd',
    'http://evil.example/cb',
    'https://*.example.org/cb',
    'myapp://cb#x',
    'myapp://user@cb/x',
  ])('refuses %s even when configured as an exact URI', (uri) => {
    expect(classifyRedirectUri(uri, { redirectHosts: [], redirectUris: [uri] })).toBeNull();
  });
});

describe('classifyCimdRedirectUri', () => {
  // @req CIMD-REDIRECT
  it.each([
    ['https://app.example.org/cb', 'https'],
    ['http://localhost/callback', 'loopback'],
    ['http://127.0.0.1/callback', 'loopback'],
    ['com.example.app:/oauth2redirect', 'private-use'],
    ['cursor://anysphere.cursor-mcp/oauth/callback', 'known'],
  ])('accepts %s as %s', (uri, kind) => {
    expect(classifyCimdRedirectUri(uri)).toBe(kind);
  });

  it.each([
    'myapp://cb',
    'javascript:alert(1)',
    'http://example.org/cb',
    'https://a.example/cb#f',
    'https://u@a.example/cb',
    'https://*.example/cb',
  ])('refuses %s', (uri) => {
    expect(classifyCimdRedirectUri(uri)).toBeNull();
  });
});

describe('compactRedirectUri', () => {
  // @req CONN-REG-COMPACT
  it('names every known client URI by an alias that expands back to it, and leaves others as they are', () => {
    for (const client of KNOWN_CLIENTS) {
      for (const { uri } of client.redirectUris) {
        const compact = compactRedirectUri(uri);
        expect(compact.length).toBeLessThan(20);
        expect(expandRedirectUri(compact)).toBe(uri);
      }
    }
    expect(compactRedirectUri('http://localhost/callback')).toBe('http://localhost/callback');
    expect(expandRedirectUri('~unknown')).toBeNull();
  });
});

describe('redirectUriMatches', () => {
  // @req CONN-REDIRECT-EXACT
  it('matches identical strings only for https URIs', () => {
    const registered = 'https://claude.ai/api/mcp/auth_callback';
    expect(redirectUriMatches(registered, registered, config)).toBe(true);
    expect(redirectUriMatches(registered, 'https://claude.ai/api/mcp/auth_callback/', config)).toBe(false);
    expect(redirectUriMatches(registered, 'https://claude.ai/api/mcp/auth_callback?x=1', config)).toBe(false);
    expect(redirectUriMatches(registered, 'https://CLAUDE.AI/api/mcp/auth_callback', config)).toBe(false);
  });

  // @req CONN-REDIRECT-LOOPBACK-PORT
  it('ignores only the port of a loopback URI (RFC 8252 §7.3)', () => {
    expect(redirectUriMatches('http://127.0.0.1:3000/callback', 'http://127.0.0.1:51234/callback', config)).toBe(true);
    expect(redirectUriMatches('http://127.0.0.1/callback', 'http://127.0.0.1:51234/callback', config)).toBe(true);
    expect(redirectUriMatches('http://[::1]:3000/cb', 'http://[::1]:4000/cb', config)).toBe(true);
    expect(redirectUriMatches('http://127.0.0.1:3000/callback', 'http://localhost:3000/callback', config)).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:3000/callback', 'http://127.0.0.1:3000/other', config)).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:3000/callback', 'http://127.0.0.1:3000/callback?x=1', config)).toBe(
      false,
    );
    expect(redirectUriMatches('http://127.0.0.1:3000/callback', 'http://127.0.0.1:99999/callback', config)).toBe(false);
  });

  it('never matches a presented URI the policy refuses, even if registered text equals it', () => {
    expect(redirectUriMatches('https://evil.example/cb', 'https://evil.example/cb', config)).toBe(false);
  });
});
