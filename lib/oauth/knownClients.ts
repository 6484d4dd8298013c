/**
 * The MCP clients this server accepts without any configuration, each by the exact redirect URIs
 * it registers, and a display name for the consent page.
 *
 * A registered client id (`register.ts`) refers to these URIs by their `alias` instead of
 * spelling them out, which keeps the id short: Cursor's three URIs and VS Code's four fit in a few
 * dozen characters. Aliases are therefore part of every client id ever issued: never rename or
 * remove one while ids naming it may still be in use; add new ones.
 */

export type KnownClient = {
  readonly name: string;
  readonly redirectUris: readonly { readonly alias: string; readonly uri: string }[];
};

export const KNOWN_CLIENTS: readonly KnownClient[] = [
  {
    name: 'Claude',
    redirectUris: [
      { alias: 'claude.ai', uri: 'https://claude.ai/api/mcp/auth_callback' },
      { alias: 'claude.com', uri: 'https://claude.com/api/mcp/auth_callback' },
    ],
  },
  {
    name: 'ChatGPT',
    redirectUris: [{ alias: 'chatgpt', uri: 'https://chatgpt.com/connector_platform_oauth_redirect' }],
  },
  {
    name: 'Cursor',
    redirectUris: [
      { alias: 'cursor', uri: 'cursor://anysphere.cursor-mcp/oauth/callback' },
      { alias: 'cursor.com', uri: 'https://www.cursor.com/agents/mcp/oauth/callback' },
    ],
  },
  {
    name: 'VS Code',
    redirectUris: [
      { alias: 'vscode', uri: 'https://vscode.dev/redirect' },
      { alias: 'vscode-insiders', uri: 'https://insiders.vscode.dev/redirect' },
    ],
  },
];

/**
 * Client ID Metadata Documents (CIMD) of known clients: the consent page names them as known.
 * Their redirect URIs still come from the document itself (`cimd/`).
 */
export const KNOWN_CIMD_CLIENTS: Readonly<Record<string, string>> = {
  'https://claude.ai/oauth/mcp-oauth-client-metadata': 'Claude',
  'https://claude.ai/oauth/claude-code-client-metadata': 'Claude Code',
};

/** Marks an alias inside a registered client id's redirect-URI list; never the start of a URI. */
const ALIAS_PREFIX = '~';

const byUri = new Map<string, { alias: string; client: KnownClient }>();
const byAlias = new Map<string, string>();
for (const client of KNOWN_CLIENTS) {
  for (const { alias, uri } of client.redirectUris) {
    byUri.set(uri, { alias, client });
    byAlias.set(alias, uri);
  }
}

/** The known client whose redirect URI is exactly `uri`, if any. */
export function knownClientOfRedirectUri(uri: string): KnownClient | undefined {
  return byUri.get(uri)?.client;
}

/** `~alias` for a known redirect URI, otherwise the URI itself. */
export function compactRedirectUri(uri: string): string {
  const known = byUri.get(uri);
  return known ? `${ALIAS_PREFIX}${known.alias}` : uri;
}

/** The redirect URI an entry of a client id names, or `null` for an alias this build does not know. */
export function expandRedirectUri(entry: string): string | null {
  if (!entry.startsWith(ALIAS_PREFIX)) return entry;
  return byAlias.get(entry.slice(ALIAS_PREFIX.length)) ?? null;
}
