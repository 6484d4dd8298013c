/**
 * Applying the limiter at the OAuth endpoints: a limited caller gets 429 with `Retry-After` and
 * `RateLimit-*`; an unreachable store gets 503 with `Retry-After` (credential endpoints fail
 * closed). Both carry an RFC 6749-shaped body.
 */
import { OUTAGE_RETRY_AFTER_SECONDS, rateLimitHeaders } from '../http/rateLimited';
import type { LimitDecision, LimitName } from '../ratelimit';
import type { Services } from '../services';
import { OAuthError } from './errors';

function refuse(decision: LimitDecision): Record<string, string> {
  if (decision.outcome === 'unavailable') {
    throw new OAuthError('temporarily_unavailable', 'The service is temporarily unavailable; retry shortly.', {
      status: 503,
      // No per-request log line: `lib/redis.ts` logs the outage once per minute.
      headers: { 'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS) },
    });
  }
  if (decision.outcome === 'limited') {
    throw new OAuthError('temporarily_unavailable', `Too many requests; retry in ${decision.retryAfterSeconds} s.`, {
      status: 429,
      headers: rateLimitHeaders(decision),
    });
  }
  return rateLimitHeaders(decision);
}

/** Counts one request against `name` for `id`; throws the 429/503 `OAuthError`, else returns `RateLimit-*` headers. */
export async function enforceLimit(services: Services, name: LimitName, id: string): Promise<Record<string, string>> {
  return refuse(await services.limiter.hit(name, id));
}

/** Refuses when `id` has already used up `name`, without counting (checked before a secret is verified). */
export async function assertWithinLimit(services: Services, name: LimitName, id: string): Promise<void> {
  refuse(await services.limiter.peek(name, id));
}
