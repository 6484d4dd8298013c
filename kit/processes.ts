/**
 * Child processes the tests and the bench start: Node scripts with nothing of this process's
 * environment but PATH and HOME, their output collected, and the servers among them started on a
 * port, waited for, and stopped one way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor, type Listening } from './ports';

/** The repository root: where the kit finds `node_modules` and runs `next start`. */
export const ROOT = join(import.meta.dirname, '..');

/** Stops a child process: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
export function stopProcess(child: ChildProcess | null, graceMs = 3000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
  });
}

type Sink = 'pipe' | 'inherit' | 'ignore';

export type NodeProcessOptions = {
  /** Its environment besides PATH and HOME. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Where stdout and stderr go (default: piped into `output()`). */
  readonly stdout?: Sink;
  readonly stderr?: Sink;
  /** Called with each piece of piped output as it arrives. */
  readonly onOutput?: (text: string) => void;
};

export type NodeProcess = {
  readonly child: ChildProcess;
  /** What it has written so far to the streams piped to this process. */
  output(): string;
  /** Settles when it exits, with its exit code and all its piped output. */
  readonly exited: Promise<{ code: number | null; output: string }>;
};

/** Runs `node ...args`. */
export function spawnNode(args: readonly string[], options: NodeProcessOptions): NodeProcess {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env } as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', options.stdout ?? 'pipe', options.stderr ?? 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    options.onOutput?.(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, output })),
  );
  return { child, output: () => output, exited };
}

export type ServerProcess = Listening & {
  /** What it has written so far to the streams piped to this process. */
  output(): string;
};

export type ServerProcessOptions = NodeProcessOptions & {
  /** What it is, for the error when it does not come up. */
  readonly what: string;
  /** The port it was told to listen on (through `args` or `env`). */
  readonly port: number;
  /** Added to the origin to make `url`, e.g. `/mcp`. */
  readonly path?: string;
  /** True once it serves; asked every 100 ms, a throw counting as not yet. */
  readonly ready: (origin: string) => Promise<boolean>;
  readonly timeoutMs: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. */
  readonly stopGraceMs?: number;
};

/**
 * Runs `node ...args` as a server on `options.port` and resolves once `ready` says it serves; an
 * exit before that rejects with its output.
 */
export async function startServerProcess(
  args: readonly string[],
  options: ServerProcessOptions,
): Promise<ServerProcess> {
  const spawned = spawnNode(args, options);
  const origin = `http://127.0.0.1:${options.port}`;
  let stopped = false;
  const early = spawned.exited.then(({ code, output }) => {
    if (!stopped) throw new Error(`${options.what} exited with ${code}:\n${output}`);
  });
  await Promise.race([
    waitFor(() => options.ready(origin), options.timeoutMs, `${options.what} on ${options.port}`),
    early,
  ]);
  return {
    url: `${origin}${options.path ?? ''}`,
    origin,
    port: options.port,
    output: () => spawned.output(),
    stop() {
      stopped = true;
      return stopProcess(spawned.child, options.stopGraceMs);
    },
  };
}
