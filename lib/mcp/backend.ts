/**
 * What `/mcp` hands a verified request to. Exactly one backend is chosen from configuration at
 * start (`lib/services.ts`): the in-process tools (`backends/tools.ts`) or, when
 * `MCP_UPSTREAM_URL` is set, the upstream forwarder. The route has already authenticated the
 * request (both walls), applied CORS preflight and the method guard; the body is still unread.
 */
import type { Identity } from './identity';

export type McpMethod = 'POST' | 'GET' | 'DELETE';

export interface McpBackend {
  readonly kind: 'tools' | 'upstream';
  /** The HTTP methods this backend serves; any other gets 405 with `Allow` before `serve`. */
  readonly methods: readonly McpMethod[];
  /**
   * Answers one verified request. Never throws for bad input: a malformed body is a JSON-RPC
   * error response. The identity comes from the route's own verification, never from a header.
   */
  serve(request: Request, identity: Identity): Promise<Response>;
}
