/**
 * The `/mcp` endpoint: the second wall (verify again, take the identity from this verification
 * only), then the SDK's web-standard handler, stateless, serving both the 2026-07-28 protocol
 * (`server/discover`) and the 2025-era `initialize` handshake.
 */
import { createMcpHandler } from '@modelcontextprotocol/server';
import { BodyEncodingError, BodyTooLargeError, readLimitedText } from '../http/body';
import { MCP_CORS_HEADERS, preflightResponse } from '../http/cors';
import { methodNotAllowed } from '../http/methods';
import type { Services } from '../services';
import { rebindingGuardResponse, requireMcpIdentity } from './auth';
import type { Identity } from './identity';
import { createMcpServer } from './server';
import { bodyTooLargeResponse, jsonRpcError, MCP_BODY_LIMIT } from './limits';

const ALLOWED_METHODS = ['POST', 'OPTIONS'] as const;

const handler = createMcpHandler(
  (ctx) => {
    const identity = ctx.authInfo?.extra?.identity as Identity | undefined;
    // Unreachable through `serveMcp`, which always passes the identity it verified.
    if (!identity) throw new TypeError('MCP server built without a verified identity');
    return createMcpServer(identity);
  },
  {
    legacy: 'stateless',
    maxRequestBodySize: MCP_BODY_LIMIT,
    onerror: (error) => console.error('[mcp]', error.message),
  },
);

function withCors(response: Response): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(MCP_CORS_HEADERS)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Streamable HTTP asks clients to accept both JSON and SSE; claude.ai sends a wildcard `Accept` and
 * some clients none at all. Both are served, so the SDK sees the canonical header.
 */
function canonicalAccept(accept: string | null): string | null {
  if (accept === null || accept.trim() === '' || /(^|,)\s*\*\/\*/.test(accept)) return 'application/json, text/event-stream';
  return null;
}

async function authenticate(request: Request, services: Services): Promise<Identity | Response> {
  return rebindingGuardResponse(request, services.config) ?? (await requireMcpIdentity(request, services));
}

/** Serves one `/mcp` request of any method. */
export async function serveMcp(request: Request, services: Services): Promise<Response> {
  if (request.method === 'OPTIONS') return preflightResponse(request, ALLOWED_METHODS);
  const identity = await authenticate(request, services);
  if (identity instanceof Response) return identity;
  if (request.method !== 'POST') {
    const response = methodNotAllowed(ALLOWED_METHODS, MCP_CORS_HEADERS);
    return request.method === 'HEAD' ? new Response(null, { status: response.status, headers: response.headers }) : response;
  }

  let body: string;
  try {
    body = await readLimitedText(request, MCP_BODY_LIMIT);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return bodyTooLargeResponse(MCP_CORS_HEADERS);
    if (error instanceof BodyEncodingError) return jsonRpcError(400, -32700, 'Parse error: body is not valid UTF-8.', MCP_CORS_HEADERS);
    throw error;
  }
  const headers = new Headers(request.headers);
  const accept = canonicalAccept(headers.get('accept'));
  if (accept) headers.set('accept', accept);
  // The SDK's stateless legacy leg must never see a session id it did not issue.
  headers.delete('mcp-session-id');
  const forwarded = new Request(request.url, { method: 'POST', headers, body, signal: request.signal });

  try {
    const response = await handler.fetch(forwarded, {
      authInfo: {
        token: '', // the SDK passes this to handlers; tools need the identity, never the token
        clientId: identity.clientId,
        scopes: [...identity.scopes],
        expiresAt: identity.expiresAt ?? undefined,
        resource: new URL(services.config.resource),
        extra: { identity },
      },
    });
    return withCors(response);
  } catch (error) {
    console.error('[mcp] handler failed:', error instanceof Error ? error.stack ?? error.message : error);
    return jsonRpcError(500, -32603, 'Internal error.', MCP_CORS_HEADERS);
  }
}
