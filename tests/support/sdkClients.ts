/** The two official MCP client SDKs, adapted to `runConnectorFlow`. */
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
  UnauthorizedError as UnauthorizedV2,
  type OAuthClientProvider as ProviderV2,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  UnauthorizedError as UnauthorizedV1,
  type OAuthClientProvider as ProviderV1,
} from '@modelcontextprotocol/sdk/client/auth.js';
import type { MemoryOAuthProvider, SdkParts, Session } from './sdkFlow';

type ToolCaller = {
  listTools(): Promise<{ tools: Array<{ name: string }> }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
};

function session(client: ToolCaller): Session {
  return {
    async listToolNames() {
      return (await client.listTools()).tools.map((t) => t.name);
    },
    async whoami() {
      const result = (await client.callTool({ name: 'whoami', arguments: {} })) as {
        structuredContent?: Record<string, unknown>;
        isError?: boolean;
      };
      if (result.isError || !result.structuredContent) throw new Error('whoami failed');
      return result.structuredContent;
    },
    close: () => client.close(),
  };
}

export function sdkV2(mcpUrl: string): SdkParts<TransportV2> {
  return {
    transport: (provider: MemoryOAuthProvider) =>
      new TransportV2(new URL(mcpUrl), { authProvider: provider as unknown as ProviderV2 }),
    async connect(transport) {
      const client = new ClientV2({ name: 'connector-test-v2', version: '1.0.0' });
      await client.connect(transport);
      return session(client);
    },
    // v2 validates `iss` (RFC 9207) from the callback parameters before redeeming the code.
    finishAuth: (transport, callback) => transport.finishAuth(callback.searchParams),
    isUnauthorized: (error) => error instanceof UnauthorizedV2,
  };
}

export function sdkV1(mcpUrl: string): SdkParts<TransportV1> {
  return {
    transport: (provider: MemoryOAuthProvider) =>
      new TransportV1(new URL(mcpUrl), { authProvider: provider as unknown as ProviderV1 }),
    async connect(transport) {
      const client = new ClientV1({ name: 'connector-test-v1', version: '1.0.0' });
      await client.connect(transport);
      return session(client);
    },
    finishAuth: (transport, callback) => transport.finishAuth(callback.searchParams.get('code')!),
    isUnauthorized: (error) => error instanceof UnauthorizedV1,
  };
}
