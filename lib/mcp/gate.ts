/**
 * The first wall in front of `/mcp` (run by `middleware.ts`): authenticate, counting wrong API
 * keys against their address, then apply the per-fingerprint limit. It forwards nothing: the route
 * authenticates again on its own (CVE-2025-29927 showed middleware can be skipped).
 */
import { emit } from '../observability/log';
import type { Services } from '../services';
import { authenticateMcpRequest, mcpTooManyRequestsResponse } from './authenticate';

/** `null` lets the request through to the route; a `Response` answers it here. */
export async function mcpGate(request: Request, services: Services): Promise<Response | null> {
  if (request.method === 'OPTIONS') return null;
  const identity = await authenticateMcpRequest(request, services, { countFailures: true });
  if (identity instanceof Response) return identity;

  const decision = await services.limiter.count('mcp', identity.fingerprint);
  if (decision.outcome === 'limited') return mcpTooManyRequestsResponse(decision, { fingerprint: identity.fingerprint });
  // A verified caller is let through when the limiter cannot answer: counted here; the outage
  // itself is logged by `lib/redis.ts` once per minute.
  if (decision.outcome === 'unavailable') emit('mcp', 'served_without_limit');
  return null;
}
