/**
 * The MCP requests this gateway makes on its own behalf (judging a key at the upstream, the
 * deployment check, "Test your key", learning an upstream's tool annotations), in one revision:
 * the newest one that stateless and session-ful servers alike answer with `initialize`.
 */
export const OWN_PROTOCOL_VERSION = '2025-11-25';

/** A JSON-RPC `initialize` request, as a client named `clientName` sends its first message. */
export function initializeRequest(clientName: string, id: number = 1) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: OWN_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: clientName, version: '1' } },
  } as const;
}

/** The 2026-07-28 revision: stateless, each request carries its own envelope in `_meta`. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/**
 * A JSON-RPC `server/discover` request (MCP 2026-07-28), the smallest exchange a modern server
 * answers: no session is opened, so there is nothing to close afterwards.
 */
export function discoverRequest(clientName: string, id: number = 1) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'server/discover',
    params: {
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
        'io.modelcontextprotocol/clientInfo': { name: clientName, version: '1' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  } as const;
}
