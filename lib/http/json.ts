/** The JSON responses every endpoint builds: one constructor each, never hand-assembled. */
import { currentRequestId } from '../observability/context';

/** RFC 6749 §5.1: token responses (and every answer here that names a credential) are not cached. */
export const NO_STORE_HEADERS = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/** A JSON body, never cached. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...NO_STORE_HEADERS, ...headers },
  });
}

/**
 * JSON-RPC 2.0 §5.1 error object with a null id (the request could not be attributed); the
 * request id rides in `error.data` (docs/observability.md).
 */
export function jsonRpcErrorResponse(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  const requestId = currentRequestId();
  return jsonResponse({ jsonrpc: '2.0', id: null, error: { code, message, ...(requestId ? { data: { request_id: requestId } } : {}) } }, status, headers);
}
