import { getBackend } from '@/lib/mcp/backends';
import { getServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Liveness, which limiter backs this instance and which backend serves /mcp; nothing secret. */
export async function GET(): Promise<Response> {
  const [{ config, limiter }, backend] = await Promise.all([getServices(), getBackend()]);
  return Response.json(
    { status: 'ok', version: config.version, limiter: limiter.backend, issuer: config.issuer, ...(await backend.health()) },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}
