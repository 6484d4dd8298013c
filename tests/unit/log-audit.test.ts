import { describe, expect, it } from 'vitest';
import { findLeaks } from '../support/logAudit';

describe('findLeaks', () => {
  it('finds a configured key, a JWT and a derived client secret, and passes fingerprints', () => {
    const output = [
      '{"time":"2026-01-01T00:00:00.000Z","level":"warn","event":"token","outcome":"refused","reason":"api_key_invalid","request_id":"r1"}',
      '[mcp] tool whoami failed for 0123456789abcdef',
      'oops key_alpha_0123456789abcdefghijkl',
      'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMTIzNDU2Nzg5YWJjZGVmIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2ln',
      'client_secret=Xk2mZ4p9Qw8rT1vB6nH3sD7fG5jL0aCeYuIoPqWeRtY',
    ].join('\n');
    const leaks = findLeaks(output, { KEY_A: 'key_alpha_0123456789abcdefghijkl' });
    expect(leaks.map((l) => l.line)).toEqual([3, 4, 5]);
    expect(JSON.stringify(leaks)).not.toContain('key_alpha_0123456789abcdefghijkl');
  });

  it('finds a secret inside a JSON event line even where JSON escaping disguises it', () => {
    const key = 'key/with"quote_0123456789abcdefghij';
    const line = JSON.stringify({ time: 't', event: 'token', reason: 'issued', client_name: key });
    expect(line).not.toContain(key);
    const leaks = findLeaks(line, { KEY: key });
    expect(leaks).toEqual([{ what: 'KEY', line: 1, excerpt: expect.not.stringContaining(key) }]);
  });
});
