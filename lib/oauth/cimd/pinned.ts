/**
 * Pinned copies of Claude's two Client ID Metadata Documents, used only when the live fetch
 * fails (claude.ai can answer data-centre addresses with a bot challenge instead of the JSON).
 * They list only redirect URIs Anthropic controls or loopback ones, as the live documents do; a
 * live document that fetches always wins, and a use of the copy is logged. See SECURITY.md,
 * "Client ID Metadata Documents".
 */
export const PINNED_CIMD_DOCUMENTS: Readonly<Record<string, unknown>> = {
  'https://claude.ai/oauth/mcp-oauth-client-metadata': {
    client_id: 'https://claude.ai/oauth/mcp-oauth-client-metadata',
    client_name: 'Claude',
    redirect_uris: ['https://claude.ai/api/mcp/auth_callback', 'https://claude.com/api/mcp/auth_callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
  'https://claude.ai/oauth/claude-code-client-metadata': {
    client_id: 'https://claude.ai/oauth/claude-code-client-metadata',
    client_name: 'Claude Code',
    // Port-less: Claude Code calls back on an ephemeral port (RFC 8252 §7.3).
    redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
};

/** How long a pinned copy stands in before the live document is tried again. */
export const PINNED_TTL_SECONDS = 60;
