/**
 * A real upstream behind the gateway: the MCP project's reference server (server-everything,
 * Streamable HTTP, session-ful, SSE, progress), started on a free port, with a real `next start`
 * forwarding to it. Everything here goes through the gateway with a gateway access token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeyTest } from '@/lib/dashboard/keyTest';
import { KEY_A, startApp, type AppInstance } from '@/kit/app';
import { startEverything, type EverythingServer } from '@/kit/fakeServers/everything';
import { clientCredentialsToken, INITIALIZE, postMcp, readEvents } from '@/kit/http';

let upstream: EverythingServer;
let app: AppInstance;
let token: string;

beforeAll(async () => {
  upstream = await startEverything();
  app = await startApp({ MCP_UPSTREAM_URL: upstream.url, RATE_LIMIT_MCP_PER_MINUTE: '100000' });
  token = await clientCredentialsToken(app.url, KEY_A);
});

afterAll(async () => {
  await app?.stop();
  await upstream?.stop();
});

function post(message: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return postMcp(app.url, message, { Authorization: `Bearer ${token}`, ...headers });
}

/** The JSON-RPC messages of an answer: JSON, or SSE (whose priming events carry no data). */
async function rpcMessages(res: Response): Promise<Array<Record<string, unknown>>> {
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream'))
    return (await readEvents(res)).map((e) => e.data);
  return [(await res.json()) as Record<string, unknown>];
}

/** initialize + notifications/initialized through the gateway; the upstream's session id. */
async function openSession(): Promise<{ session: string; init: Record<string, unknown> }> {
  const res = await post(INITIALIZE);
  expect(res.status).toBe(200);
  const session = res.headers.get('mcp-session-id');
  expect(session).toMatch(/^[\x21-\x7e]+$/);
  const [init] = await rpcMessages(res);
  const done = await post(
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { 'Mcp-Session-Id': session!, 'MCP-Protocol-Version': '2025-11-25' },
  );
  expect(done.status).toBe(202);
  await done.body?.cancel();
  return { session: session!, init: init! };
}

describe('server-everything behind the gateway', () => {
  // @req UP-FORWARD
  it("answers initialize and tools/list with the upstream server's own info and tools", async () => {
    const { session, init } = await openSession();
    expect(init.result).toMatchObject({ serverInfo: { name: 'mcp-servers/everything' } });
    const res = await post(
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const [answer] = await rpcMessages(res);
    const names = ((answer!.result as { tools: Array<{ name: string }> }).tools ?? []).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-sum', 'trigger-long-running-operation']));
    expect(names).not.toContain('whoami');
  });

  // @req UP-SSE-STREAM
  it('relays each progress notification of a long-running tool as the upstream sends it, the first well before the last', async () => {
    const { session } = await openSession();
    const started = performance.now();
    const res = await post(
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: {
          name: 'trigger-long-running-operation',
          arguments: { duration: 3, steps: 3 },
          _meta: { progressToken: 'p-1' },
        },
      },
      { 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(res, (event) => event.data.id === 3);
    const progress = events.filter((e) => e.data.method === 'notifications/progress');
    expect(progress.map((e) => (e.data.params as { progress: number }).progress)).toEqual([1, 2, 3]);
    const result = events.at(-1)!;
    expect(result.data).toMatchObject({ id: 3, result: { content: [{ type: 'text' }] } });
    // Steps are 1 s apart upstream: the first arrives after ~1 s, the answer after ~3 s.
    expect(progress[0]!.at - started).toBeLessThan(2000);
    expect(result.at - progress[0]!.at).toBeGreaterThan(1500);
    expect(progress[1]!.at - progress[0]!.at).toBeGreaterThan(700);
  });

  // @req UP-SESSION
  it('carries the upstream session id both ways: GET opens the session stream and DELETE ends the session', async () => {
    const { session } = await openSession();
    const versioned = {
      Authorization: `Bearer ${token}`,
      'Mcp-Session-Id': session,
      'MCP-Protocol-Version': '2025-11-25',
    };

    const controller = new AbortController();
    const stream = await fetch(`${app.url}/mcp`, {
      method: 'GET',
      headers: { ...versioned, Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    controller.abort();

    const ended = await fetch(`${app.url}/mcp`, { method: 'DELETE', headers: versioned });
    expect(ended.status).toBe(200);
    await ended.body?.cancel();

    const after = await post(
      { jsonrpc: '2.0', id: 4, method: 'tools/list' },
      { 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25' },
    );
    expect(after.status).toBeGreaterThanOrEqual(400);
    expect(after.status).toBeLessThan(500);
    await after.body?.cancel();
  });

  // @req UP-HEALTH
  it('reports the upstream backend, its host only, and that the last probe reached it', async () => {
    const res = await fetch(`${app.url}/api/health`);
    const health = (await res.json()) as Record<string, unknown>;
    const { host, pathname } = new URL(upstream.url);
    expect(health).toMatchObject({ status: 'ok', backend: 'upstream', upstream: { host, reached: true } });
    expect(JSON.stringify(health)).not.toContain(pathname);
  });

  // @req DASH-DEPLOY-CHECK
  it('the deployment check turns red when the upstream judges keys but accepts a made-up one', async () => {
    const open = await startApp({
      MCP_API_KEYS: undefined,
      MCP_KEY_SOURCE: 'upstream',
      MCP_UPSTREAM_URL: upstream.url,
    });
    try {
      const res = await fetch(`${open.url}/api/check/key-source`, { method: 'POST' });
      expect(await res.json()).toEqual({
        ok: false,
        detail: 'the upstream (MCP_KEY_SOURCE=upstream) accepted a made-up key',
        fix: 'The upstream accepted a made-up key: it does not check keys, so MCP_KEY_SOURCE=upstream would let anyone in. Use MCP_API_KEYS, MCP_API_KEY_HASHES or a key service instead.',
      });
    } finally {
      await open.stop();
    }
  });

  // @req UP-DASHBOARD
  it('"Test your key" lists the upstream\'s tools through its session', async () => {
    const result = await runKeyTest({
      apiKey: KEY_A,
      clientId: 'mcp',
      tokenUrl: `${app.url}/oauth/token`,
      mcpUrl: `${app.url}/mcp`,
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.serverName).toBe('mcp-servers/everything');
    expect(result.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'trigger-long-running-operation']));
    expect(upstream.output()).toMatch(/Received session termination request/);
  });
});
