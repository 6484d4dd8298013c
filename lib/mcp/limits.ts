/** Limits of the `/mcp` endpoint shared by the middleware and the route (kept free of the SDK). */
import { currentRequestId } from '../observability/context';

export const MCP_BODY_LIMIT = 1024 * 1024;

/** A JSON-RPC error response; the request id rides in `error.data` (JSON-RPC 2.0 §5.1). */
export function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  const requestId = currentRequestId();
  return new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message, ...(requestId ? { data: { request_id: requestId } } : {}) } }), {
    status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
  });
}

export function bodyTooLargeResponse(headers: Record<string, string> = {}): Response {
  return jsonRpcError(413, -32600, `Request body exceeds ${MCP_BODY_LIMIT} bytes.`, headers);
}
