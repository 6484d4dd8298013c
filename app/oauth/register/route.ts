import { preflightResponse } from '@/lib/http/cors';
import { notAllowedExcept } from '@/lib/http/methods';
import { handleRegistrationRequest } from '@/lib/oauth/register';
import { observe } from '@/lib/observability/context';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const POST = observe(async (request: Request): Promise<Response> =>
  handleRegistrationRequest(request, await getServices()),
);

export const OPTIONS = observe((request: Request) => preflightResponse(request, ['POST', 'OPTIONS']));

const notAllowed = notAllowedExcept('POST');

export { notAllowed as GET, notAllowed as PUT, notAllowed as DELETE, notAllowed as PATCH };
