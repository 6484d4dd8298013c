/**
 * The MCP project's reference server, `@modelcontextprotocol/server-everything`, in its Streamable
 * HTTP mode (session-ful, SSE, resumable, progress notifications) on a free port: a real upstream
 * that knows nothing of the gateway. Its own process; `url` is its `/mcp`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort } from '../ports';
import { startServerProcess, type ServerProcess } from '../processes';

const require = createRequire(import.meta.url);

export type EverythingServer = ServerProcess;

export async function startEverything(): Promise<EverythingServer> {
  const port = await freePort();
  const entry = join(
    dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
    'dist',
    'index.js',
  );
  return startServerProcess([entry, 'streamableHttp'], {
    what: 'server-everything',
    port,
    path: '/mcp',
    env: { PORT: String(port) },
    // Without a session id it answers 400: enough to know it listens.
    ready: async (origin) => (await fetch(`${origin}/mcp`, { method: 'GET' })).status === 400,
    timeoutMs: 20_000,
  });
}
