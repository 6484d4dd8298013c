/**
 * An MCP server that understands only an API-key header, the situation the gateway exists for:
 * the official SDK v2 server (`createMcpHandler`, both protocol eras) on plain `node:http`. It
 * refuses any request without one of its keys in its header (401, as such servers do), and its
 * tools report which key called (by fingerprint). Every request's method, URL and headers are
 * recorded, and so is every request the caller abandoned before the answer ended.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { fingerprintOf } from '@/lib/keys';
import { headersOf } from '../http';
import { startFakeServer, type FakeServer } from './server';

export type SeenRequest = {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
};

export type ApiKeyServer = FakeServer & {
  /** Every request that reached the server, refused or not. */
  readonly seen: SeenRequest[];
  /** URLs of requests whose client went away before the answer ended. */
  readonly abandoned: string[];
  /** Stops accepting `key`, as an API whose customer revoked it. */
  revoke(key: string): void;
};

export type ApiKeyServerOptions = {
  /** Lowercase header name carrying the key; `authorization` expects `Bearer <key>`. */
  readonly header: string;
  readonly keys: readonly string[];
};

export async function startApiKeyServer(options: ApiKeyServerOptions): Promise<ApiKeyServer> {
  const byKey = new Map<string, string>();
  for (const key of options.keys) byKey.set(key, await fingerprintOf(key));

  const handler = createMcpHandler(
    (ctx) => {
      // Both eras hand the factory the caller's `authInfo` (the legacy leg builds its own Request).
      const fingerprint = ctx.authInfo?.clientId;
      if (!fingerprint) throw new TypeError('request without a verified key');
      const server = new McpServer({ name: 'api-key-fixture', version: '1.0.0' }, { capabilities: { logging: {} } });
      server.registerTool(
        'whoami',
        {
          description: 'Which API key called, by fingerprint.',
          inputSchema: z.object({}),
          annotations: { readOnlyHint: true },
          outputSchema: z.object({ fingerprint: z.string(), header: z.string() }),
        },
        () => {
          const structuredContent = { fingerprint, header: options.header };
          return { content: [{ type: 'text', text: JSON.stringify(structuredContent) }], structuredContent };
        },
      );
      server.registerTool(
        'slow',
        {
          description: 'Sends `steps` progress notifications `delayMs` apart, then answers.',
          inputSchema: z.object({ steps: z.number().int(), delayMs: z.number().int() }),
        },
        async ({ steps, delayMs }, sdk) => {
          const token = sdk.mcpReq._meta?.progressToken;
          for (let i = 1; i <= steps; i++) {
            await new Promise((resolve) => setTimeout(resolve, delayMs));
            if (sdk.mcpReq.signal.aborted) break;
            if (token !== undefined)
              await sdk.mcpReq.notify({
                method: 'notifications/progress',
                params: { progressToken: token, progress: i, total: steps },
              });
          }
          return { content: [{ type: 'text', text: `done after ${steps} steps` }] };
        },
      );
      return server;
    },
    { legacy: 'stateless', onerror: (error) => console.error('[api-key-fixture]', error) },
  );

  const seen: SeenRequest[] = [];
  const abandoned: string[] = [];

  function keyOf(req: IncomingMessage): string | null {
    const raw = req.headers[options.header];
    if (typeof raw !== 'string') return null;
    if (options.header !== 'authorization') return raw;
    const match = /^Bearer (.+)$/.exec(raw);
    return match ? match[1]! : null;
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) {
        abandoned.push(req.url ?? '');
        controller.abort();
      }
    });
    const key = keyOf(req);
    const fingerprint = key === null ? undefined : byKey.get(key);
    if (!fingerprint) {
      req.resume();
      res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'invalid API key' }));
      return;
    }
    const headers = headersOf(req);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
      duplex: 'half',
      signal: controller.signal,
    } as RequestInit);
    const response = await handler.fetch(request, {
      authInfo: { token: 'api-key', clientId: fingerprint, scopes: [] },
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) {
      res.end();
      return;
    }
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        if (res.destroyed) break;
        res.write(chunk);
      }
    } catch {
      // the caller went away
    }
    res.end();
  }

  const server = await startFakeServer(
    (req, res) => {
      serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
        else res.destroy();
      });
    },
    { path: '/mcp' },
  );
  return { ...server, seen, abandoned, revoke: (key) => void byKey.delete(key) };
}
