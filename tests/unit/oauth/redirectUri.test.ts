import { describe, expect, it } from 'vitest';
import { classifyRedirectUri, redirectUriMatches } from '@/lib/oauth/redirectUri';

const config = { redirectHosts: ['claude.ai', 'claude.com'] };

describe('classifyRedirectUri', () => {
  // @req CONN-REDIRECT-POLICY
  it.each([
    ['https://claude.ai/api/mcp/auth_callback', 'https'],
    ['https://claude.com/api/mcp/auth_callback', 'https'],
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
    expect(classifyRedirectUri('https://app.example.org/cb', { redirectHosts: ['app.example.org'] })).toBe('https');
    expect(classifyRedirectUri('https://claude.ai/cb', { redirectHosts: ['app.example.org'] })).toBeNull();
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
    expect(redirectUriMatches('http://127.0.0.1:3000/callback', 'http://127.0.0.1:3000/callback?x=1', config)).toBe(false);
    expect(redirectUriMatches('http://127.0.0.1:3000/callback', 'http://127.0.0.1:99999/callback', config)).toBe(false);
  });

  it('never matches a presented URI the policy refuses, even if registered text equals it', () => {
    expect(redirectUriMatches('https://evil.example/cb', 'https://evil.example/cb', config)).toBe(false);
  });
});
