import { notAllowedExcept } from '@/lib/http/methods';
import { handleAuthorizationRequest } from '@/lib/oauth/authorize';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  return handleAuthorizationRequest(request, await getServices());
}

const notAllowed = notAllowedExcept('GET');

export { notAllowed as POST, notAllowed as PUT, notAllowed as DELETE, notAllowed as PATCH };
