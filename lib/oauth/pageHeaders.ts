/**
 * Headers of every page and response of the authorization flow: never cached (RFC 6749 §5.1 for
 * the codes in redirects), never framed (clickjacking), no referrer (the URL carries `state`).
 * Dependency-free: next.config.ts applies the same headers to the React consent page.
 */
export const AUTHORIZATION_PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
} as const;
