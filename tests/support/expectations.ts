/** Assertions several suites share: the wire shapes of OAuth errors and 429s, header values, rejections. */
import { expect } from 'vitest';

/** An RFC 6749 §5.2 token error with no token in it. */
export async function expectTokenError(res: Response, status: number, error: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.error).toBe(error);
  expect(body).not.toHaveProperty('access_token');
  expect(body).not.toHaveProperty('refresh_token');
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

/** What `promise` rejects with; the test fails unless it rejects, and with a `type`. */
export async function rejectionOf<E>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}
