import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
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
    [
      'an AUTH_SECRET that is neither hex nor base64',
      { AUTH_SECRET: 'not a secret!'.repeat(5) },
      /^AUTH_SECRET must be hex or base64/,
    ],
    ['empty MCP_API_KEYS', { MCP_API_KEYS: ' , ' }, /^MCP_API_KEYS is empty/],
    [
      'a key under 24 characters',
      { MCP_API_KEYS: `${KEY},short-key-123` },
      /^MCP_API_KEYS entry #2 is shorter than 24/,
    ],
    ['a missing PUBLIC_URL', { PUBLIC_URL: undefined }, /^PUBLIC_URL is required/],
    ['a PUBLIC_URL with a path', { PUBLIC_URL: 'https://mcp.example.com/base' }, /^PUBLIC_URL must be an origin only/],
    [
      'a plain-http public PUBLIC_URL',
      { PUBLIC_URL: 'http://mcp.example.com' },
      /^PUBLIC_URL must use https in production/,
    ],
    [
      'a short AUTH_SECRET_PREVIOUS',
      { AUTH_SECRET_PREVIOUS: 'abcd' },
      /^AUTH_SECRET_PREVIOUS must encode at least 32 bytes/,
    ],
    ['a zero rate limit', { RATE_LIMIT_MCP_PER_MINUTE: '0' }, /^RATE_LIMIT_MCP_PER_MINUTE must be an integer/],
    [
      'an access-token lifetime over one hour',
      { ACCESS_TOKEN_TTL_SECONDS: '3601' },
      /^ACCESS_TOKEN_TTL_SECONDS must be an integer from 1 to 3600/,
    ],
    [
      'a refresh grace window over five minutes',
      { REFRESH_REUSE_GRACE_SECONDS: '301' },
      /^REFRESH_REUSE_GRACE_SECONDS must be an integer from 0 to 300/,
    ],
    [
      'a negative refresh grace window',
      { REFRESH_REUSE_GRACE_SECONDS: '-1' },
      /^REFRESH_REUSE_GRACE_SECONDS must be an integer from 0 to 300/,
    ],
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
    const base = {
      PUBLIC_URL: undefined,
      VERCEL: '1',
      VERCEL_PROJECT_PRODUCTION_URL: 'mcp.example.com',
      VERCEL_URL: 'mcp-git-x.vercel.app',
    };
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
    expect(config.limits).toEqual({
      tokenPerMinute: 10,
      failedAuthPerMinute: 20,
      registrationPerMinute: 120,
      mcpPerMinute: 120,
    });
    expect(config.accessTokenTtlSeconds).toBe(3600);
    expect(config.refreshReuseGraceSeconds).toBe(60);
    expect(loadConfig(prod({ REFRESH_REUSE_GRACE_SECONDS: '0' })).refreshReuseGraceSeconds).toBe(0);
    expect(config.redis).toBeNull();
    expect(config.redirectHosts).toEqual([]);
    expect(config.redirectUris).toEqual([]);
    expect(config.dangerouslyAllowPrivateCimdHosts).toBe(false);
  });

  // @req CONN-REDIRECT-CONFIG
  it('reads extra redirect hosts and exact URIs, and refuses unsafe ones naming the setting', () => {
    const config = loadConfig(
      prod({
        OAUTH_REDIRECT_HOSTS: 'app.example.org',
        OAUTH_REDIRECT_URIS: 'com.example.app:/cb, https://x.example.org/cb',
        CIMD_ALLOW_PRIVATE_HOSTS: '1',
      }),
    );
    expect(config.redirectHosts).toEqual(['app.example.org']);
    expect(config.redirectUris).toEqual(['com.example.app:/cb', 'https://x.example.org/cb']);
    expect(config.dangerouslyAllowPrivateCimdHosts).toBe(true);
    for (const bad of [
      'javascript:alert(1)',
      'http://example.org/cb',
      'https://x.example.org/cb#f',
      'https://*.example.org/cb',
      'data:text/html,x',
    ]) {
      expect(() => loadConfig(prod({ OAUTH_REDIRECT_URIS: bad }))).toThrow(/^OAUTH_REDIRECT_URIS entry #1/);
    }
    expect(() => loadConfig(prod({ CIMD_ALLOW_PRIVATE_HOSTS: 'yes' }))).toThrow(/^CIMD_ALLOW_PRIVATE_HOSTS/);
  });

  // @req CFG-DEV-DEFAULTS
  it('generates a secret and a key in development and writes them back to the environment', () => {
    const env: Record<string, string | undefined> = { NODE_ENV: 'development' };
    const config = loadConfig(env);
    expect(config.mode).toBe('development');
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.authSecret).toHaveLength(32);
    expect(config.keys.kind === 'list' && config.keys.apiKeys).toHaveLength(1);
    // Written back so every bundle of the process (middleware, routes) reads the same values.
    expect(config.keys).toEqual({ kind: 'list', apiKeys: [env.MCP_API_KEYS] });
    expect(loadConfig(env).authSecret).toEqual(config.authSecret);
  });
});

