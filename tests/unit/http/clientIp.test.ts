import { describe, expect, it } from 'vitest';
import { clientIp, normalizeIp, UNKNOWN_CLIENT_IP } from '../../../lib/http/clientIp';

const trusted = { trustProxyHeaders: true };
const untrusted = { trustProxyHeaders: false };

function request(headers: Record<string, string>): Request {
  return new Request('http://127.0.0.1/oauth/token', { method: 'POST', headers });
}

describe('clientIp', () => {
  it('ignores client IP headers unless proxy headers are trusted', () => {
    expect(clientIp(request({ 'x-real-ip': '203.0.113.7', 'x-forwarded-for': '198.51.100.1' }), untrusted)).toBe(UNKNOWN_CLIENT_IP);
  });

  it('prefers x-real-ip when trusted', () => {
    expect(clientIp(request({ 'x-real-ip': '203.0.113.7', 'x-forwarded-for': '198.51.100.1' }), trusted)).toBe('203.0.113.7');
  });

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
    for (const bad of ['', '256.1.1.1', '1.2.3', '1::2::3', '12345::', 'fe80::1:2:3:4:5:6:7', 'example.com', '1.2.3.4.5']) {
      expect(normalizeIp(bad), bad).toBeNull();
    }
  });
});
