/**
 * The gate in front of `/mcp`: rejects early with the right 401 and applies the limit. It is not
 * the only wall: the route authenticates again and takes the identity from its own verification
 * (CVE-2025-29927 showed middleware can be skipped).
 *
 * Node runtime. The gate (`lib/mcp/gate.ts`) also holds the body limit: it reads every body to its
 * end within 1 MiB (one declaring more is refused by its length) before the route sees it. Next
 * 15.5's Node middleware tees the body and does not await the tee's end before the route reads it
 * (`getCloneableBody` in next/dist/server/body-streams.js, `finalize()` not awaited), so a large
 * chunked body could otherwise reach the route mid-flow, and a client gone mid-body would reach it
 * as a torn stream. That same unawaited `finalize()` is why `quietClientDisconnects` runs here.
 *
 * It also runs for the two React pages, only to give them a request id.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { mcpGate } from '@/lib/mcp/gate';
import { quietClientDisconnects } from '@/lib/observability/clientDisconnects';
import { observe, requestIdForPage, requestIdForRoute } from '@/lib/observability/context';
import { REQUEST_ID_HEADER } from '@/lib/observability/requestId';
import { getServices } from '@/lib/services';

const PAGES: ReadonlySet<string> = new Set(['/', '/oauth/authorize/consent']);

function isPage(pathname: string): boolean {
  return PAGES.has(pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname);
}

export const middleware = observe(
  async (request: NextRequest): Promise<Response> => {
    quietClientDisconnects();
    // The matcher's pages: React pages have no handler to wrap, so their request id is named here,
    // on the response and for the page's own events (`inPageContext`). Only they skip the gate:
    // every other path the matcher lets in (`/mcp/`, other spellings) is gated as `/mcp`.
    if (isPage(request.nextUrl.pathname)) {
      const { headers, requestId } = requestIdForPage(request);
      return NextResponse.next({ request: { headers }, headers: { [REQUEST_ID_HEADER]: requestId } });
    }
    const refused = await mcpGate(request, await getServices());
    if (refused) return refused;
    // When this wall logged under an id it made, the route logs under the same one.
    const headers = requestIdForRoute(request);
    return headers ? NextResponse.next({ request: { headers } }) : NextResponse.next();
  },
  { middleware: true },
);

export const config = {
  matcher: ['/mcp', '/', '/oauth/authorize/consent'],
  runtime: 'nodejs',
};
