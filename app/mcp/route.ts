import { getBackend } from '@/lib/mcp/backends';
import { serveMcp } from '@/lib/mcp/endpoint';
import { observe } from '@/lib/observability/context';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

const handle = observe(async (request: Request): Promise<Response> => serveMcp(request, await getServices(), await getBackend()));

export { handle as POST, handle as GET, handle as DELETE, handle as HEAD, handle as OPTIONS };
