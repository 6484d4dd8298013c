import { notAllowedExcept } from '@/lib/http/methods';
import { handleConsentSubmission } from '@/lib/oauth/consent';
import { observe } from '@/lib/observability/context';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const POST = observe(async (request: Request): Promise<Response> =>
  handleConsentSubmission(request, await getServices()),
);

const notAllowed = notAllowedExcept('POST');

export { notAllowed as GET, notAllowed as PUT, notAllowed as DELETE, notAllowed as PATCH };
