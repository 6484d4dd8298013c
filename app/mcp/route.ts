import { getBackend } from '@/lib/mcp/backends';
import { serveMcp } from '@/lib/mcp/endpoint';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

async function handle(request: Request): Promise<Response> {
  return serveMcp(request, await getServices(), await getBackend());
}

export { handle as POST, handle as GET, handle as DELETE, handle as HEAD, handle as OPTIONS };
