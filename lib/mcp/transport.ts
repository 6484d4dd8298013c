/** What both `/mcp` backends share about the wire: the body limit and the `Accept` normalisation. */

/** Largest request body `/mcp` accepts, whatever the backend. */
export const MCP_BODY_LIMIT = 1024 * 1024;

/**
 * Streamable HTTP asks clients to accept both JSON and SSE; claude.ai sends a wildcard `Accept` and
 * some clients none at all. Both are served, so backends see the canonical header. `null` when the
 * header needs no change.
 */
export function canonicalAccept(accept: string | null): string | null {
  if (accept === null || accept.trim() === '' || /(^|,)\s*\*\/\*/.test(accept))
    return 'application/json, text/event-stream';
  return null;
}
