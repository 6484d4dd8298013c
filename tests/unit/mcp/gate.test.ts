/**
 * mcpGate over real services (the in-memory limiter, wrapped only to record its calls): the limiter
 * calls each credential path pays, and the failed-auth accounting of X-API-Key.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/config';
import { fingerprintOf } from '@/lib/keys';
import { mcpGate } from '@/lib/mcp/gate';
import { recordingLimiter } from '../../support/services';
import { createServices, type Services } from '@/lib/services';

const KEY = 'unit_key_0123456789abcdefghijkl';
const PUBLIC_URL = 'https://mcp.example.com';
const IP = '192.0.2.10';

async function recordedServices(failedAuthPerMinute = 3) {
  const services = await createServices(
    loadConfig({
      NODE_ENV: 'production',
      PUBLIC_URL,
      AUTH_SECRET: 'c'.repeat(64),
      MCP_API_KEYS: KEY,
      TRUST_PROXY_HEADERS: '1',
      RATE_LIMIT_FAILED_AUTH_PER_MINUTE: String(failedAuthPerMinute),
    }),
  );
  const { limiter, calls } = recordingLimiter(services);
  return { services: { ...services, limiter } satisfies Services, calls };
}

const request = (headers: Record<string, string>) =>
  new Request(`${PUBLIC_URL}/mcp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Real-IP': IP, ...headers },
    body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
  });

describe('mcpGate', () => {
  // @req ADV-MCP-KEY-GUESSING
  it('makes one limiter call for a bearer token, the per-fingerprint count, and none for failed-auth', async () => {
    const { services, calls } = await recordedServices();
    const { token } = await services.tokens.issue(
      'access',
      { sub: await fingerprintOf(KEY), client_id: 'mcp', scope: 'mcp' },
      3600,
    );
    expect(await mcpGate(request({ Authorization: `Bearer ${token}` }), services)).toBeNull();
    expect((await mcpGate(request({ Authorization: 'Bearer not-a-token' }), services))?.status).toBe(401);
    expect(calls).toEqual(['count mcp']);
  });

  // @req ADV-MCP-KEY-GUESSING
  it('looks at failed-auth before an X-API-Key and counts only a wrong key', async () => {
    const { services, calls } = await recordedServices();
    expect(await mcpGate(request({ 'X-API-Key': KEY }), services)).toBeNull();
    expect(calls.splice(0)).toEqual(['look failedAuth', 'count mcp']);
    expect((await mcpGate(request({ 'X-API-Key': 'wrong_key_0123456789abcdefghij' }), services))?.status).toBe(401);
    expect(calls.splice(0)).toEqual(['look failedAuth', 'count failedAuth']);
  });

  // @req ADV-MCP-KEY-GUESSING
  it('refuses a used-up address with 429 before the key is verified, and does not count a request sending both credentials', async () => {
    const { services, calls } = await recordedServices(2);
    const both = await mcpGate(
      request({ 'X-API-Key': 'wrong_key_0123456789abcdefghij', Authorization: 'Bearer x' }),
      services,
    );
    expect(both?.status).toBe(400);
    for (let i = 0; i < 2; i++) await mcpGate(request({ 'X-API-Key': 'wrong_key_0123456789abcdefghij' }), services);
    calls.length = 0;
    const refused = await mcpGate(request({ 'X-API-Key': KEY }), services);
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(calls).toEqual(['look failedAuth']);
    // Another address is unaffected.
    expect(await mcpGate(request({ 'X-API-Key': KEY, 'X-Real-IP': '192.0.2.11' }), services)).toBeNull();
  });
});
