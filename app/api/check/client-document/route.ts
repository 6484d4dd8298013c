import { answerServerCheck } from '@/lib/dashboard/serverCheck';
import { notAllowedExcept } from '@/lib/http/methods';
import { checkClientDocument, DocumentCheckInput } from '@/lib/oauth/cimd/check';
import { observe } from '@/lib/observability/context';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** The deployment check's client-document step (`lib/oauth/cimd/check.ts`). */
export const POST = observe(async (request: Request): Promise<Response> => {
  const services = await getServices();
  return answerServerCheck(request, services, {
    input: DocumentCheckInput,
    run: ({ client_id }) => checkClientDocument(client_id, services.config),
  });
});

const notAllowed = notAllowedExcept('POST');

export { notAllowed as GET, notAllowed as PUT, notAllowed as DELETE, notAllowed as PATCH };
