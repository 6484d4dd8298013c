/**
 * Applying the limiter at the OAuth endpoints. A limited caller gets 429 with `Retry-After` and
 * `RateLimit-*`; an unreachable store gets 503 with `Retry-After` (credential endpoints fail
 * closed). Both are `OAuthError`s, so they carry an RFC 6749-shaped body.
 *
 * `count…` records a request; `look…` only reads the standing, to refuse before a secret is
 * verified. A `null` address means no address can be trusted (see `lib/http/clientIp.ts`): the
 * per-address failed-authentication limit is then off, so that one client's wrong keys never
 * lock out another client's correct one.
 */
import { OAuthError, serviceUnavailable } from './errors';
import type { Services } from '../services';
import { rateLimitHeaders } from '../limits/headers';
import type { LimitDecision, LimitName } from '../limits/decision';

function refuse(decision: LimitDecision): Record<string, string> {
  // No per-request log line: `lib/redis.ts` logs the outage once per minute.
  if (decision.outcome === 'unavailable') throw serviceUnavailable('redis_unavailable');
  if (decision.outcome === 'limited') {
    // `too_many_requests`: RFC 6749 §5.2 names no code for a rate limit; this is the one the MCP
    // SDK's own authorization server sends with its 429, and its client maps it to an error that
    // `auth()` rethrows without discarding the tokens (docs/rate-limits.md, "429 at the token endpoint").
    throw new OAuthError('too_many_requests', `Too many requests; retry in ${decision.retryAfterSeconds} s.`, {
      status: 429,
      headers: rateLimitHeaders(decision),
    });
  }
  return rateLimitHeaders(decision);
}

/** Counts one request against `name` for `id`; throws the 429/503 `OAuthError`, else returns `RateLimit-*` headers. */
export async function countAgainstLimit(
  services: Services,
  name: LimitName,
  id: string,
): Promise<Record<string, string>> {
  return refuse(await services.limiter.count(name, id));
}

/** Refuses an address that has used up its failed authentications, without counting (before a secret is verified). */
export async function lookAtFailedAuth(services: Services, ip: string | null): Promise<void> {
  if (ip !== null) refuse(await services.limiter.look('failedAuth', ip));
}

/** Counts one failed authentication of `ip`. The caller refuses the request anyway, so the decision is not needed. */
export async function countFailedAuth(services: Services, ip: string | null): Promise<void> {
  if (ip !== null) await services.limiter.count('failedAuth', ip);
}
