import { z } from 'zod';
import { checkKeySource } from '@/lib/dashboard/keySourceCheck';
import { answerServerCheck } from '@/lib/dashboard/serverCheck';
import { notAllowedExcept } from '@/lib/http/methods';
import { observe } from '@/lib/observability/context';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** The deployment check's key-source step (`lib/dashboard/keySourceCheck.ts`). */
export const POST = observe(async (request: Request): Promise<Response> => {
  const services = await getServices();
  return answerServerCheck(request, services, { input: z.object({}), run: () => checkKeySource(services.keys) });
});

const notAllowed = notAllowedExcept('POST');

export { notAllowed as GET, notAllowed as PUT, notAllowed as DELETE, notAllowed as PATCH };
