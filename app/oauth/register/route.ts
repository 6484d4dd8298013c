import { preflightResponse } from '@/lib/http/cors';
import { notAllowedExcept } from '@/lib/http/methods';
import { handleRegistrationRequest } from '@/lib/oauth/register';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  return handleRegistrationRequest(request, await getServices());
}

export function OPTIONS(request: Request): Response {
  return preflightResponse(request, ['POST', 'OPTIONS']);
}

const notAllowed = notAllowedExcept('POST');

export { notAllowed as GET, notAllowed as PUT, notAllowed as DELETE, notAllowed as PATCH };
