/**
 * Read-only connections (scope `mcp:read`): which JSON-RPC messages such a token may send. Allowed:
 * lifecycle and discovery, listing and reading, notifications and answers to the server's own
 * requests, and `tools/call` of a read-only tool. Everything else is refused, including a tool with
 * no annotation (the safe default), unknown methods and batches.
 *
 * The tool's name comes from `Mcp-Name` where the client sends it (MCP 2026-07-28, SEP-2243), else
 * from the body; a header that disagrees with the body is a 400, as that transport requires.
 */
export const READ_ONLY_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'server/discover',
  'ping',
  'logging/setLevel',
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
]);

/** Tools the operator marked read-only or writing, beyond their own annotations (`MCP_READ_ONLY_TOOLS`, `MCP_WRITE_TOOLS`). */
export type ToolAccessSettings = { readonly readOnlyTools: readonly string[]; readonly writeTools: readonly string[] };

export type ReadOnlyVerdict =
  | { readonly ok: true }
  /** Needs full access: `method` (and `tool` for `tools/call`), for the refusal and its event. */
  | { readonly ok: false; readonly kind: 'needs_full_access'; readonly method: string; readonly tool?: string }
  | { readonly ok: false; readonly kind: 'header_mismatch'; readonly message: string };

/** `MCP_READ_ONLY_TOOLS`/`MCP_WRITE_TOOLS` pattern matching: exact names, `*` for any run of characters. */
export function matchesToolPattern(name: string, pattern: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(name);
}

/** Whether `name` is read-only: the operator's lists first (writing wins), then the tool's own hint. */
export function isReadOnlyTool(name: string, readOnlyHint: boolean | undefined, settings: ToolAccessSettings): boolean {
  if (settings.writeTools.some((pattern) => matchesToolPattern(name, pattern))) return false;
  if (settings.readOnlyTools.some((pattern) => matchesToolPattern(name, pattern))) return true;
  return readOnlyHint === true;
}

const printable = (value: string) => value.replace(/[^\x21-\x7e]/g, '?').slice(0, 64);

/**
 * The verdict on one request body (already parsed) for a read-only token. `readOnlyTool` answers
 * for a tool name. A body that is not a JSON-RPC object at all is left to the server to refuse.
 */
export async function readOnlyVerdict(
  message: unknown,
  headers: Headers,
  readOnlyTool: (name: string) => Promise<boolean>,
): Promise<ReadOnlyVerdict> {
  if (Array.isArray(message)) return { ok: false, kind: 'needs_full_access', method: 'batch' };
  if (typeof message !== 'object' || message === null) return { ok: true };
  const { method, params } = message as { method?: unknown; params?: unknown };
  const headerMethod = headers.get('mcp-method');
  const headerName = headers.get('mcp-name');
  if (headerMethod !== null && headerMethod !== method) {
    return { ok: false, kind: 'header_mismatch', message: 'The Mcp-Method header differs from the body.' };
  }
  // An answer to the server's own request (sampling, elicitation, roots) carries no method.
  if (method === undefined) return { ok: true };
  if (typeof method !== 'string') return { ok: false, kind: 'needs_full_access', method: 'invalid' };
  if (method.startsWith('notifications/')) return { ok: true };
  if (method === 'tools/call') {
    const name = typeof params === 'object' && params !== null ? (params as { name?: unknown }).name : undefined;
    if (headerName !== null && headerName !== name) {
      return {
        ok: false,
        kind: 'header_mismatch',
        message: 'The Mcp-Name header differs from the tool named in the body.',
      };
    }
    if (typeof name !== 'string' || name === '') return { ok: false, kind: 'needs_full_access', method };
    return (await readOnlyTool(name))
      ? { ok: true }
      : { ok: false, kind: 'needs_full_access', method, tool: printable(name) };
  }
  return READ_ONLY_METHODS.has(method)
    ? { ok: true }
    : { ok: false, kind: 'needs_full_access', method: printable(method) };
}
