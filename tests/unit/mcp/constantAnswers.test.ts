import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fingerprintOf } from '@/lib/keys';
import { createToolsBackend } from '@/lib/mcp/backends/tools';
import type { Identity } from '@/lib/mcp/identity';
import { defineTool, whoami, type Tool } from '@/lib/mcp/tools';

const URL_MCP = 'https://mcp.example.com/mcp';
const identity: Identity = {
  fingerprint: (await fingerprintOf('unit_key_0123456789abcdefghijkl')) as Identity['fingerprint'],
  clientId: 'c',
  scopes: ['mcp'],
  expiresAt: null,
  method: 'api_key',
};

/** The tools every backend here serves, with a count of the servers the SDK was asked to build. */
function countedTools(): { tools: Tool[]; builds: () => number } {
  let registrations = 0;
  const echo = defineTool({
    name: 'echo',
    description: 'Echoes its text.',
    inputSchema: z.object({ text: z.string().describe('what to echo') }),
    run: ({ text }) => ({ content: [{ type: 'text', text }] }),
  });
  const counting: Tool = { name: whoami.name, register: (server, wrap) => (registrations++, whoami.register(server, wrap)) };
  return { tools: [counting, echo], builds: () => registrations };
}

type Shape = { headers?: Record<string, string | null>; body: string };

function request({ headers = {}, body }: Shape): Request {
  const all: Record<string, string> = {};
  const base: Record<string, string | null> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers };
  for (const [name, value] of Object.entries(base)) if (value !== null) all[name] = value;
  return new Request(URL_MCP, { method: 'POST', headers: all, body });
}

async function answer(response: Response) {
  return { status: response.status, headers: [...response.headers].sort(), body: await response.text() };
}

/** What the SDK answers (a backend that has never seen this kind of request), and whether it built a server. */
async function sdkAnswer(shape: Shape) {
  const fresh = countedTools();
  const response = await answer(await createToolsBackend(fresh.tools).serve(request(shape), identity));
  return { response, builds: fresh.builds() };
}

const IDS: unknown[] = [1, 0, -7, Number.MAX_SAFE_INTEGER, 'a', '', 'ü"\\\u2028</script>'];
const HEADER_VARIANTS: Record<string, string | null>[] = [
  {},
  { accept: '*/*' },
  { accept: null },
  { 'content-type': 'application/json; charset=utf-8' },
  { 'mcp-protocol-version': '2025-03-26' },
  { 'mcp-protocol-version': '2025-06-18' },
  { 'mcp-protocol-version': '2025-11-25' },
  { 'mcp-session-id': 'not-ours' },
];

describe('constant answers (ping, argument-free tools/list)', () => {
  // @req MCP-CONSTANT-ANSWERS
  it('replays the SDK\'s exact answer with each caller\'s id, without building a server again', async () => {
    const { tools, builds } = countedTools();
    const warm = createToolsBackend(tools);
    const shapes: Shape[] = [];
    for (const method of ['ping', 'tools/list'])
      for (const id of IDS)
        for (const params of [undefined, {}])
          for (const headers of HEADER_VARIANTS) shapes.push({ headers, body: JSON.stringify({ jsonrpc: '2.0', id, method, ...(params && { params }) }) });
    // One request of each kind teaches the warm backend; afterwards no request builds a server.
    for (const headers of HEADER_VARIANTS)
      for (const method of ['ping', 'tools/list']) await warm.serve(request({ headers, body: JSON.stringify({ jsonrpc: '2.0', id: 99, method }) }), identity);
    const learnedAfter = builds();
    expect(learnedAfter).toBeGreaterThan(0);
    expect(learnedAfter).toBeLessThanOrEqual(HEADER_VARIANTS.length * 2);
    for (const shape of shapes) {
      const replayed = await answer(await warm.serve(request(shape), identity));
      expect(replayed, shape.body).toEqual((await sdkAnswer(shape)).response);
      expect(replayed.status).toBe(200);
    }
    expect(builds()).toBe(learnedAfter);
    // The result is the SDK's own: the tools as listed by a fresh server.
    const list = await answer(await warm.serve(request({ body: '{"jsonrpc":"2.0","id":"x","method":"tools/list"}' }), identity));
    expect(JSON.parse(list.body).result.tools.map((t: { name: string }) => t.name)).toEqual(['whoami', 'echo']);
  });

  it('leaves every other request to the SDK, answered exactly as a fresh backend answers it', async () => {
    const { tools, builds } = countedTools();
    const warm = createToolsBackend(tools);
    for (const method of ['ping', 'tools/list']) await warm.serve(request({ body: JSON.stringify({ jsonrpc: '2.0', id: 1, method }) }), identity);
    const others: Shape[] = [
      { body: '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"progressToken":7}}}' },
      { body: '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"abc"}}' },
      { body: '[{"jsonrpc":"2.0","id":1,"method":"ping"}]' },
      { body: '{"jsonrpc":"2.0","id":1,"method":"ping","extra":true}' },
      { body: '{"jsonrpc":"2.0","id":1.5,"method":"ping"}' },
      { body: '{"jsonrpc":"2.0","id":null,"method":"ping"}' },
      { body: '{"jsonrpc":"2.0","method":"ping"}' },
      { body: '{"jsonrpc":"1.0","id":1,"method":"ping"}' },
      { body: '{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}' },
      { body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}' },
      { headers: { 'mcp-protocol-version': 'bogus' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' },
      { headers: { 'mcp-protocol-version': '2026-07-28' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' },
      { headers: { 'mcp-method': 'ping' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' },
      { headers: { 'content-type': 'text/plain' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' },
      { headers: { accept: 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' },
    ];
    for (const shape of others) {
      const before = builds();
      const sdk = await sdkAnswer(shape);
      expect(await answer(await warm.serve(request(shape), identity)), shape.body).toEqual(sdk.response);
      // A request that reached the SDK on a fresh backend reaches it on the warm one too.
      expect(builds() - before, shape.body).toBe(sdk.builds);
    }
    // An unsupported version is refused each time, never learned.
    for (let i = 0; i < 3; i++) {
      const res = await warm.serve(request({ headers: { 'mcp-protocol-version': 'bogus' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' }), identity);
      expect(res.status).toBe(400);
    }
  });
});
