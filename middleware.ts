/**
 * The gate in front of `/mcp`: rejects early with the right 401 and applies the limit. It is not
 * the only wall: the route verifies again and takes the identity from its own verification
 * (CVE-2025-29927 showed middleware can be skipped).
 */
import { NextResponse, type NextRequest } from 'next/server';
import { mcpGate } from '@/lib/mcp/gate';
import { getServices } from '@/lib/services';

export async function middleware(request: NextRequest): Promise<Response> {
  return (await mcpGate(request, await getServices())) ?? NextResponse.next();
}

export const config = {
  matcher: ['/mcp'],
  runtime: 'nodejs',
};
