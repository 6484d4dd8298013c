import { notAllowedExcept } from '@/lib/http/methods';
import { handleRevocationRequest } from '@/lib/oauth/revoke';
import { observe } from '@/lib/observability/context';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const POST = observe(async (request: Request): Promise<Response> =>
  handleRevocationRequest(request, await getServices()),
);

const notAllowed = notAllowedExcept('POST');

export { notAllowed as GET, notAllowed as PUT, notAllowed as DELETE, notAllowed as PATCH };
