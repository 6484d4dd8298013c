/** Helpers shared by the rate-limit integration suites. */
import { expect } from 'vitest';
import { postForm } from '@/kit/http';

/** A valid-looking API key unique to `name` (≥ 24 characters). */
export function apiKey(name: string): string {
  return `key_${name}_`.padEnd(32, 'x');
}

/** A client_credentials request for `secret`, from `ip` (honoured when the app trusts proxy headers). */
export function tokenRequest(baseUrl: string, secret: string, ip: string): Promise<Response> {
  return postForm(
    `${baseUrl}/oauth/token`,
    { grant_type: 'client_credentials', client_id: 'mcp', client_secret: secret },
    { 'X-Real-IP': ip },
  );
}

/** A whole number of seconds in `[min, max]`, as a header value. */
export function expectSeconds(value: string | null, min: number, max: number): void {
  expect(value).toMatch(/^\d+$/);
  expect(Number(value)).toBeGreaterThanOrEqual(min);
  expect(Number(value)).toBeLessThanOrEqual(max);
}

/** The wire shape of a 429 from an OAuth endpoint. */
export async function expectOAuthTooManyRequests(res: Response, limit: number): Promise<void> {
  expect(res.status).toBe(429);
  expectSeconds(res.headers.get('retry-after'), 1, 60);
  expect(res.headers.get('ratelimit-limit')).toBe(String(limit));
  expect(res.headers.get('ratelimit-remaining')).toBe('0');
  expectSeconds(res.headers.get('ratelimit-reset'), 0, 60);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as Record<string, unknown>;
  // RFC 6749 §5.2 shape: a registered code and a human-readable description, plus the request id
  // (docs/observability.md), nothing else.
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description', 'request_id']);
  expect(body.request_id).toBe(res.headers.get('x-request-id'));
  expect(body.error).toBe('too_many_requests');
  expect(typeof body.error_description).toBe('string');
}
