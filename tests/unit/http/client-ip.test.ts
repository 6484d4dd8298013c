import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../lib/config';
import { clientIp, normalizeIp, UNKNOWN_CLIENT_IP } from '../../../lib/http/clientIp';

const trusted = { trustProxyHeaders: true };
const untrusted = { trustProxyHeaders: false };

function request(headers: Record<string, string>): Request {
  return new Request('http://127.0.0.1/oauth/token', { method: 'POST', headers });
}

describe('clientIp', () => {
  // @req RL-CLIENT-IP
  it('names no address at all unless proxy headers are trusted', () => {
    expect(clientIp(request({ 'x-real-ip': '203.0.113.7', 'x-forwarded-for': '198.51.100.1' }), untrusted)).toBeNull();
  });

  it('prefers x-real-ip when trusted', () => {
    expect(clientIp(request({ 'x-real-ip': '203.0.113.7', 'x-forwarded-for': '198.51.100.1' }), trusted)).toBe(
      '203.0.113.7',
    );
  });

  // @req RL-CLIENT-IP
  it('takes the hop the nearest proxy appended, not the one the client wrote', () => {
    expect(clientIp(request({ 'x-forwarded-for': '10.9.9.9, 198.51.100.1' }), trusted)).toBe('198.51.100.1');
  });

  it('puts every unparsable address in the shared unknown bucket', () => {
    expect(clientIp(request({ 'x-real-ip': 'not-an-ip' }), trusted)).toBe(UNKNOWN_CLIENT_IP);
    expect(clientIp(request({}), trusted)).toBe(UNKNOWN_CLIENT_IP);
  });
});

describe('normalizeIp', () => {
  it('keeps IPv4 addresses and drops a port', () => {
    expect(normalizeIp(' 203.0.113.7 ')).toBe('203.0.113.7');
    expect(normalizeIp('203.0.113.7:443')).toBe('203.0.113.7');
  });

  it('counts IPv6 addresses per /64', () => {
    expect(normalizeIp('2001:DB8:0:1:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:0:1::/64');
    expect(normalizeIp('[2001:db8:0:1::42]:443')).toBe('2001:db8:0:1::/64');
    expect(normalizeIp('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(normalizeIp('::1')).toBe('0:0:0:0::/64');
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(normalizeIp('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(normalizeIp('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  it('rejects what is not an address', () => {
    for (const bad of [
      '',
      '256.1.1.1',
      '1.2.3',
      '1::2::3',
      '12345::',
      'fe80::1:2:3:4:5:6:7',
      'example.com',
      '1.2.3.4.5',
    ]) {
      expect(normalizeIp(bad), bad).toBeNull();
    }
  });
});

describe('TRUST_PROXY_HEADERS in loadConfig', () => {
  const env = (extra: Record<string, string>) => ({
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://mcp.example.com',
    AUTH_SECRET: '0123456789abcdef'.repeat(4),
    MCP_API_KEYS: 'k'.repeat(24),
    ...extra,
  });

  // @req RL-CLIENT-IP
  it('trusts proxy headers on Vercel by default and nowhere else', () => {
    expect(loadConfig(env({})).trustProxyHeaders).toBe(false);
    expect(loadConfig(env({ VERCEL: '1' })).trustProxyHeaders).toBe(true);
  });

  it('lets the operator turn trust on behind a proxy, or off even on Vercel', () => {
    expect(loadConfig(env({ TRUST_PROXY_HEADERS: '1' })).trustProxyHeaders).toBe(true);
    expect(loadConfig(env({ TRUST_PROXY_HEADERS: 'true' })).trustProxyHeaders).toBe(true);
    expect(loadConfig(env({ VERCEL: '1', TRUST_PROXY_HEADERS: '0' })).trustProxyHeaders).toBe(false);
  });

  it('refuses any other value with one line naming the setting', () => {
    expect(() => loadConfig(env({ TRUST_PROXY_HEADERS: 'yes' }))).toThrow(ConfigError);
    expect(() => loadConfig(env({ TRUST_PROXY_HEADERS: 'yes' }))).toThrow(
      /^TRUST_PROXY_HEADERS must be 1, true, 0 or false$/,
    );
  });

  it('refuses a redis:// URL where the REST URL belongs', () => {
    expect(() =>
      loadConfig(
        env({ UPSTASH_REDIS_REST_URL: 'redis://default:pw@x.upstash.io:6379', UPSTASH_REDIS_REST_TOKEN: 't' }),
      ),
    ).toThrow(/^UPSTASH_REDIS_REST_URL must be the https REST URL/);
  });
});
