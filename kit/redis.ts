/**
 * A real `redis-server` on a free port with the Upstash REST protocol in front of it
 * (`@humanwhocodes/upstash-redis-server`), as the app talks to Upstash in production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort, waitFor } from './ports';
import { ROOT, stopProcess } from './processes';

export type RedisStack = {
  /** The Upstash REST URL and token for the app's environment. */
  readonly restUrl: string;
  readonly restToken: string;
  readonly redisPort: number;
  /** Runs one command through the REST bridge. */
  command(...args: (string | number)[]): Promise<unknown>;
  /** Stops the REST bridge only (an outage as the app sees it). */
  stopBridge(): Promise<void>;
  /** Starts the REST bridge again on the same port. */
  startBridge(): Promise<void>;
  stop(): Promise<void>;
};

function bridgeScript(): string {
  // The package exports only its ESM entry, so its bin is located by path.
  return join(ROOT, 'node_modules', '@humanwhocodes', 'upstash-redis-server', 'dist', 'server.js');
}

export async function startRedisStack(): Promise<RedisStack> {
  const redisPort = await freePort();
  const redis = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(redisPort, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    10_000,
    'redis-server',
  );

  const bridgePort = await freePort();
  const restUrl = `http://127.0.0.1:${bridgePort}`;
  const restToken = 'test-bridge-token-0123456789abcdef';
  let bridge: ChildProcess | null = null;

  const command = async (...args: (string | number)[]) => {
    const res = await fetch(restUrl, {
      method: 'POST',
      headers: { Authorization: `Bearer ${restToken}` },
      body: JSON.stringify(args),
    });
    const json = (await res.json()) as { result?: unknown; error?: string };
    if (json.error) throw new Error(json.error);
    return json.result;
  };

  const startBridge = async () => {
    bridge = spawn(process.execPath, [bridgeScript()], {
      env: {
        ...process.env,
        URS_TOKEN: restToken,
        PORT: String(bridgePort),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      },
      stdio: 'ignore',
    });
    await waitFor(async () => (await command('PING')) === 'PONG', 10_000, 'upstash bridge');
  };
  await startBridge();

  return {
    restUrl,
    restToken,
    redisPort,
    command,
    stopBridge: () => stopProcess(bridge),
    startBridge,
    async stop() {
      await stopProcess(bridge);
      await stopProcess(redis);
    },
  };
}
