import { getBackend } from '@/lib/mcp/backends';
import { countsReport } from '@/lib/observability/counts';
import { observe } from '@/lib/observability/context';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

/**
 * Liveness, which limiter backs this instance, which backend serves /mcp, and this instance's
 * event counts since it started (codes and numbers only; see docs/observability.md). Nothing secret.
 */
export const GET = observe(async (): Promise<Response> => {
  const [{ config, limiter, keys }, backend] = await Promise.all([getServices(), getBackend()]);
  return Response.json(
    {
      status: 'ok',
      version: config.version,
      limiter: limiter.backend,
      ...keys.health(),
      issuer: config.issuer,
      ...(await backend.health()),
      events: countsReport(),
    },
    { headers: { 'Cache-Control': 'no-store' } },
  );
});
