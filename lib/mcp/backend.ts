/**
 * What `/mcp` hands a verified request to. Exactly one backend is chosen from configuration once
 * per process (`createBackend` in `backends/index.ts`): the in-process tools (`backends/inProcess.ts`)
 * or, when `MCP_UPSTREAM_URL` is set, the upstream forwarder (`backends/upstream.ts`). The route has already authenticated the
 * request (both walls), applied CORS preflight and the method guard; the body is still unread.
 */
import type { ForwardKey, Identity } from './identity';
import type { McpRefusal } from './refusals';

/** A backend's answer: its response, or a refusal that `endpoint.ts` puts on the wire. */
export type BackendAnswer =
  { readonly ok: true; readonly response: Response } | { readonly ok: false; readonly refusal: McpRefusal };

export const answered = (response: Response): BackendAnswer => ({ ok: true, response });
export const refused = (refusal: McpRefusal): BackendAnswer => ({ ok: false, refusal });

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
   * Answers one verified request. Never throws for bad input: what it refuses is a refusal value
   * (a body too large, a malformed header, an upstream that failed); a JSON-RPC error the SDK
   * writes itself is a response. The identity comes from the route's own verification only;
   * `forwardKey` yields the user's own key, for a backend that forwards it.
   */
  serve(request: Request, identity: Identity, forwardKey: ForwardKey): Promise<BackendAnswer>;
  /** For `/api/health`; may probe the upstream (at most once per interval), never throws. */
  health(): Promise<BackendHealth>;
}
