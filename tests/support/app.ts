/**
 * A real `next start` of the production build on a free port, with its own environment and its
 * output captured (the log audit reads it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort, waitFor } from './ports';

const require = createRequire(import.meta.url);
export const ROOT = join(import.meta.dirname, '..', '..');
/** Every app instance's output is appended here for the log audit. */
export const SERVER_LOG = join(ROOT, 'test-results', 'server-output.log');

export type AppInstance = {
  readonly url: string;
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
  output(): string;
  stop(): Promise<void>;
};

export const TEST_SECRET = 'a'.repeat(16) + '0123456789abcdef0123456789abcdef0123456789abcdef';
export const KEY_A = 'key_alpha_0123456789abcdefghijkl';
export const KEY_B = 'key_bravo_0123456789abcdefghijkl';

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

/** Runs `next start` and resolves once it exits (for configurations that must refuse to start). */
export function runNextStart(
  env: Record<string, string>,
  port: number,
): { exited: Promise<{ code: number | null; output: string }>; child: ChildProcess } {
  const child = spawn(
    process.execPath,
    [require.resolve('next/dist/bin/next'), 'start', '-p', String(port), '-H', '127.0.0.1'],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } as unknown as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    try {
      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      appendFileSync(SERVER_LOG, text);
    } catch {
      // the audit reads what it can
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, output })),
  );
  Object.defineProperty(child, 'collectedOutput', { get: () => output });
  return { exited, child };
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
  const { child, exited } = runNextStart(env, port);
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  const early = exited.then(({ code, output }) => {
    if (!stopped) throw new Error(`next start exited with ${code}:\n${output}`);
  });
  await Promise.race([
    waitFor(async () => (await fetch(`${url}/api/health`)).ok, 30_000, `next start on ${port}`),
    early,
  ]);
  return {
    url,
    port,
    env,
    output: () => (child as unknown as { collectedOutput: string }).collectedOutput,
    async stop() {
      stopped = true;
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
