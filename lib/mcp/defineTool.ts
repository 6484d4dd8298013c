/**
 * Tools for the in-process backend. A tool receives its validated arguments and a context: the
 * caller's verified identity (never a key or token), an abort signal that fires when the client
 * goes away, and progress and log channels. It returns the SDK's full `CallToolResult` (text,
 * images, audio, resource links, embedded resources, structured content, `isError`).
 *
 * Operators add tools in `tools/index.ts` at the repository root, not here.
 */
import type {
  CallToolResult,
  LoggingLevel,
  McpServer,
  ServerContext,
  StandardSchemaWithJSON,
  ToolAnnotations,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { accessOf } from '../tokens/access';
import type { Identity } from './identity';

export type ToolContext = {
  readonly identity: Identity;
  /** Aborted when the client disconnects or cancels the call. */
  readonly signal: AbortSignal;
  /**
   * Reports progress (MCP `notifications/progress`) when the client asked for it with a
   * `progressToken`; otherwise does nothing, so tools may call it unconditionally.
   */
  // Properties, not methods: tools destructure the context, and neither uses `this`.
  readonly progress: (progress: number, total?: number, message?: string) => Promise<void>;
  /** A log message to the client (MCP `notifications/message`), filtered by its chosen level. */
  readonly log: (level: LoggingLevel, data: unknown) => Promise<void>;
};

export type ToolDefinition<S extends z.ZodObject> = {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly inputSchema: S;
  readonly outputSchema?: z.ZodObject;
  /**
   * MCP tool annotations, passed to `tools/list`. `readOnlyHint: true` lets read-only connections
   * (scope `mcp:read`) call the tool; without it they cannot (the safe default).
   */
  readonly annotations?: ToolAnnotations;
  run(args: z.infer<S>, context: ToolContext): CallToolResult | Promise<CallToolResult>;
};

/** A tool ready to be served: its definition, with the argument type checked once at `defineTool`. */
export type Tool = {
  readonly name: string;
  /** The tool's own claim to change nothing (`annotations.readOnlyHint`). */
  readonly readOnlyHint: boolean | undefined;
  /** Registers the tool on a per-request server; `wrap` turns the SDK's context into a `ToolContext` and guards the call. */
  register(server: McpServer, wrap: ToolWrapper): void;
};

export type ToolWrapper = (
  name: string,
  call: (context: ToolContext) => CallToolResult | Promise<CallToolResult>,
  sdk: ServerContext,
) => Promise<CallToolResult>;

type JsonSchemaOptions = Parameters<StandardSchemaWithJSON['~standard']['jsonSchema']['input']>[0];

/**
 * `schema` with every `type` array (`{"type": ["string", "null"]}`, which zod emits for a nullable
 * primitive) rewritten as `anyOf` branches, recursively: single-type JSON Schema dialects (Gemini's,
 * the MCP Inspector's `--strict` check) refuse type arrays, and both forms mean the same.
 */
export function portableJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(portableJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = portableJsonSchema(value);
  if (Array.isArray(out.type)) {
    const { type, ...rest } = out;
    const branches = (type as unknown[]).map((t) => ({ type: t }));
    return Object.keys(rest).length === 0 ? { anyOf: branches } : { ...rest, anyOf: branches };
  }
  return out;
}

/**
 * `schema` with its JSON Schema converted once per process. The SDK converts a tool's schemas on
 * every `tools/list` of every server it builds, and `/mcp` builds one server per request; the
 * conversion is pure, so it is kept. Validation stays zod's own.
 */
function convertedOnce(schema: z.ZodObject): StandardSchemaWithJSON<Record<string, unknown>> {
  const standard = schema['~standard'];
  const converted = new Map<string, Record<string, unknown>>();
  const once = (io: 'input' | 'output') => (options: JsonSchemaOptions) => {
    const key = `${io} ${options.target}`;
    let json = converted.get(key);
    if (!json) {
      json = portableJsonSchema(standard.jsonSchema[io](options)) as Record<string, unknown>;
      converted.set(key, json);
    }
    return json;
  };
  return { '~standard': { ...standard, jsonSchema: { input: once('input'), output: once('output') } } };
}

/** Keeps each tool's `run` typed by its own input schema. */
export function defineTool<S extends z.ZodObject>(tool: ToolDefinition<S>): Tool {
  const inputSchema = convertedOnce(tool.inputSchema);
  const outputSchema = tool.outputSchema && convertedOnce(tool.outputSchema);
  return {
    name: tool.name,
    readOnlyHint: tool.annotations?.readOnlyHint,
    register(server, wrap) {
      server.registerTool(
        tool.name,
        { title: tool.title, description: tool.description, inputSchema, outputSchema, annotations: tool.annotations },
        // The SDK parses `args` with `inputSchema` before this runs, so they are `z.infer<S>`;
        // TypeScript cannot follow that through the SDK's generic schema type, hence the one cast.
        (args, sdk) => wrap(tool.name, (context) => tool.run(args as z.infer<S>, context), sdk),
      );
    },
  };
}

const WhoamiOutput = z.object({
  fingerprint: z.string(),
  client_id: z.string(),
  scopes: z.array(z.string()),
  access: z.enum(['full', 'read']),
  // `anyOf` branches, not `type: ["string", "null"]`: single-type JSON Schema dialects (Gemini's,
  // the MCP Inspector's --strict check) refuse a type array.
  expires_at: z.union([z.string(), z.null()]),
  authenticated_by: z.enum(['oauth_bearer', 'api_key']),
});

/** Ships with the gateway: shows how the connection is authenticated. */
export const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description: 'Shows how this connection is authenticated: the API key fingerprint, client, scopes and token expiry.',
  inputSchema: z.object({}),
  outputSchema: WhoamiOutput,
  annotations: {
    title: 'Who am I',
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  run(_args, { identity }) {
    const info: z.infer<typeof WhoamiOutput> = {
      fingerprint: identity.fingerprint,
      client_id: identity.clientId,
      scopes: [...identity.scopes],
      access: accessOf(identity.scopes) ?? 'read',
      expires_at: identity.expiresAt === null ? null : new Date(identity.expiresAt * 1000).toISOString(),
      authenticated_by: identity.method,
    };
    return { content: [{ type: 'text', text: JSON.stringify(info, null, 2) }], structuredContent: info };
  },
});
