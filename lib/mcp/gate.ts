/**
 * The first wall in front of `/mcp` (run by `middleware.ts`): authenticate, counting wrong API
 * keys against their address, then apply the per-fingerprint limit. It forwards nothing: the route
 * authenticates again on its own (CVE-2025-29927 showed middleware can be skipped).
 */
import type { Services } from '../services';
import { authenticateMcpRequest, mcpTooManyRequestsResponse } from './authenticate';

let lastOutageLog = 0;
const OUTAGE_LOG_INTERVAL_MS = 60_000;

function logOutageOnce(): void {
  const now = Date.now();
  if (now - lastOutageLog > OUTAGE_LOG_INTERVAL_MS) {
    lastOutageLog = now;
    console.warn('[mcp] rate limiter unavailable: allowing verified requests without a limit');
  }
}

/** `null` lets the request through to the route; a `Response` answers it here. */
export async function mcpGate(request: Request, services: Services): Promise<Response | null> {
  if (request.method === 'OPTIONS') return null;
  const identity = await authenticateMcpRequest(request, services, { countFailures: true });
  if (identity instanceof Response) return identity;

  const decision = await services.limiter.count('mcp', identity.fingerprint);
  if (decision.outcome === 'limited') return mcpTooManyRequestsResponse(decision);
  // A verified caller is let through when the limiter cannot answer; logged once per interval.
  if (decision.outcome === 'unavailable') logOutageOnce();
  return null;
}
