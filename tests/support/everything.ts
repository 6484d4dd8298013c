/**
 * The MCP project's reference server, `@modelcontextprotocol/server-everything`, in its Streamable
 * HTTP mode (session-ful, SSE, resumable, progress notifications) on a free port: a real upstream
 * that knows nothing of the gateway.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort, waitFor } from '@/kit/ports';
import { stopProcess } from '@/kit/processes';

const require = createRequire(import.meta.url);

export type EverythingServer = { readonly url: string; output(): string; stop(): Promise<void> };

export async function startEverything(): Promise<EverythingServer> {
  const port = await freePort();
  const entry = join(
    dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
    'dist',
    'index.js',
  );
  const child = spawn(process.execPath, [entry, 'streamableHttp'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
    } as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}/mcp`;
  // Without a session id it answers 400: enough to know it listens.
  await waitFor(
    async () => (await fetch(url, { method: 'GET' })).status === 400,
    20_000,
    `server-everything on ${port}`,
  );
  return {
    url,
    output: () => output,
    stop: () => stopProcess(child),
  };
}
