/**
 * What the authorization flow sends the user's browser back to the client with: the redirect URI
 * with the response parameters and `iss` (RFC 9207), as a 302 or 303 with the authorization pages'
 * headers.
 */
import type { Config } from '../config';
import { AUTHORIZATION_PAGE_HEADERS } from './pageHeaders';

/**
 * `redirectUri` with `params` and `iss` appended to its query (RFC 9207 §2), keeping the query the
 * client registered as it is.
 */
export function authorizationResponseUrl(
  redirectUri: string,
  params: Record<string, string | undefined>,
  config: Pick<Config, 'issuer'>,
): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, value);
  query.set('iss', config.issuer);
  const separator = redirectUri.includes('?') ? (/[?&]$/.test(redirectUri) ? '' : '&') : '?';
  return `${redirectUri}${separator}${query.toString()}`;
}

/** 302 to the client (never 307: that would re-POST to the callback after a form submission). */
export function redirectResponse(location: string, status: 302 | 303 = 302): Response {
  return new Response(null, { status, headers: { ...AUTHORIZATION_PAGE_HEADERS, Location: location } });
}
