import { handleRevocationRequest } from '@/lib/oauth/revoke';
import { notAllowedExcept } from '@/lib/http/methods';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  return handleRevocationRequest(request, await getServices());
}

const notAllowed = notAllowedExcept('POST');

export { notAllowed as GET, notAllowed as PUT, notAllowed as DELETE, notAllowed as PATCH };
