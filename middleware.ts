/**
 * The gate in front of `/mcp`: rejects early with the right 401 and applies the limit. It is not
 * the only wall: the route authenticates again and takes the identity from its own verification
 * (CVE-2025-29927 showed middleware can be skipped).
 */
import { NextResponse, type NextRequest } from 'next/server';
import { drainWithinLimit } from '@/lib/http/body';
import { MCP_CORS_HEADERS } from '@/lib/http/cors';
import { mcpGate } from '@/lib/mcp/gate';
import { bodyTooLargeResponse, MCP_BODY_LIMIT } from '@/lib/mcp/wire';
import { getServices } from '@/lib/services';

export async function middleware(request: NextRequest): Promise<Response> {
  const refused = await mcpGate(request, await getServices());
  if (refused) return refused;
  // Next gives middleware a clone of the body; the route's copy is complete only once the clone
  // has been read to its end (otherwise large bodies reach the route half-read). Draining it here
  // also refuses an oversized body before the route buffers any of it.
  if (!(await drainWithinLimit(request, MCP_BODY_LIMIT))) return bodyTooLargeResponse(MCP_CORS_HEADERS);
  return NextResponse.next();
}

export const config = {
  matcher: ['/mcp'],
};
