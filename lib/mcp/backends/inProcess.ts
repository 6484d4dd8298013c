/**
 * The in-process backend: the gateway's own tools (`whoami` and the operator's `tools/index.ts`)
 * on the official SDK, stateless, serving both the 2026-07-28 protocol (`server/discover`, through
 * the SDK's web-standard handler) and the 2025-era `initialize` handshake (`serveLegacy`).
 */
import {
  createMcpHandler,
  isJsonContentType,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
  type McpHandlerRequestOptions,
} from '@modelcontextprotocol/server';
import { tools as operatorTools } from '../../../tools';
import { readLimitedText } from '../../http/readBody';
import { accessOf } from '../../tokens/access';
import { isReadOnlyTool, readOnlyVerdict, type ToolAccessSettings } from '../readOnly';
import { MCP_CORS_HEADERS } from '../../http/cors';
import { emit } from '../../observability/log';
import { answered, refused, type McpBackend } from '../backend';
import type { Identity } from '../identity';
import { createMcpServer } from '../server';
import { whoami, type Tool } from '../defineTool';
import { canonicalAccept, MCP_BODY_LIMIT } from '../transport';

/** `{ parsedBody }` exactly when the SDK's own reading would yield one (non-empty, valid JSON). */
function parsedJson(body: string): { parsedBody?: unknown } {
  if (body.length === 0) return {};
  try {
    return { parsedBody: JSON.parse(body) as unknown };
  } catch {
    return {};
  }
}

/** Whether a JSON-RPC request asked for progress notifications (`params._meta.progressToken`). */
function asksForProgress(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const params = (message as { params?: unknown }).params;
  if (typeof params !== 'object' || params === null) return false;
  const meta = (params as { _meta?: unknown })._meta;
  return typeof meta === 'object' && meta !== null && 'progressToken' in meta;
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

export function createToolsBackend(
  tools: readonly Tool[] = [whoami, ...operatorTools],
  toolAccess: ToolAccessSettings = { readOnlyTools: [], writeTools: [] },
): McpBackend {
  const readOnlyTool = (tool: Tool) => isReadOnlyTool(tool.name, tool.readOnlyHint, toolAccess);
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  /** What this identity may call: everything with full access, the read-only tools otherwise. */
  const mayCallFor = (identity: Identity) =>
    accessOf(identity.scopes) === 'full' ? () => true : (tool: Tool) => readOnlyTool(tool);

  // The identity of each request in flight, keyed by the Request the SDK hands back to the
  // factory: typed end to end, nothing packed into the SDK's AuthInfo.
  const identities = new WeakMap<Request, Identity>();

  /**
   * The 2026-07-28 leg. 2025-era requests never reach it: `serve` routes them to `serveLegacy`
   * with the SDK's own predicate, so `'reject'` here only names who serves them.
   */
  const modern = createMcpHandler(
    (ctx) => {
      const identity = ctx.requestInfo ? identities.get(ctx.requestInfo) : undefined;
      // Unreachable through `serve`, which records the identity before calling the handler.
      if (!identity) throw new TypeError('MCP server built without a verified identity');
      return createMcpServer(identity, tools, mayCallFor(identity));
    },
    { legacy: 'reject', maxRequestBodySize: MCP_BODY_LIMIT, onerror: (error) => console.error('[mcp]', error.message) },
  );

  /**
   * The 2025-era leg: a fresh server and stateless transport per request, as the SDK's own
   * stateless fallback builds them. The answer is one JSON body unless the request asked for
   * progress, which needs an SSE stream to carry the notifications before the result (both are
   * Streamable HTTP; every client must accept either).
   */
  async function serveLegacy(
    request: Request,
    identity: Identity,
    options: McpHandlerRequestOptions,
  ): Promise<Response> {
    const server = createMcpServer(identity, tools, mayCallFor(identity));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: !asksForProgress(options.parsedBody),
      maxRequestBodySize: MCP_BODY_LIMIT,
    });
    await server.connect(transport);
    // Closing the server closes its transport and aborts a tool still running for a gone client.
    const teardown = () => void server.close().catch(() => {});
    request.signal.addEventListener('abort', teardown, { once: true });
    const response = await transport.handleRequest(request, options);
    if (response.body === null || response.headers.get('content-type')?.startsWith('application/json')) {
      request.signal.removeEventListener('abort', teardown);
      teardown();
      return response;
    }
    // A stream: close the server once the client has read it to its end (or gone away).
    const closing = new TransformStream<Uint8Array, Uint8Array>({ flush: teardown });
    return new Response(response.body.pipeThrough(closing), { status: response.status, headers: response.headers });
  }

  return {
    kind: 'tools',
    methods: ['POST'],
    health: async () => ({ backend: 'tools' }),
    async serve(request, identity) {
      const read = await readLimitedText(request, MCP_BODY_LIMIT);
      if (!read.ok) {
        if (read.reason === 'too_large') return refused({ kind: 'body_too_large' });
        if (read.reason === 'aborted') return refused({ kind: 'client_aborted' });
        return refused({ kind: 'bad_request', code: -32700, message: 'Parse error: body is not valid UTF-8.' });
      }
      const body = read.value;
      // The body is already read and size-checked; handing the SDK its parse spares a clone, a
      // second read and a second parse per request. Only a body the SDK would itself have parsed
      // to a value is passed, so an empty or malformed body still takes the SDK's own error path.
      const options: McpHandlerRequestOptions = parsedJson(body);
      if (accessOf(identity.scopes) !== 'full') {
        const message = 'parsedBody' in options ? options.parsedBody : undefined;
        const verdict = await readOnlyVerdict(message, request.headers, async (name) => {
          const tool = byName.get(name);
          return tool !== undefined && readOnlyTool(tool);
        });
        if (!verdict.ok) {
          return verdict.kind === 'header_mismatch'
            ? refused({ kind: 'bad_request', code: -32600, message: verdict.message })
            : refused({ kind: 'read_only', method: verdict.method, ...(verdict.tool && { tool: verdict.tool }) });
        }
      }
      const accept = canonicalAccept(request.headers.get('accept')) ?? request.headers.get('accept');

      const headers = new Headers(request.headers);
      if (accept !== null) headers.set('accept', accept);
      // The stateless legacy leg must never see a session id it did not issue.
      headers.delete('mcp-session-id');
      const forwarded = new Request(request.url, { method: 'POST', headers, body, signal: request.signal });
      identities.set(forwarded, identity);
      try {
        // The SDK handler answers a wrong Content-Type (415) before routing by era; so does this.
        const legacy =
          isJsonContentType(forwarded.headers.get('content-type')) &&
          (await isLegacyRequest(forwarded, options.parsedBody, { maxRequestBodySize: MCP_BODY_LIMIT }));
        const response = legacy
          ? await serveLegacy(forwarded, identity, options)
          : await modern.fetch(forwarded, options);
        return answered(withCors(response));
      } catch (error) {
        emit('mcp', 'server_error', { fingerprint: identity.fingerprint }, error);
        return refused({ kind: 'internal' });
      }
    },
  };
}
