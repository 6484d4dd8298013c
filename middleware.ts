/**
 * The gate in front of `/mcp`: rejects early with the right 401 and applies the limit. It is not
 * the only wall: the route verifies again and takes the identity from its own verification
 * (CVE-2025-29927 showed middleware can be skipped).
 */
import { NextResponse, type NextRequest } from 'next/server';
import { drainWithinLimit } from '@/lib/http/body';
import { MCP_CORS_HEADERS } from '@/lib/http/cors';
import { bodyTooLargeResponse, MCP_BODY_LIMIT } from '@/lib/mcp/limits';
import { mcpGate } from '@/lib/mcp/gate';
import { observe, requestIdForRoute } from '@/lib/observability/context';
import { getServices } from '@/lib/services';

export const middleware = observe(async (request: NextRequest): Promise<Response> => {
  const refused = await mcpGate(request, await getServices());
  if (refused) return refused;
  // Next gives middleware a clone of the body; the route's copy is complete only once the clone
  // has been read to its end (otherwise large bodies reach the route half-read). Draining it here
  // also refuses an oversized body before the route buffers any of it.
  if (!(await drainWithinLimit(request, MCP_BODY_LIMIT))) return bodyTooLargeResponse(MCP_CORS_HEADERS);
  // When this wall logged under an id it made, the route logs under the same one.
  const headers = requestIdForRoute(request);
  return headers ? NextResponse.next({ request: { headers } }) : NextResponse.next();
});

export const config = {
  matcher: ['/mcp'],
};
