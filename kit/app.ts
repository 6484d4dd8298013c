/**
 * A real `next start` of the production build on a free port, with its own environment and its
 * output captured (the log audit reads it).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort } from './ports';
import { ROOT, spawnNode, startServerProcess, type NodeProcess, type ServerProcess } from './processes';

export { ROOT };

const require = createRequire(import.meta.url);
const NEXT_BIN = require.resolve('next/dist/bin/next');

/** Every app instance's output is appended here for the log audit. */
export const SERVER_LOG = join(ROOT, 'test-results', 'server-output.log');

export type AppInstance = ServerProcess & {
  readonly env: Readonly<Record<string, string>>;
};

export const TEST_SECRET = 'a'.repeat(16) + '0123456789abcdef0123456789abcdef0123456789abcdef';
export const KEY_A = 'key_alpha_0123456789abcdefghijkl';
export const KEY_B = 'key_bravo_0123456789abcdefghijkl';

/** A valid-looking API key unique to `name` (≥ 24 characters), for an instance's own key list. */
export function apiKey(name: string): string {
  return `key_${name}_`.padEnd(32, 'x');
}

export function baseEnv(port: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    AUTH_SECRET: TEST_SECRET,
    MCP_API_KEYS: `${KEY_A},${KEY_B}`,
    NEXT_TELEMETRY_DISABLED: '1',
  };
}

function appendToServerLog(text: string): void {
  try {
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    appendFileSync(SERVER_LOG, text);
  } catch {
    // the audit reads what it can
  }
}

const nextStart = (port: number) => [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'];

/** Runs `next start` and resolves once it exits (for configurations that must refuse to start). */
export function runNextStart(env: Record<string, string>, port: number): NodeProcess {
  return spawnNode(nextStart(port), { env, cwd: ROOT, onOutput: appendToServerLog });
}

/** Starts an instance with `overrides` on top of a safe production environment. */
export async function startApp(
  overrides: Record<string, string | undefined> = {},
  portOverride?: number,
): Promise<AppInstance> {
  const port = portOverride ?? (await freePort());
  const env: Record<string, string> = baseEnv(port);
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const server = await startServerProcess(nextStart(port), {
    what: 'next start',
    port,
    env,
    cwd: ROOT,
    onOutput: appendToServerLog,
    ready: async (origin) => (await fetch(`${origin}/api/health`)).ok,
    timeoutMs: 30_000,
    stopGraceMs: 5000,
  });
  return { ...server, env };
}
