import type { LimitDecision } from './decision';

/** `RateLimit-*` headers (draft-ietf-httpapi-ratelimit-headers) for a decision that has counts. */
export function rateLimitHeaders(decision: LimitDecision, now: number = Date.now()): Record<string, string> {
  if (decision.outcome === 'unavailable') return {};
  const reset = Math.max(0, Math.ceil((decision.resetAt - now) / 1000));
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(reset),
  };
  if (decision.outcome === 'limited') headers['Retry-After'] = String(decision.retryAfterSeconds);
  return headers;
}

/** Seconds a client should wait when Redis or the key source is unreachable. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;
