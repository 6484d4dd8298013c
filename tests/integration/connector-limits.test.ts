/**
 * Per-IP limits on registration, consent attempts and client authentication, on an instance with
 * low limits. Proxy headers are trusted here (as on Vercel); requests that send none share one
 * address, so the limits are reachable from one test client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_A, startApp, type AppInstance } from '@/kit/app';
import {
  authorizeParams,
  authorizeUrl,
  CLAUDE_CALLBACK,
  CLAUDE_REGISTRATION,
  exchangeCode,
  openConsent,
  pkcePair,
  register,
  submitConsent,
} from '../support/oauth';

let app: AppInstance;
beforeAll(async () => {
  app = await startApp({
    TRUST_PROXY_HEADERS: '1',
    RATE_LIMIT_REGISTER_PER_MINUTE: '3',
    RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '2',
    RATE_LIMIT_TOKEN_PER_MINUTE: '100',
  });
});
afterAll(async () => {
  await app?.stop();
});

describe('limits on the connector endpoints', () => {
  // @req CONN-LIMITS
  it('answers registrations over the per-IP limit with 429, Retry-After and an RFC 6749 body', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await fetch(`${app.url}/oauth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(CLAUDE_REGISTRATION),
      });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await last!.json()) as { error: string }).error).toBe('too_many_requests');
  });

  // @req CONN-LIMITS
  // @req CONN-CONSENT-WRONG-KEY
  it('stops consent attempts after repeated wrong keys, even with the right key, and issues no code', async () => {
    // The pre-registered client: this instance's registrations are used up by the test above.
    const { challenge } = pkcePair();
    const url = authorizeUrl(app.url, authorizeParams(app.url, 'mcp', CLAUDE_CALLBACK, challenge));
    const { request } = await openConsent(url);
    for (let i = 0; i < 2; i++) {
      const wrong = await submitConsent(app.url, {
        request,
        api_key: `wrong-${i}-0123456789abcdefghij`,
        action: 'authorize',
        via: 'fetch',
      });
      expect(wrong.status).toBe(400);
    }
    const blocked = await submitConsent(app.url, { request, api_key: KEY_A, action: 'authorize' });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('location')).toBeNull();
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.text()).not.toContain('code=');
  });

  // @req CONN-LIMITS
  it('refuses a right client secret once the IP used up its failed authentications', async () => {
    const fresh = await startApp({ TRUST_PROXY_HEADERS: '1', RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '2' });
    try {
      const client = await register(fresh.url);
      const fields = { code: 'x', code_verifier: 'v'.repeat(43), client_id: client.client_id };
      for (let i = 0; i < 2; i++)
        expect((await exchangeCode(fresh.url, { ...fields, client_secret: 'W'.repeat(43) })).status).toBe(401);
      const blocked = await exchangeCode(fresh.url, { ...fields, client_secret: client.client_secret! });
      expect(blocked.status).toBe(429);
    } finally {
      await fresh.stop();
    }
  });
});
