import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@/lib/config';

const SECRET = '0123456789abcdef'.repeat(4);
const KEY = 'k'.repeat(24);
const prod = (env: Record<string, string | undefined>) => ({
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://mcp.example.com',
  AUTH_SECRET: SECRET,
  MCP_API_KEYS: KEY,
  ...env,
});

describe('loadConfig', () => {
  // @req CFG-PROD-REFUSE
  it.each([
    ['a missing AUTH_SECRET', { AUTH_SECRET: undefined }, /^AUTH_SECRET is required/],
    ['a 31-byte AUTH_SECRET', { AUTH_SECRET: 'ab'.repeat(31) }, /^AUTH_SECRET must encode at least 32 bytes/],
    ['an AUTH_SECRET that is neither hex nor base64', { AUTH_SECRET: 'not a secret!'.repeat(5) }, /^AUTH_SECRET must be hex or base64/],
    ['empty MCP_API_KEYS', { MCP_API_KEYS: ' , ' }, /^MCP_API_KEYS is empty/],
    ['a key under 24 characters', { MCP_API_KEYS: `${KEY},short-key-123` }, /^MCP_API_KEYS entry #2 is shorter than 24/],
    ['a missing PUBLIC_URL', { PUBLIC_URL: undefined }, /^PUBLIC_URL is required/],
    ['a PUBLIC_URL with a path', { PUBLIC_URL: 'https://mcp.example.com/base' }, /^PUBLIC_URL must be an origin only/],
    ['a plain-http public PUBLIC_URL', { PUBLIC_URL: 'http://mcp.example.com' }, /^PUBLIC_URL must use https in production/],
    ['a short AUTH_SECRET_PREVIOUS', { AUTH_SECRET_PREVIOUS: 'abcd' }, /^AUTH_SECRET_PREVIOUS must encode at least 32 bytes/],
    ['a zero rate limit', { RATE_LIMIT_MCP_PER_MINUTE: '0' }, /^RATE_LIMIT_MCP_PER_MINUTE must be an integer/],
    ['an access-token lifetime over one hour', { ACCESS_TOKEN_TTL_SECONDS: '3601' }, /^ACCESS_TOKEN_TTL_SECONDS must be an integer from 1 to 3600/],
    ['a refresh grace window over five minutes', { REFRESH_REUSE_GRACE_SECONDS: '301' }, /^REFRESH_REUSE_GRACE_SECONDS must be an integer from 0 to 300/],
    ['a negative refresh grace window', { REFRESH_REUSE_GRACE_SECONDS: '-1' }, /^REFRESH_REUSE_GRACE_SECONDS must be an integer from 0 to 300/],
    ['a Redis URL without its token', { UPSTASH_REDIS_REST_URL: 'https://x.upstash.io' }, /must be set together/],
  ])('refuses %s in production with one line naming the setting', (_name, override, message) => {
    let thrown: unknown;
    try {
      loadConfig(prod(override));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('\n');
  });

  it('never echoes a rejected key in its message', () => {
    expect(() => loadConfig(prod({ MCP_API_KEYS: 'secret-but-short' }))).toThrow(/^(?!.*secret-but-short)/);
  });

  it('accepts hex and base64 secrets of 32 bytes', () => {
    expect(loadConfig(prod({})).authSecret).toHaveLength(32);
    expect(loadConfig(prod({ AUTH_SECRET: Buffer.alloc(32, 7).toString('base64') })).authSecret).toHaveLength(32);
    expect(loadConfig(prod({ AUTH_SECRET: Buffer.alloc(48, 7).toString('base64url') })).authSecret).toHaveLength(48);
  });

  it('derives issuer, resource and resource metadata URL from PUBLIC_URL alone', () => {
    const config = loadConfig(prod({ PUBLIC_URL: 'https://mcp.example.com/' }));
    expect(config.issuer).toBe('https://mcp.example.com');
    expect(config.resource).toBe('https://mcp.example.com/mcp');
    expect(config.resourceMetadataUrl).toBe('https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
  });

  it('uses the production domain on Vercel production and the deployment URL in previews', () => {
    const base = { PUBLIC_URL: undefined, VERCEL: '1', VERCEL_PROJECT_PRODUCTION_URL: 'mcp.example.com', VERCEL_URL: 'mcp-git-x.vercel.app' };
    expect(loadConfig(prod({ ...base, VERCEL_ENV: 'production' })).publicUrl).toBe('https://mcp.example.com');
    expect(loadConfig(prod({ ...base, VERCEL_ENV: 'preview' })).publicUrl).toBe('https://mcp-git-x.vercel.app');
  });

  it('takes Vercel KV variable names for Upstash', () => {
    const config = loadConfig(prod({ KV_REST_API_URL: 'https://kv.example.com', KV_REST_API_TOKEN: 'tok' }));
    expect(config.redis).toEqual({ url: 'https://kv.example.com', token: 'tok' });
  });

  it('applies the documented defaults', () => {
    const config = loadConfig(prod({}));
    expect(config.oauthClientId).toBe('mcp');
    expect(config.limits).toEqual({ tokenPerMinute: 10, failedAuthPerMinute: 20, registrationPerMinute: 120, mcpPerMinute: 120 });
    expect(config.accessTokenTtlSeconds).toBe(3600);
    expect(config.refreshReuseGraceSeconds).toBe(60);
    expect(loadConfig(prod({ REFRESH_REUSE_GRACE_SECONDS: '0' })).refreshReuseGraceSeconds).toBe(0);
    expect(config.redis).toBeNull();
    expect(config.redirectHosts).toEqual(['claude.ai', 'claude.com']);
  });

  // @req CFG-DEV-DEFAULTS
  it('generates a secret and a key in development and writes them back to the environment', () => {
    const env: Record<string, string | undefined> = { NODE_ENV: 'development' };
    const config = loadConfig(env);
    expect(config.mode).toBe('development');
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.authSecret).toHaveLength(32);
    expect(config.apiKeys).toHaveLength(1);
    // Written back so every bundle of the process (middleware, routes) reads the same values.
    expect(env.MCP_API_KEYS).toBe(config.apiKeys[0]);
    expect(loadConfig(env).authSecret).toEqual(config.authSecret);
  });
});
