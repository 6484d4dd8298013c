/**
 * The first wall in front of `/mcp` (run by `middleware.ts`): refuse early with the right 401 and
 * apply the per-fingerprint limit. It forwards nothing: the route verifies again on its own.
 *
 * A request that presents `X-API-Key` is also held to the per-IP failed-authentication limit of the
 * OAuth endpoints, so keys cannot be guessed here without limit: a used-up address is refused
 * before its key is looked at, and each wrong key counts. Bearer tokens are signed (nothing to
 * guess) and take no extra limiter call.
 */
import { clientIp } from '../http/clientIp';
import { MCP_CORS_HEADERS } from '../http/cors';
import { rateLimitHeaders } from '../http/rateLimited';
import type { LimitDecision } from '../ratelimit';
import type { Services } from '../services';
import { bearerChallengeResponse, CredentialError, rebindingGuardResponse, verifyMcpCredential } from './auth';
import { emit } from '../observability/log';
import type { Identity } from './identity';
import { jsonRpcError } from './limits';

function tooManyRequests(decision: LimitDecision & { outcome: 'limited' }, fields: { fingerprint?: string } = {}): Response {
  emit('mcp', 'rate_limited', fields);
  return jsonRpcError(429, -32000, `Rate limit exceeded; retry in ${decision.retryAfterSeconds} s.`, { ...MCP_CORS_HEADERS, ...rateLimitHeaders(decision) });
}

/**
 * The verified identity or the response to send. With `X-API-Key`, the client IP's failed
 * authentications are checked first and a wrong key is counted. When the limiter cannot answer,
 * the key is still verified (as `/mcp` serves verified callers during an outage): a wrong key
 * gets its 401, uncounted.
 */
async function identify(request: Request, services: Services): Promise<Identity | Response> {
  const ip = request.headers.has('x-api-key') ? clientIp(request, services.config) : null;
  if (ip !== null) {
    const standing = await services.limiter.peek('failedAuth', ip);
    if (standing.outcome === 'limited') return tooManyRequests(standing);
  }
  try {
    return await verifyMcpCredential(request.headers, services);
  } catch (error) {
    if (!(error instanceof CredentialError)) throw error;
    if (ip !== null && error.failure.kind === 'invalid_token') await services.limiter.hit('failedAuth', ip);
    return bearerChallengeResponse(error.failure, services.config);
  }
}

/** `null` lets the request through to the route; a `Response` answers it here. */
export async function mcpGate(request: Request, services: Services): Promise<Response | null> {
  if (request.method === 'OPTIONS') return null;
  const rebinding = rebindingGuardResponse(request, services.config);
  if (rebinding) return rebinding;
  const identity = await identify(request, services);
  if (identity instanceof Response) return identity;

  const decision = await services.limiter.hit('mcp', identity.fingerprint);
  if (decision.outcome === 'limited') return tooManyRequests(decision, { fingerprint: identity.fingerprint });
  // A verified caller is let through when the limiter cannot answer: counted here; the outage
  // itself is logged by `lib/redis.ts` once per minute.
  if (decision.outcome === 'unavailable') emit('mcp', 'served_without_limit');
  return null;
}
