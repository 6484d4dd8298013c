/** Builds the per-request MCP server for one verified identity (stateless: one instance per request). */
import { McpServer, type CallToolResult, type ServerContext } from '@modelcontextprotocol/server';
import packageJson from '../../package.json';
import type { Identity } from './identity';
import type { Tool, ToolContext, ToolWrapper } from './defineTool';

const SERVER_INFO = { name: 'mcp-oauth-gateway', version: packageJson.version } as const;

const TOOL_FAILED: CallToolResult = {
  isError: true,
  content: [{ type: 'text', text: 'The tool failed. The details were logged on the server.' }],
};

function toolContext(identity: Identity, sdk: ServerContext): ToolContext {
  const progressToken = sdk.mcpReq._meta?.progressToken;
  return {
    identity,
    signal: sdk.mcpReq.signal,
    async progress(progress, total, message) {
      if (progressToken === undefined) return;
      await sdk.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress, total, message },
      });
    },
    log: (level, data) => sdk.mcpReq.log(level, data),
  };
}

/**
 * `mayCall`: whether this identity may call a tool (every tool for full access; for a read-only
 * connection, the read-only ones: `readOnly.ts`).
 */
export function createMcpServer(
  identity: Identity,
  tools: readonly Tool[],
  mayCall: (tool: Tool) => boolean = () => true,
): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { logging: {} },
    instructions: 'Tools of this server act on behalf of the API key the user connected with.',
  });
  const wrap: ToolWrapper = async (name, call, sdk) => {
    try {
      return await call(toolContext(identity, sdk));
    } catch (error) {
      // The detail stays in the server log; the client learns only that the tool failed.
      console.error(
        `[mcp] tool ${name} failed for ${identity.fingerprint}:`,
        error instanceof Error ? (error.stack ?? error.message) : error,
      );
      return TOOL_FAILED;
    }
  };
  // A read-only connection is shown only the tools it may call, so the model does not try the others.
  for (const tool of tools) if (mayCall(tool)) tool.register(server, wrap);
  return server;
}
