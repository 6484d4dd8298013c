/**
 * The client's IP for per-IP limits. On Vercel the edge overwrites `x-real-ip` and
 * `x-forwarded-for` with the address it saw, so a client cannot spoof them there; anywhere else
 * those headers are client-controlled, and the socket address is not visible to web-standard
 * handlers, so all requests share one bucket unless the operator's proxy is trusted explicitly.
 */
import type { Config } from '../config';

export function clientIp(request: Request, config: Pick<Config, 'trustProxyHeaders'>): string {
  if (!config.trustProxyHeaders) return 'direct';
  const real = request.headers.get('x-real-ip')?.trim();
  if (real) return real;
  const first = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return first || 'unknown';
}
