/**
 * CORS for endpoints that browser-based MCP clients call. Never with credentials: every
 * credential here travels in a header the page sets itself, so `*` gives an attacker nothing.
 */

export const MCP_CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers':
    'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Request-Id',
} as const;

const MAX_AGE = '86400';

/** A preflight answer allowing `methods` and whatever request headers were asked for. */
export function preflightResponse(request: Request, methods: readonly string[]): Response {
  const asked = request.headers.get('access-control-request-headers');
  return new Response(null, {
    status: 204,
    headers: {
      ...MCP_CORS_HEADERS,
      'Access-Control-Allow-Methods': methods.join(', '),
      'Access-Control-Allow-Headers':
        asked && /^[\w\-, ]{1,1024}$/.test(asked)
          ? asked
          : 'Authorization, Content-Type, X-API-Key, Mcp-Protocol-Version',
      'Access-Control-Max-Age': MAX_AGE,
      Allow: methods.join(', '),
    },
  });
}

export function discoveryOptions(request: Request): Response {
  return preflightResponse(request, ['GET', 'OPTIONS']);
}
