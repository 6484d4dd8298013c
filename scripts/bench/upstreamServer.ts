/**
 * A minimal API-key MCP server for the proxied benchmark cases, on bare `node:http` in its own
 * process (so neither autocannon nor the gateway shares its event loop). It answers JSON-RPC
 * `ping` and `tools/list` with JSON, and `tools/call` of `stream` with an SSE answer whose first
 * event is written at once and whose result follows `BENCH_STREAM_GAP_MS` later. It is as cheap
 * as a server can be, so what the benchmark sees on top of it is the gateway.
 *
 * Environment: BENCH_PORT, BENCH_KEYS (comma-separated keys accepted as `Authorization: Bearer`).
 */
import type { RequestListener } from 'node:http';
import { startFakeServer } from '@/kit/fakeServers/server';
import { readBody } from '@/kit/http';

const keys = new Set((process.env.BENCH_KEYS ?? '').split(',').filter(Boolean));
const GAP_MS = Number(process.env.BENCH_STREAM_GAP_MS ?? 50);

const TOOLS = Array.from({ length: 10 }, (_, i) => ({
  name: `tool_${i}`,
  description: `Benchmark tool number ${i}.`,
  inputSchema: { type: 'object', properties: { query: { type: 'string' } } },
}));

const handler: RequestListener = (req, res) =>
  void (async () => {
    const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const body = await readBody(req);
    if (!key || !keys.has(key)) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"invalid key"}');
      return;
    }
    let message: { id?: unknown; method?: string; params?: { name?: string } };
    try {
      message = JSON.parse(body) as typeof message;
    } catch {
      res
        .writeHead(400, { 'Content-Type': 'application/json' })
        .end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
      return;
    }
    if (message.method === 'tools/call' && message.params?.name === 'stream') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write(
        `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } })}\n\n`,
      );
      setTimeout(
        () =>
          res.end(
            `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { content: [] } })}\n\n`,
          ),
        GAP_MS,
      );
      return;
    }
    const result = message.method === 'tools/list' ? { tools: TOOLS } : {};
    const text = JSON.stringify({ jsonrpc: '2.0', id: message.id ?? null, result });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
  })();

export async function main(): Promise<void> {
  const server = await startFakeServer(handler, { port: Number(process.env.BENCH_PORT), keepAliveTimeoutMs: 60_000 });
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
}
