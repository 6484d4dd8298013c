#!/usr/bin/env node
/**
 * `npm run redis`: a local redis-server and the Upstash REST protocol in front of it
 * (@humanwhocodes/upstash-redis-server), both on loopback only, then the two environment
 * variables that point the app at them. Ctrl-C stops both. Nothing is persisted.
 *
 *   REDIS_PORT  redis-server port (default 6379)
 *   REST_PORT   REST protocol port (default 8079)
 *   URS_TOKEN   the REST bearer token (default: random for this run)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from '@humanwhocodes/upstash-redis-server';

const redisPort = Number(process.env.REDIS_PORT ?? 6379);
const restPort = Number(process.env.REST_PORT ?? 8079);
const token = process.env.URS_TOKEN ?? randomBytes(24).toString('hex');

function reachable(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

for (const [name, port] of [
  ['REDIS_PORT', redisPort],
  ['REST_PORT', restPort],
]) {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`${name} must be a port number`);
    process.exit(1);
  }
  if (await reachable(port)) {
    console.error(`Port ${port} (${name}) is already in use; set ${name} to a free port.`);
    process.exit(1);
  }
}

const redis = spawn(
  'redis-server',
  ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
redis.on('error', (error) => {
  console.error(
    `Could not start redis-server (${error.code ?? error.message}); install it (Debian: apt install redis-server).`,
  );
  process.exit(1);
});
redis.on('exit', (code) => {
  console.error(`redis-server exited (${code})`);
  process.exit(code ?? 1);
});

const deadline = Date.now() + 10_000;
while (!(await reachable(redisPort))) {
  if (Date.now() > deadline) {
    console.error('redis-server did not start within 10 s');
    redis.kill();
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 100));
}

const app = createApp({ token, redisUrl: `redis://127.0.0.1:${redisPort}` });
const server = serve({ fetch: app.fetch, port: restPort, hostname: '127.0.0.1' }, () => {
  console.log(`redis-server on 127.0.0.1:${redisPort}, Upstash REST protocol on http://127.0.0.1:${restPort}`);
  console.log('Set these (for example in .env.local), then start the app:');
  console.log('');
  console.log(`UPSTASH_REDIS_REST_URL=http://127.0.0.1:${restPort}`);
  console.log(`UPSTASH_REDIS_REST_TOKEN=${token}`);
  console.log('');
  console.log('Ctrl-C stops both.');
});

function stop() {
  server.close();
  redis.removeAllListeners('exit');
  redis.kill('SIGTERM');
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
