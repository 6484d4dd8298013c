/** What both `/mcp` backends share about the wire: the body limit and the `Accept` normalisation. */
import { jsonRpcErrorResponse } from '../http/errors';

/** Largest request body `/mcp` accepts, whatever the backend. */
export const MCP_BODY_LIMIT = 1024 * 1024;

export function bodyTooLargeResponse(): Response {
  return jsonRpcErrorResponse(413, -32600, `Request body exceeds ${MCP_BODY_LIMIT} bytes.`, { cors: true });
}

/**
 * Streamable HTTP asks clients to accept both JSON and SSE; claude.ai sends a wildcard `Accept` and
 * some clients none at all. Both are served, so backends see the canonical header. `null` when the
 * header needs no change.
 */
export function canonicalAccept(accept: string | null): string | null {
  if (accept === null || accept.trim() === '' || /(^|,)\s*\*\/\*/.test(accept)) return 'application/json, text/event-stream';
  return null;
}
