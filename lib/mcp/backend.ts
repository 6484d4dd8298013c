/**
 * What `/mcp` hands a verified request to. Exactly one backend is chosen from configuration once
 * per process (`createBackend` in `backends/index.ts`): the in-process tools (`backends/inProcess.ts`)
 * or, when `MCP_UPSTREAM_URL` is set, the upstream forwarder (`backends/upstream.ts`). The route has already authenticated the
 * request (both walls), applied CORS preflight and the method guard; the body is still unread.
 */
import type { Identity } from './identity';

export type McpMethod = 'POST' | 'GET' | 'DELETE';

/** What `/api/health` says about the backend: never an address beyond the upstream's host. */
export type BackendHealth =
  | { readonly backend: 'tools' }
  | {
      readonly backend: 'upstream';
      readonly upstream: {
        /** The upstream origin's host (and port), nothing of its path or query. */
        readonly host: string;
        /** Whether the last probe (or forwarded request) got an HTTP answer; `null` before the first. */
        readonly reached: boolean | null;
      };
    };

export interface McpBackend {
  readonly kind: 'tools' | 'upstream';
  /** The HTTP methods this backend serves; any other gets 405 with `Allow` before `serve`. */
  readonly methods: readonly McpMethod[];
  /**
   * Answers one verified request. Never throws for bad input: a malformed body is a JSON-RPC
   * error response. The identity comes from the route's own verification, never from a header.
   */
  serve(request: Request, identity: Identity): Promise<Response>;
  /** For `/api/health`; may probe the upstream (at most once per interval), never throws. */
  health(): Promise<BackendHealth>;
}
