/** `PUBLIC_URL` (or Vercel's own names for it): the issuer, and the origin every URL we publish starts with. */
import { isLoopbackHost } from '../url/loopback';
import { ConfigError, parseUrl, trimmed, type Env } from './settings';

export type Mode = 'production' | 'development';

export type PublicUrlSettings = {
  /** External origin without a trailing slash; the issuer. */
  readonly publicUrl: string;
  readonly issuer: string;
  /** `publicUrl`'s host (with port), lowercase; and whether it is a loopback host (local runs). */
  readonly publicHost: string;
  readonly publicUrlIsLoopback: boolean;
  /** The protected resource: `publicUrl + '/mcp'` (RFC 8707 / RFC 9728). */
  readonly resource: string;
  /** RFC 9728 §3.1: the metadata URL for the `/mcp` resource. */
  readonly resourceMetadataUrl: string;
};

function publicOrigin(env: Env, mode: Mode): string {
  let raw = trimmed(env.PUBLIC_URL);
  if (!raw && env.VERCEL) {
    // Vercel: the stable production domain in production, the deployment's own URL in previews.
    const host = env.VERCEL_ENV === 'production' ? env.VERCEL_PROJECT_PRODUCTION_URL : env.VERCEL_URL;
    if (host) raw = `https://${host}`;
  }
  if (!raw) {
    if (mode === 'production')
      throw new ConfigError('PUBLIC_URL is required in production (e.g. https://mcp.example.com)');
    raw = `http://localhost:${trimmed(env.PORT) ?? '3000'}`;
  }
  const url = parseUrl(raw);
  if (!url) throw new ConfigError('PUBLIC_URL must be an absolute URL such as https://mcp.example.com');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('PUBLIC_URL must use https');
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new ConfigError('PUBLIC_URL must be an origin only, with no path, query or fragment');
  }
  if (mode === 'production' && url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError('PUBLIC_URL must use https in production (http is allowed only for loopback hosts)');
  }
  return url.origin;
}

export function publicUrlSettings(env: Env, mode: Mode): PublicUrlSettings {
  const publicUrl = publicOrigin(env, mode);
  const url = new URL(publicUrl);
  return {
    publicUrl,
    issuer: publicUrl,
    publicHost: url.host,
    publicUrlIsLoopback: isLoopbackHost(url.hostname),
    resource: `${publicUrl}/mcp`,
    resourceMetadataUrl: `${publicUrl}/.well-known/oauth-protected-resource/mcp`,
  };
}
