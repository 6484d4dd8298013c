/**
 * The `/mcp` endpoint: the second wall (verify again, take the identity from this verification
 * only), then the SDK, stateless, serving both the 2026-07-28 protocol (`server/discover`, through
 * the SDK's web-standard handler) and the 2025-era `initialize` handshake (`serveLegacy`).
 */
import {
  createMcpHandler,
  isJsonContentType,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
  type McpHandlerRequestOptions,
} from '@modelcontextprotocol/server';
import { BodyEncodingError, BodyTooLargeError, readLimitedText } from '../http/body';
import { MCP_CORS_HEADERS, preflightResponse } from '../http/cors';
import { methodNotAllowed } from '../http/methods';
import { emit } from '../observability/log';
import { withRequestIdInJsonError } from '../observability/errorBody';
import type { Services } from '../services';
import { rebindingGuardResponse, requireMcpIdentity } from './auth';
import type { Identity } from './identity';
import { createMcpServer } from './server';
import { bodyTooLargeResponse, jsonRpcError, MCP_BODY_LIMIT } from './limits';

const ALLOWED_METHODS = ['POST', 'OPTIONS'] as const;

/**
 * The 2026-07-28 leg. 2025-era requests never reach it: `serveMcp` routes them to `serveLegacy`
 * with the SDK's own predicate, so `'reject'` here only names who serves them.
 */
const modern = createMcpHandler(
  (ctx) => {
    const identity = ctx.authInfo?.extra?.identity as Identity | undefined;
    // Unreachable through `serveMcp`, which always passes the identity it verified.
    if (!identity) throw new TypeError('MCP server built without a verified identity');
    return createMcpServer(identity);
  },
  {
    legacy: 'reject',
    maxRequestBodySize: MCP_BODY_LIMIT,
    onerror: (error) => console.error('[mcp]', error.message),
  },
);

/**
 * The 2025-era leg: a fresh server and stateless transport per request, as the SDK's own stateless
 * fallback builds them, except that the answer is one JSON body instead of an SSE stream carrying
 * one event (both are Streamable HTTP; every client must accept either). The tools get no way to
 * send progress or log notifications, so a stream would never carry more than the result.
 */
async function serveLegacy(request: Request, identity: Identity, options: McpHandlerRequestOptions): Promise<Response> {
  const server = createMcpServer(identity);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true, maxRequestBodySize: MCP_BODY_LIMIT });
  await server.connect(transport);
  // Closing the server closes its transport and aborts a tool still running for a gone client.
  const teardown = () => void server.close().catch(() => {});
  request.signal.addEventListener('abort', teardown, { once: true });
  try {
    return await transport.handleRequest(request, options);
  } finally {
    request.signal.removeEventListener('abort', teardown);
    teardown();
  }
}

/** The SDK's responses are built here, so their headers are mutable; any other is copied. */
function withCors(response: Response): Response {
  try {
    for (const [name, value] of Object.entries(MCP_CORS_HEADERS)) response.headers.set(name, value);
    return response;
  } catch {
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(MCP_CORS_HEADERS)) headers.set(name, value);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

/**
 * Streamable HTTP asks clients to accept both JSON and SSE; claude.ai sends a wildcard `Accept` and
 * some clients none at all. Both are served, so the SDK sees the canonical header.
 */
function canonicalAccept(accept: string | null): string | null {
  if (accept === null || accept.trim() === '' || /(^|,)\s*\*\/\*/.test(accept)) return 'application/json, text/event-stream';
  return null;
}

/** `{ parsedBody }` exactly when the SDK's own reading would yield one (non-empty, valid JSON). */
function parsedJson(body: string): { parsedBody?: unknown } {
  if (body.length === 0) return {};
  try {
    return { parsedBody: JSON.parse(body) as unknown };
  } catch {
    return {};
  }
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

  // Counted, never logged (docs/observability.md): a line per tool call would swamp the logs.
  emit('mcp', 'served');
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
  // The stateless legacy leg must never see a session id it did not issue.
  headers.delete('mcp-session-id');
  const forwarded = new Request(request.url, { method: 'POST', headers, body, signal: request.signal });

  // The body is already read and size-checked; handing the SDK its parse spares a clone, a second
  // read and a second parse per request. Only a body the SDK would itself have parsed to a value is
  // passed, so an empty or malformed body still takes the SDK's own error path.
  const options: McpHandlerRequestOptions = {
    ...parsedJson(body),
    authInfo: {
      token: '', // the SDK passes this to handlers; tools need the identity, never the token
      clientId: identity.clientId,
      scopes: [...identity.scopes],
      expiresAt: identity.expiresAt ?? undefined,
      resource: new URL(services.config.resource),
      extra: { identity },
    },
  };
  try {
    // The SDK handler answers a wrong Content-Type (415) before routing by era; so does this.
    const legacy =
      isJsonContentType(forwarded.headers.get('content-type')) &&
      (await isLegacyRequest(forwarded, options.parsedBody, { maxRequestBodySize: MCP_BODY_LIMIT }));
    const response = legacy ? await serveLegacy(forwarded, identity, options) : await modern.fetch(forwarded, options);
    // The SDK's own refusals (406, 415, a JSON-RPC parse error) get the request id like ours.
    return withCors(response.status >= 400 ? await withRequestIdInJsonError(response) : response);
  } catch (error) {
    emit('mcp', 'server_error', { fingerprint: identity.fingerprint }, error);
    return jsonRpcError(500, -32603, 'Internal error.', MCP_CORS_HEADERS);
  }
}
