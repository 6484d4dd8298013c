/**
 * An upstream whose behaviour the test switches at run time, for the failures a real MCP server
 * can show the gateway: never answering, dropping the connection mid-stream, refusing the key,
 * redirecting, streaming SSE for as long as asked. In `echo` mode it answers a JSON-RPC result
 * and records exactly what arrived (method, request target, headers, body bytes).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { startFakeServer, type FakeServer } from './server';

export type FaultMode =
  | { kind: 'echo' }
  | { kind: 'hang' }
  | { kind: 'refuse'; status: 401 | 403 }
  | { kind: 'redirect' }
  /** SSE headers and one event, then the socket is destroyed. */
  | { kind: 'drop' }
  /** `events` SSE events `gapMs` apart, then the end of the stream. */
  | { kind: 'stream'; events: number; gapMs: number }
  /** A `tools/list` result naming `tools`, as one JSON body or as SSE after a progress notification. */
  | { kind: 'tools'; tools: string[]; sse: boolean; readOnly?: string[] };

export type Arrival = {
  method: string;
  url: string;
  rawHeaders: string[];
  headers: IncomingMessage['headers'];
  body: Buffer;
};

export type FaultyUpstream = FakeServer & {
  mode: FaultMode;
  readonly arrivals: Arrival[];
  /** Request targets whose client went away before the answer ended. */
  readonly abandoned: string[];
};

/** Headers a server might send that the gateway must never pass to its client. */
export const UPSTREAM_ONLY_HEADERS = {
  'Set-Cookie': 'upstream_session=secret; Path=/',
  'X-Upstream-Internal': 'db-7.internal',
  'Access-Control-Allow-Origin': 'https://upstream.example',
  'Strict-Transport-Security': 'max-age=1',
} as const;

const RESULT = JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} });

export async function startFaultyUpstream(keepAliveTimeoutMs = 1000): Promise<FaultyUpstream> {
  const arrivals: Arrival[] = [];
  const abandoned: string[] = [];
  const state = { mode: { kind: 'echo' } as FaultMode };

  function answer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    arrivals.push({
      method: req.method ?? '',
      url: req.url ?? '',
      rawHeaders: req.rawHeaders,
      headers: req.headers,
      body,
    });
    const mode = state.mode;
    switch (mode.kind) {
      case 'echo':
        res
          .writeHead(200, {
            'Content-Type': 'application/json',
            'Mcp-Session-Id': 'upstream-session-1',
            ...UPSTREAM_ONLY_HEADERS,
          })
          .end(RESULT);
        return;
      case 'hang':
        return;
      case 'refuse':
        res
          .writeHead(mode.status, {
            'Content-Type': 'text/plain',
            'WWW-Authenticate': 'ApiKey realm="upstream-internal"',
          })
          .end('key rejected by upstream-internal');
        return;
      case 'redirect':
        res.writeHead(302, { Location: 'http://127.0.0.1:1/elsewhere' }).end();
        return;
      case 'drop':
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write(
          'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}\n\n',
          () => {
            setTimeout(() => res.socket?.destroy(), 50);
          },
        );
        return;
      case 'tools': {
        const list = JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          result: {
            tools: mode.tools.map((name) => ({
              name,
              inputSchema: { type: 'object' },
              ...(mode.readOnly?.includes(name) ? { annotations: { readOnlyHint: true } } : {}),
            })),
          },
        });
        if (!mode.sse) {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(list);
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        // Split mid-event, as a network may deliver it.
        const events = `event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}\n\nevent: message\nid: 7\ndata: ${list}\n\n`;
        res.write(events.slice(0, 150));
        setTimeout(() => res.end(events.slice(150)), 20);
        return;
      }
      case 'stream': {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
        let sent = 0;
        const tick = () => {
          if (res.destroyed) return;
          sent += 1;
          const last = sent === mode.events;
          res.write(
            `event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":${sent}}}\n\n`,
          );
          if (last) res.end(`event: message\ndata: ${RESULT}\n\n`);
          else setTimeout(tick, mode.gapMs);
        };
        tick();
        return;
      }
    }
  }

  const handler: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    res.once('close', () => {
      if (!res.writableFinished) abandoned.push(req.url ?? '');
    });
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, Buffer.concat(chunks)));
    req.on('error', () => {});
  };
  const server = await startFakeServer(handler, { keepAliveTimeoutMs });
  return {
    ...server,
    get mode() {
      return state.mode;
    },
    set mode(mode: FaultMode) {
      state.mode = mode;
    },
    arrivals,
    abandoned,
  };
}
