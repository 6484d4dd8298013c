import { methodNotAllowed } from '@/lib/http/methods';
import { handleRevocationRequest } from '@/lib/oauth/revoke';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  return handleRevocationRequest(request, await getServices());
}

function notAllowed(): Response {
  return methodNotAllowed(['POST']);
}

export { notAllowed as GET, notAllowed as PUT, notAllowed as DELETE, notAllowed as PATCH };
