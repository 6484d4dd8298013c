import { notAllowedExcept } from '@/lib/http/methods';
import { handleAuthorizationRequest } from '@/lib/oauth/authorize';
import { observe } from '@/lib/observability/context';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const GET = observe(async (request: Request): Promise<Response> =>
  handleAuthorizationRequest(request, await getServices()),
);

const notAllowed = notAllowedExcept('GET');

export { notAllowed as POST, notAllowed as PUT, notAllowed as DELETE, notAllowed as PATCH };
