/** A TCP server that accepts connections and never answers, nor reads: a Redis that hangs. */
import { createServer } from 'node:net';
import { listenOnLoopback, type FakeServer } from './server';

export function startBlackhole(): Promise<FakeServer> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
  });
  return listenOnLoopback(server, 'http');
}
