/** Limits of the `/mcp` endpoint shared by the middleware and the route (kept free of the SDK). */

export const MCP_BODY_LIMIT = 1024 * 1024;

export function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }), {
    status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
  });
}

export function bodyTooLargeResponse(headers: Record<string, string> = {}): Response {
  return jsonRpcError(413, -32600, `Request body exceeds ${MCP_BODY_LIMIT} bytes.`, headers);
}
