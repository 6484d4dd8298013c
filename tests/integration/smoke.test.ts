import { describe, expect, inject, it } from 'vitest';
import { KEY_A, KEY_B, TEST_SECRET } from '@/kit/app';
import { clientCredentialsToken, INITIALIZE, postMcp, rpcMessages } from '@/kit/http';

describe('the shared test instance', () => {
  it('serves initialize to a client_credentials token', async () => {
    const base = inject('appUrl');
    const token = await clientCredentialsToken(base, KEY_A);
    const res = await postMcp(base, INITIALIZE, { Authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    const [message] = await rpcMessages(res);
    expect(message).toMatchObject({ id: 1, result: { serverInfo: { name: 'mcp-oauth-gateway' } } });
  });
});

describe('GET /api/health', () => {
  // @req HEALTH
  it('reports status, version and limiter backend, and nothing secret', async () => {
    const res = await fetch(`${inject('appUrl')}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      limiter: expect.stringMatching(/^(upstash|memory)$/),
    });
    for (const secret of [KEY_A, KEY_B, TEST_SECRET, inject('redisRestToken')]) expect(text).not.toContain(secret);
  });
});
