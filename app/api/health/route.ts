import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Liveness and which limiter backs this instance; nothing secret. */
export async function GET(): Promise<Response> {
  const { config, limiter } = await getServices();
  return Response.json(
    { status: 'ok', version: config.version, limiter: limiter.backend, issuer: config.issuer },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}
