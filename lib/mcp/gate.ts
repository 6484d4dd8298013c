/**
 * The first wall in front of `/mcp` (run by `middleware.ts`): refuse early with the right 401 and
 * apply the per-fingerprint limit. It forwards nothing: the route verifies again on its own.
 */
import { MCP_CORS_HEADERS } from '../http/cors';
import { rateLimitHeaders } from '../http/rateLimited';
import type { Services } from '../services';
import { rebindingGuardResponse, requireMcpIdentity } from './auth';

let lastOutageLog = 0;
const OUTAGE_LOG_INTERVAL_MS = 60_000;

/** `null` lets the request through to the route; a `Response` answers it here. */
export async function mcpGate(request: Request, services: Services): Promise<Response | null> {
  if (request.method === 'OPTIONS') return null;
  const rebinding = rebindingGuardResponse(request, services.config);
  if (rebinding) return rebinding;
  const identity = await requireMcpIdentity(request, services);
  if (identity instanceof Response) return identity;

  const decision = await services.limiter.hit('mcp', identity.fingerprint);
  if (decision.outcome === 'limited') {
    return new Response(
      JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: `Rate limit exceeded; retry in ${decision.retryAfterSeconds} s.` } }),
      { status: 429, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...MCP_CORS_HEADERS, ...rateLimitHeaders(decision) } },
    );
  }
  if (decision.outcome === 'unavailable') {
    // A verified caller is let through when the limiter cannot answer; logged once per interval.
    const now = Date.now();
    if (now - lastOutageLog > OUTAGE_LOG_INTERVAL_MS) {
      lastOutageLog = now;
      console.warn('[mcp] rate limiter unavailable: allowing verified requests without a limit');
    }
  }
  return null;
}
