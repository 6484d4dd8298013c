/**
 * The first wall in front of `/mcp` (run by `middleware.ts`): authenticate, counting wrong API
 * keys against their address, then apply the per-fingerprint limit. It forwards nothing: the route
 * authenticates again on its own (CVE-2025-29927 showed middleware can be skipped).
 */
import { drainWithinLimit } from '../http/readBody';
import { emit } from '../observability/log';
import type { Services } from '../services';
import { authenticateMcpRequest } from './authenticate';
import { mcpRefusalResponse } from './refusals';
import { MCP_BODY_LIMIT } from './transport';

/** `null` lets the request through to the route; a `Response` answers it here. */
export async function mcpGate(request: Request, services: Services): Promise<Response | null> {
  if (request.method === 'OPTIONS') return null;
  const authentication = await authenticateMcpRequest(request, services, { countFailures: true });
  if (!authentication.ok) return mcpRefusalResponse(authentication.refusal, services.config);
  const { identity } = authentication;

  const decision = await services.limiter.count('mcp', identity.fingerprint);
  if (decision.outcome === 'limited') {
    return mcpRefusalResponse({ kind: 'rate_limited', decision, fingerprint: identity.fingerprint }, services.config);
  }
  // A verified caller is let through when the limiter cannot answer: counted here; the outage
  // itself is logged by `lib/redis.ts` once per minute.
  if (decision.outcome === 'unavailable') emit('mcp', 'served_without_limit');
  // The body is read to its end here, within the limit (a declared length over it is refused
  // unread): Next 15.5 does not await its body clone before the route reads it, and a client gone
  // mid-body would otherwise reach the route as Next's own "disturbed or locked" 500.
  const drained = await drainWithinLimit(request, MCP_BODY_LIMIT);
  if (drained.ok) return null;
  // A client gone mid-body is answered here: the route must not read a stream already torn.
  return mcpRefusalResponse(
    { kind: drained.reason === 'too_large' ? 'body_too_large' : 'client_aborted' },
    services.config,
  );
}
