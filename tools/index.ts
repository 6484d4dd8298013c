/**
 * Your tools. The in-process backend serves `whoami` (shipped with the gateway) plus every tool
 * listed here; nothing else in the gateway needs editing. Each tool gets its validated arguments
 * and a context with the caller's verified identity (the API key's fingerprint, never the key),
 * an abort signal, and `progress`/`log` channels, and returns an MCP `CallToolResult`.
 *
 * Example:
 *
 *   import { z } from 'zod';
 *   import { defineTool } from '@/lib/mcp/defineTool';
 *
 *   export const tools = [
 *     defineTool({
 *       name: 'add',
 *       description: 'Adds two numbers.',
 *       inputSchema: z.object({ a: z.number(), b: z.number() }),
 *       async run({ a, b }, { progress }) {
 *         await progress(1, 1);
 *         return { content: [{ type: 'text', text: String(a + b) }] };
 *       },
 *     }),
 *   ];
 *
 * When `MCP_UPSTREAM_URL` is set, `/mcp` forwards to that server instead and these are not served.
 */
import type { Tool } from '@/lib/mcp/defineTool';

export const tools: readonly Tool[] = [];
