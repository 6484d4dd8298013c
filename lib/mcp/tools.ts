/**
 * The tool registry. Operators add their tools to `tools`; each receives the verified identity of
 * the caller (never a key or token) and returns an MCP `CallToolResult`.
 */
import { z } from 'zod';
import type { Identity } from './identity';

export type ToolContext = { readonly identity: Identity };

export type ToolResult = {
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

export type ToolDefinition<S extends z.ZodObject = z.ZodObject> = {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly inputSchema: S;
  readonly outputSchema?: z.ZodObject;
  run(args: z.infer<S>, context: ToolContext): ToolResult | Promise<ToolResult>;
};

/** Keeps each tool's `run` typed by its own input schema. */
export function defineTool<S extends z.ZodObject>(tool: ToolDefinition<S>): ToolDefinition<S> {
  return tool;
}

const WhoamiOutput = z.object({
  fingerprint: z.string(),
  client_id: z.string(),
  scopes: z.array(z.string()),
  expires_at: z.string().nullable(),
  authenticated_by: z.enum(['oauth_bearer', 'api_key']),
});

export const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description: 'Shows how this connection is authenticated: the API key fingerprint, client, scopes and token expiry.',
  inputSchema: z.object({}),
  outputSchema: WhoamiOutput,
  run(_args, { identity }) {
    const info: z.infer<typeof WhoamiOutput> = {
      fingerprint: identity.fingerprint,
      client_id: identity.clientId,
      scopes: [...identity.scopes],
      expires_at: identity.expiresAt === null ? null : new Date(identity.expiresAt * 1000).toISOString(),
      authenticated_by: identity.method,
    };
    return { content: [{ type: 'text', text: JSON.stringify(info, null, 2) }], structuredContent: info };
  },
});

/** Every tool this server offers. Add yours here. */
export const tools: readonly ToolDefinition[] = [whoami as unknown as ToolDefinition];
