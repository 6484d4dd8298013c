/** Builds the per-request MCP server for one verified identity (stateless: one instance per request). */
import { McpServer } from '@modelcontextprotocol/server';
import packageJson from '../../package.json';
import type { Identity } from './identity';
import { tools as defaultTools, type ToolDefinition, type ToolResult } from './tools';

export const SERVER_INFO = { name: 'mcp-oauth-gateway', version: packageJson.version } as const;

const TOOL_FAILED: ToolResult = {
  isError: true,
  content: [{ type: 'text', text: 'The tool failed. The details were logged on the server.' }],
};

export function createMcpServer(identity: Identity, tools: readonly ToolDefinition[] = defaultTools): McpServer {
  const server = new McpServer(SERVER_INFO, {
    instructions: 'Tools of this server act on behalf of the API key the user connected with.',
  });
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.inputSchema, outputSchema: tool.outputSchema },
      async (args: unknown) => {
        try {
          return await tool.run(args as never, { identity });
        } catch (error) {
          // The detail stays in the server log; the client learns only that the tool failed.
          console.error(`[mcp] tool ${tool.name} failed for ${identity.fingerprint}:`, error instanceof Error ? error.stack ?? error.message : error);
          return TOOL_FAILED;
        }
      },
    );
  }
  return server;
}
