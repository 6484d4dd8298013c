import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { loadConfig } from '@/lib/config';
import { fingerprintOf } from '@/lib/keys';
import { serveMcp } from '@/lib/mcp/endpoint';
import { createMcpServer } from '@/lib/mcp/server';
import { defineTool } from '@/lib/mcp/tools';
import { createToolsBackend } from '@/lib/mcp/backends/tools';
import { createServices } from '@/lib/services';

const KEY = 'unit_key_0123456789abcdefghijkl';
const PUBLIC_URL = 'https://mcp.example.com';
const services = createServices(
  loadConfig({ NODE_ENV: 'production', PUBLIC_URL, AUTH_SECRET: 'c'.repeat(64), MCP_API_KEYS: KEY }),
);

const initialize = (headers: Record<string, string> = {}) =>
  new Request(`${PUBLIC_URL}/mcp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });

const backend = createToolsBackend();

/** A fetch that calls the route's handler directly: no middleware has run. */
const direct: typeof fetch = async (input, init) => serveMcp(new Request(input as RequestInfo, init), await services, backend);

describe('serveMcp called without the middleware (the second wall)', () => {
  // @req MCP-SECOND-WALL
  it('answers 401 with the challenge when no credential is presented', async () => {
    const res = await serveMcp(initialize({ 'x-middleware-subrequest': 'middleware' }), await services, backend);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp"`);
  });

  it('gives tools the identity it verified itself, whatever headers claim', async () => {
    const client = new Client({ name: 'unit', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${PUBLIC_URL}/mcp`), {
        fetch: direct,
        requestInit: { headers: { 'X-API-Key': KEY, 'x-fingerprint': 'ffffffffffffffff', 'x-client-id': 'admin' } },
      }),
    );
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.structuredContent).toMatchObject({ fingerprint: await fingerprintOf(KEY), client_id: 'api-key' });
    await client.close();
  });
});

describe('createMcpServer', () => {
  // @req MCP-TOOL-ERRORS
  it('turns a throwing tool into an error result without internal detail', async () => {
    const failing = defineTool({
      name: 'explode',
      description: 'always fails',
      inputSchema: z.object({}),
      run() {
        throw new Error('database password is hunter2 at 10.0.0.7');
      },
    });
    const identity = { fingerprint: (await fingerprintOf(KEY)) as never, clientId: 'c', scopes: ['mcp'], expiresAt: null, method: 'api_key' as const };
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const server = createMcpServer(identity, [failing]);
      const { InMemoryTransport } = await import('@modelcontextprotocol/server');
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const client = new Client({ name: 'unit', version: '1' });
      await client.connect(clientSide);
      const result = await client.callTool({ name: 'explode', arguments: {} });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result)).not.toMatch(/hunter2|10\.0\.0\.7|Error:/);
      expect(JSON.stringify(errors)).toContain('hunter2');
      await client.close();
    } finally {
      console.error = original;
    }
  });
});