describe('loadConfig over arbitrary values', () => {
  // Every setting the server reads, each given arbitrary text: the answer is a configuration or
  // one ConfigError line naming the setting, never another exception (a DOMException from atob
  // once escaped here).
  const SETTINGS = [
    'PUBLIC_URL',
    'AUTH_SECRET',
    'AUTH_SECRET_PREVIOUS',
    'MCP_API_KEYS',
    'MCP_API_KEY_HASHES',
    'MCP_KEY_SOURCE',
    'MCP_KEY_SERVICE_URL',
    'MCP_KEY_SERVICE_TOKEN',
    'MCP_KEY_SERVICE_TIMEOUT_MS',
    'MCP_KEY_SERVICE_CACHE_SECONDS',
    'MCP_KEY_SERVICE_STALE_SECONDS',
    'MCP_UPSTREAM_URL',
    'MCP_UPSTREAM_KEY_HEADER',
    'MCP_UPSTREAM_TIMEOUT_MS',
    'UPSTASH_REDIS_REST_URL',
    'OAUTH_CLIENT_ID',
    'OAUTH_REDIRECT_HOSTS',
    'TRUST_PROXY_HEADERS',
    'RATE_LIMIT_TOKEN_PER_MINUTE',
    'RATE_LIMIT_FAILED_AUTH_PER_MINUTE',
    'RATE_LIMIT_REGISTER_PER_MINUTE',
    'RATE_LIMIT_MCP_PER_MINUTE',
    'ACCESS_TOKEN_TTL_SECONDS',
    'REFRESH_TOKEN_TTL_SECONDS',
  ] as const;
  const arbitraryValue = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({
      unit: fc.constantFrom(' ', '\t', '\n', ',', '=', '-', '_', '+', '/', 'a', 'F', '0', '9', ':', '.'),
      maxLength: 200,
    }),
    fc.integer({ min: 0, max: 5000 }).map((n) => 'a'.repeat(n)),
  );

  // @req CFG-MALFORMED-ONE-LINE
  it.each(SETTINGS)('answers any value of %s with a configuration or one line naming it', (setting) => {
    // The upstream settings are read only with an upstream URL; the Redis URL only with a token.
    const companions: Record<string, string> =
      setting === 'MCP_UPSTREAM_KEY_HEADER' || setting === 'MCP_UPSTREAM_TIMEOUT_MS'
        ? { MCP_UPSTREAM_URL: 'https://upstream.example.com/mcp' }
        : setting === 'UPSTASH_REDIS_REST_URL'
          ? { UPSTASH_REDIS_REST_TOKEN: 'tok' }
          : setting === 'MCP_API_KEY_HASHES'
            ? { MCP_API_KEYS: undefined as unknown as string }
            : setting.startsWith('MCP_KEY_SERVICE_')
              ? {
                  MCP_API_KEYS: undefined as unknown as string,
                  MCP_KEY_SERVICE_URL: 'https://keys.example.com/check',
                  MCP_KEY_SERVICE_TOKEN: 't'.repeat(32),
                }
              : {};
    fc.assert(
      fc.property(arbitraryValue, (value) => {
        try {
          loadConfig(prod({ ...companions, [setting]: value }));
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          const message = (error as Error).message;
          expect(message).not.toContain('\n');
          expect(message.length).toBeLessThan(300);
          expect(message).toContain(setting.startsWith('UPSTASH') ? 'UPSTASH_REDIS_REST_URL' : setting);
        }
      }),
      { numRuns: 300 },
    );
  });

  // @req CFG-MALFORMED-ONE-LINE
  it.each([
    [
      'two key sources',
      { MCP_API_KEY_HASHES: 'a'.repeat(64) },
      /^More than one of MCP_API_KEYS, MCP_API_KEY_HASHES, MCP_KEY_SERVICE_URL and MCP_KEY_SOURCE=upstream is set/,
    ],
    [
      'a key service beside a key list',
      { MCP_KEY_SERVICE_URL: 'https://keys.example.com/check', MCP_KEY_SERVICE_TOKEN: 't'.repeat(32) },
      /^More than one of MCP_API_KEYS, MCP_API_KEY_HASHES, MCP_KEY_SERVICE_URL and MCP_KEY_SOURCE=upstream is set/,
    ],
    [
      'MCP_KEY_SERVICE_SEND_KEY without a service',
      { MCP_KEY_SERVICE_SEND_KEY: '1' },
      /^MCP_KEY_SERVICE_SEND_KEY is set without/,
    ],
    [
      'a key service over plain http off loopback',
      {
        MCP_API_KEYS: undefined,
        MCP_KEY_SERVICE_URL: 'http://keys.example.com/check',
        MCP_KEY_SERVICE_TOKEN: 't'.repeat(32),
      },
      /^MCP_KEY_SERVICE_URL must use https/,
    ],
    [
      'a key service without its token',
      { MCP_API_KEYS: undefined, MCP_KEY_SERVICE_URL: 'https://keys.example.com/check' },
      /^MCP_KEY_SERVICE_TOKEN is required/,
    ],
    [
      'the upstream as judge without an upstream',
      { MCP_API_KEYS: undefined, MCP_KEY_SOURCE: 'upstream' },
      /^MCP_KEY_SOURCE=upstream needs MCP_UPSTREAM_URL/,
    ],
    [
      'the upstream as judge beside a key list',
      { MCP_KEY_SOURCE: 'upstream', MCP_UPSTREAM_URL: 'https://u.example.com/mcp' },
      /^More than one of MCP_API_KEYS/,
    ],
    ['an unknown MCP_KEY_SOURCE', { MCP_KEY_SOURCE: 'ldap' }, /^MCP_KEY_SOURCE must be upstream/],
    [
      'a digest list with a bad entry',
      { MCP_API_KEYS: undefined, MCP_API_KEY_HASHES: `${'a'.repeat(64)}, ${'A'.repeat(64)}` },
      /^MCP_API_KEY_HASHES entry #2/,
    ],
    [
      'an upstream over plain http to a public host',
      { MCP_UPSTREAM_URL: 'http://upstream.example.com/mcp' },
      /^MCP_UPSTREAM_URL must use https/,
    ],
    [
      'an upstream key header the forwarder owns',
      { MCP_UPSTREAM_URL: 'https://u.example.com/mcp', MCP_UPSTREAM_KEY_HEADER: 'Cookie' },
      /^MCP_UPSTREAM_KEY_HEADER cannot be Cookie/,
    ],
    ['a secret of absurd length', { AUTH_SECRET: 'ab'.repeat(5000) }, /^AUTH_SECRET is longer than 1024/],
    [
      'a base64 secret with one dangling character',
      { AUTH_SECRET: 'A'.repeat(45) },
      /^AUTH_SECRET must be hex or base64/,
    ],
  ])('refuses %s with one line', (_name, override, message) => {
    expect(() => loadConfig(prod(override))).toThrow(message);
  });

  it('seals keys into tokens exactly when an upstream needs a key the source cannot give back', () => {
    const upstream = { MCP_UPSTREAM_URL: 'https://u.example.com/mcp' };
    const service = {
      MCP_API_KEYS: undefined,
      MCP_KEY_SERVICE_URL: 'https://k.example.com/',
      MCP_KEY_SERVICE_TOKEN: 't'.repeat(32),
    };
    const digests = { MCP_API_KEYS: undefined, MCP_API_KEY_HASHES: 'a'.repeat(64) };
    const judge = { MCP_API_KEYS: undefined, MCP_KEY_SOURCE: 'upstream' };
    expect(loadConfig(prod({ ...upstream })).sealsKeys).toBe(false);
    expect(loadConfig(prod({ ...upstream, ...service })).sealsKeys).toBe(true);
    expect(loadConfig(prod({ ...upstream, ...digests })).sealsKeys).toBe(true);
    expect(loadConfig(prod({ ...upstream, ...judge })).keys).toEqual({ kind: 'upstream' });
    expect(loadConfig(prod({ ...upstream, ...judge })).sealsKeys).toBe(true);
    expect(loadConfig(prod({ ...service })).sealsKeys).toBe(false);
  });

  it('takes a key service with its defaults, http allowed on loopback', () => {
    const config = loadConfig(
      prod({
        MCP_API_KEYS: undefined,
        MCP_KEY_SERVICE_URL: 'http://127.0.0.1:7000/keys',
        MCP_KEY_SERVICE_TOKEN: 't'.repeat(32),
      }),
    );
    expect(config.keys).toEqual({
      kind: 'service',
      url: 'http://127.0.0.1:7000/keys',
      token: 't'.repeat(32),
      sendKey: false,
      timeoutMs: 3000,
      cacheSeconds: 60,
      staleSeconds: 300,
    });
  });

  it('takes the digest source instead of keys, and an upstream with a custom key header', () => {
    const digests = loadConfig(
      prod({ MCP_API_KEYS: undefined, MCP_API_KEY_HASHES: ` ${'b'.repeat(64)} ,${'c'.repeat(64)}` }),
    );
    expect(digests.keys).toEqual({ kind: 'digests', digests: ['b'.repeat(64), 'c'.repeat(64)] });
    const upstream = loadConfig(
      prod({ MCP_UPSTREAM_URL: 'http://127.0.0.1:9000/mcp', MCP_UPSTREAM_KEY_HEADER: 'X-WorldMonitor-Key' }),
    );
    expect(upstream.upstream).toEqual({
      url: 'http://127.0.0.1:9000/mcp',
      apiKeyHeader: 'x-worldmonitor-key',
      timeoutMs: 30_000,
    });
    expect(loadConfig(prod({})).upstream).toBeNull();
  });
});
