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
  // A sized body is left alone (over the limit it is refused unread). An unsized one is read to
  // its end within the limit: Next 15.5 does not await its body clone before the route reads it.
  const declared = request.headers.get('content-length');
  const withinLimit = declared !== null ? Number(declared) <= MCP_BODY_LIMIT : await drainWithinLimit(request, MCP_BODY_LIMIT);
  return withinLimit ? null : mcpRefusalResponse({ kind: 'body_too_large' }, services.config);
}
