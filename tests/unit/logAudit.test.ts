import { describe, expect, it } from 'vitest';
import { findLeaks } from '../support/logAudit';

describe('findLeaks', () => {
  it('finds a configured key, a JWT and a derived client secret, and passes fingerprints', () => {
    const output = [
      '[token] invalid_client: unknown client id or API key',
      '[mcp] tool whoami failed for 0123456789abcdef',
      'oops key_alpha_0123456789abcdefghijkl',
      'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMTIzNDU2Nzg5YWJjZGVmIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2ln',
      'client_secret=Xk2mZ4p9Qw8rT1vB6nH3sD7fG5jL0aCeYuIoPqWeRtY',
    ].join('\n');
    const leaks = findLeaks(output, { KEY_A: 'key_alpha_0123456789abcdefghijkl' });
    expect(leaks.map((l) => l.line)).toEqual([3, 4, 5]);
    expect(JSON.stringify(leaks)).not.toContain('key_alpha_0123456789abcdefghijkl');
  });
});
