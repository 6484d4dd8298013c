import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { loadConfig } from '@/lib/config';
import { fingerprintOf } from '@/lib/keys';
import { serveMcp } from '@/lib/mcp/endpoint';
import { createMcpServer } from '@/lib/mcp/server';
import { defineTool } from '@/lib/mcp/defineTool';
import { createToolsBackend } from '@/lib/mcp/backends/inProcess';
import { createServices } from '@/lib/services';
import { MCP_HEADERS, rpcMessages } from '@/kit/http';

const KEY = 'unit_key_0123456789abcdefghijkl';
const PUBLIC_URL = 'https://mcp.example.com';
const services = createServices(
  loadConfig({ NODE_ENV: 'production', PUBLIC_URL, AUTH_SECRET: 'c'.repeat(64), MCP_API_KEYS: KEY }),
);

const initialize = (headers: Record<string, string> = {}) =>
  new Request(`${PUBLIC_URL}/mcp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  });

const backend = createToolsBackend();

/** A fetch that calls the route's handler directly: no middleware has run. */
const direct: typeof fetch = async (input, init) => serveMcp(new Request(input, init), await services, backend);

describe('serveMcp called without the middleware (the second wall)', () => {
  // @req MCP-SECOND-WALL
  it('answers 401 with the challenge when no credential is presented', async () => {
    const res = await serveMcp(initialize({ 'x-middleware-subrequest': 'middleware' }), await services, backend);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(
      `resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp"`,
    );
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
    const identity = {
      fingerprint: (await fingerprintOf(KEY)) as never,
      clientId: 'c',
      scopes: ['mcp'],
      expiresAt: null,
      method: 'api_key' as const,
    };
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

describe('the tools backend', () => {
  const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64');
  const steps = defineTool({
    name: 'steps',
    description: 'Reports progress for each step, then returns an image and structured content.',
    inputSchema: z.object({ count: z.number().int().min(1).max(10) }),
    outputSchema: z.object({ done: z.number() }),
    run: async ({ count }, { progress, signal, identity }) => {
      for (let i = 1; i <= count; i++) {
        if (signal.aborted) throw new Error('aborted');
        await progress(i, count, `step ${i}`);
      }
      return {
        content: [
          { type: 'text', text: `done for ${identity.fingerprint}` },
          { type: 'image', data: PNG, mimeType: 'image/png' },
          { type: 'resource_link', uri: 'https://example.com/report', name: 'report' },
        ],
        structuredContent: { done: count },
      };
    },
  });
  const custom = createToolsBackend([steps]);
  const fetchCustom: typeof fetch = async (input, init) => serveMcp(new Request(input, init), await services, custom);

  // @req MCP-TOOL-CONTEXT
  it("carries a tool's progress notifications, one per step, and its full CallToolResult", async () => {
    const client = new Client({ name: 'unit', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${PUBLIC_URL}/mcp`), {
        fetch: fetchCustom,
        requestInit: { headers: { 'X-API-Key': KEY } },
      }),
    );
    const seen: Array<{ progress: number; total?: number; message?: string }> = [];
    const result = await client.callTool(
      { name: 'steps', arguments: { count: 3 } },
      { onprogress: (p) => seen.push(p) },
    );
    expect(seen).toEqual([
      { progress: 1, total: 3, message: 'step 1' },
      { progress: 2, total: 3, message: 'step 2' },
      { progress: 3, total: 3, message: 'step 3' },
    ]);
    expect(result.structuredContent).toEqual({ done: 3 });
    expect(result.content).toEqual([
      { type: 'text', text: `done for ${await fingerprintOf(KEY)}` },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      { type: 'resource_link', uri: 'https://example.com/report', name: 'report' },
    ]);
    // `steps` called over plain HTTP, 2025-era, with `meta` as the call's `_meta` when given.
    const callSteps = (id: number, meta?: Record<string, unknown>) =>
      fetchCustom(`${PUBLIC_URL}/mcp`, {
        method: 'POST',
        headers: { 'X-API-Key': KEY, ...MCP_HEADERS, 'MCP-Protocol-Version': '2025-11-25' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: 'steps', arguments: { count: 2 }, ...(meta ? { _meta: meta } : {}) },
        }),
      });
    // Without a progress token the answer is plain JSON, and progress() does nothing.
    const plain = await callSteps(7);
    expect(plain.headers.get('content-type')).toContain('application/json');
    expect(await plain.json()).toMatchObject({ id: 7, result: { structuredContent: { done: 2 } } });
    // A 2025-era request with a progress token is answered as an SSE stream: progress, then the result.
    const streamed = await callSteps(8, { progressToken: 'p8' });
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const events = await rpcMessages(streamed);
    expect(events.map((e) => e.method ?? 'result')).toEqual([
      'notifications/progress',
      'notifications/progress',
      'result',
    ]);
    expect(events[0]).toMatchObject({ params: { progressToken: 'p8', progress: 1, total: 2 } });
    await client.close();
  });

  // @req MCP-TOOL-CONTEXT
  it("refuses arguments that do not match the tool's schema before the tool runs", async () => {
    const client = new Client({ name: 'unit', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${PUBLIC_URL}/mcp`), {
        fetch: fetchCustom,
        requestInit: { headers: { 'X-API-Key': KEY } },
      }),
    );
    const result = await client
      .callTool({ name: 'steps', arguments: { count: 'three' } })
      .catch((error: unknown) => ({ isError: true, error }));
    expect(result.isError).toBe(true);
    await client.close();
  });
});

describe('defineTool', () => {
  it("converts a tool's schemas to JSON Schema once per process, not once per request", async () => {
    const input = z.object({ q: z.string() });
    // Counts the conversions zod is asked for (the property is writable at run time).
    const standard = input['~standard'] as { jsonSchema: { input: (options: unknown) => Record<string, unknown> } };
    let conversions = 0;
    const original = standard.jsonSchema.input;
    standard.jsonSchema = { ...standard.jsonSchema, input: (options: unknown) => (conversions++, original(options)) };
    const backend = createToolsBackend([
      defineTool({ name: 'search', description: 'd', inputSchema: input, run: () => ({ content: [] }) }),
    ]);
    const list = async () =>
      (
        await serveMcp(
          new Request(`${PUBLIC_URL}/mcp`, {
            method: 'POST',
            headers: { 'X-API-Key': KEY, 'Content-Type': 'application/json', Accept: '*/*' },
            body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
          }),
          await services,
          backend,
        )
      ).json() as unknown;
    const first = await list();
    const second = await list();
    expect(second).toEqual(first);
    expect(first).toMatchObject({
      result: { tools: [{ name: 'search', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } }] },
    });
    expect(conversions).toBe(1);
  });
});
