/**
 * One-click install links that Cursor and VS Code publish for remote MCP servers. Each carries
 * only the server's name and its `/mcp` URL: the client then runs the OAuth flow itself.
 */

/**
 * Cursor's MCP install deeplink (cursor.com/docs/mcp/install-links): `name`, and `config`, the
 * server's `mcp.json` entry as base64-encoded JSON.
 */
export function cursorInstallLink(name: string, mcpUrl: string): string {
  const config = Buffer.from(JSON.stringify({ url: mcpUrl }), 'utf8').toString('base64');
  return `cursor://anysphere.cursor-deeplink/mcp/install?${new URLSearchParams({ name, config }).toString()}`;
}

/**
 * VS Code's MCP install URL (its MCP docs, "URL handler"): the server's entry with its name,
 * percent-encoded JSON after `vscode:mcp/install?`.
 */
export function vscodeInstallLink(name: string, mcpUrl: string): string {
  return `vscode:mcp/install?${encodeURIComponent(JSON.stringify({ name, type: 'http', url: mcpUrl }))}`;
}
