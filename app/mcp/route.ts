import { getBackend } from '@/lib/mcp/backends';
import { serveMcp } from '@/lib/mcp/endpoint';
import { observe } from '@/lib/observability/context';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';
/**
 * Seconds a Vercel function may run: a forwarded SSE answer (a long tool call, a session's GET
 * stream) lives as long as the function does. 300 s is every plan's ceiling with Fluid compute
 * (Pro and Enterprise allow up to 800); see docs/upstream.md.
 */
export const maxDuration = 300;

const handle = observe(async (request: Request): Promise<Response> =>
  serveMcp(request, await getServices(), await getBackend()),
);

export { handle as POST, handle as GET, handle as DELETE, handle as HEAD, handle as OPTIONS };
