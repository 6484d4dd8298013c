/**
 * The key source's third answer, *unavailable*, at every place that asks it; and the per-address
 * failed-authentication limit when no address can be trusted. Real services throughout; only the
 * key source is wrapped to answer "unavailable", as a remote key service would when it is down,
 * and the limiter to record its calls.
 */
import { describe, expect, it } from 'vitest';
import { fingerprintOf, type KeySource } from '@/lib/keys';
import { mcpGate } from '@/lib/mcp/gate';
import { decideConsent } from '@/lib/oauth/consent';
import { OAuthError } from '@/lib/oauth/errors';
import { handleTokenRequest } from '@/lib/oauth/token';
import type { Services } from '@/lib/services';
import { KEY_A } from '@/kit/app';
import { ISSUER, recordingLimiter, testServices } from '../support/services';

const WRONG = 'wrong_key_0123456789abcdefghij';

function unavailable(source: KeySource): KeySource {
  return { ...source, identify: async () => ({ outcome: 'unavailable' }), isActive: async () => 'unavailable' };
}

async function recorded(env: Record<string, string> = {}, keysDown = false) {
  const services = await testServices({ RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '2', ...env });
  const { limiter, calls } = recordingLimiter(services);
  const result: Services = { ...services, limiter, keys: keysDown ? unavailable(services.keys) : services.keys };
  return { services: result, calls };
}

const mcp = (headers: Record<string, string>) =>
  new Request(`${ISSUER}/mcp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Real-IP': '192.0.2.5', ...headers },
    body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
  });

const clientCredentials = (secret: string, ip = '192.0.2.5') =>
  new Request(`${ISSUER}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Real-IP': ip },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'mcp', client_secret: secret }).toString(),
  });

describe('a key source that cannot answer', () => {
  // @req KEY-SOURCE-UNAVAILABLE
  it('makes /mcp answer 503 with Retry-After for a bearer token, never a 401', async () => {
    const healthy = await testServices();
    const { token } = await healthy.tokens.issue(
      'access',
      { sub: await fingerprintOf(KEY_A), client_id: 'mcp', scope: 'mcp' },
      3600,
    );
    const { services, calls } = await recorded({ TRUST_PROXY_HEADERS: '1' }, true);
    const response = (await mcpGate(mcp({ Authorization: `Bearer ${token}` }), services))!;
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(calls).toEqual([]);
  });

  // @req KEY-SOURCE-UNAVAILABLE
  it('makes /mcp answer 503 for an X-API-Key without counting a failed authentication', async () => {
    const { services, calls } = await recorded({ TRUST_PROXY_HEADERS: '1' }, true);
    for (let i = 0; i < 4; i++) expect((await mcpGate(mcp({ 'X-API-Key': KEY_A }), services))!.status).toBe(503);
    expect(calls.filter((c) => c === 'count failedAuth')).toEqual([]);
  });

  // @req KEY-SOURCE-UNAVAILABLE
  it('makes client_credentials answer 503 temporarily_unavailable, uncounted', async () => {
    const { services, calls } = await recorded({ TRUST_PROXY_HEADERS: '1' }, true);
    const response = await handleTokenRequest(clientCredentials(KEY_A), services);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(calls).not.toContain('count failedAuth');
  });

  // @req KEY-SOURCE-UNAVAILABLE
  it('makes the consent decision a 503, not a wrong-key answer', async () => {
    const { services } = await recorded({}, true);
    const { token } = await services.tokens.issue(
      'consent',
      {
        client_id: 'c',
        redirect_uri: 'http://127.0.0.1:9/cb',
        code_challenge: 'x'.repeat(43),
        scope: 'mcp',
        resource: `${ISSUER}/mcp`,
      },
      600,
    );
    const decision = decideConsent(
      { request: token, apiKey: KEY_A, action: 'authorize', viaFetch: false },
      services,
      null,
    );
    await expect(decision).rejects.toBeInstanceOf(OAuthError);
    await expect(decision).rejects.toMatchObject({ status: 503, code: 'temporarily_unavailable' });
  });
});

describe('per-address limits with no trusted address', () => {
  // @req RL-NO-TRUSTED-ADDRESS
  it('never refuses a correct X-API-Key at /mcp however many wrong ones came first', async () => {
    const { services, calls } = await recorded({ TRUST_PROXY_HEADERS: '0' });
    for (let i = 0; i < 6; i++) expect((await mcpGate(mcp({ 'X-API-Key': WRONG }), services))!.status).toBe(401);
    expect(await mcpGate(mcp({ 'X-API-Key': KEY_A }), services)).toBeNull();
    expect(calls.filter((c) => c.endsWith('failedAuth'))).toEqual([]);
  });

  // @req RL-NO-TRUSTED-ADDRESS
  it('never refuses a correct client secret at the token endpoint however many wrong ones came first', async () => {
    const { services } = await recorded({ TRUST_PROXY_HEADERS: '0' });
    for (let i = 0; i < 6; i++) expect((await handleTokenRequest(clientCredentials(WRONG), services)).status).toBe(401);
    expect((await handleTokenRequest(clientCredentials(KEY_A), services)).status).toBe(200);
  });

  // @req RL-NO-TRUSTED-ADDRESS
  it('still limits guessing per address where the address is trusted', async () => {
    const { services } = await recorded({ TRUST_PROXY_HEADERS: '1' });
    for (let i = 0; i < 2; i++) expect((await handleTokenRequest(clientCredentials(WRONG), services)).status).toBe(401);
    expect((await handleTokenRequest(clientCredentials(KEY_A), services)).status).toBe(429);
    expect((await handleTokenRequest(clientCredentials(KEY_A, '192.0.2.6'), services)).status).toBe(200);
  });
});
