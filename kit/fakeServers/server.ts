/**
 * How every in-process fake server listens and stops: on a free loopback port (or the one given),
 * HTTP or HTTPS, and stopped by destroying every connection it holds, keep-alive ones included,
 * then closing it. Each fake adds its own controls to the `FakeServer` it gets from here.
 */
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server, Socket } from 'node:net';
import type { Listening } from '../ports';

export type FakeServer = Listening & {
  /** Connections open right now. */
  openConnections(): Promise<number>;
};

export type FakeServerOptions = {
  /** Added to the origin to make `url`, e.g. `/mcp`. */
  readonly path?: string;
  /** Serve HTTPS with this key and certificate. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** How long an idle keep-alive connection stays open (Node's default: 5 s). */
  readonly keepAliveTimeoutMs?: number;
  /** A fixed port, for a fake run in its own process; by default any free one. */
  readonly port?: number;
};

/** An HTTP (or, with `tls`, HTTPS) server answering with `handler`. */
export function startFakeServer(handler: RequestListener, options: FakeServerOptions = {}): Promise<FakeServer> {
  const server = options.tls ? createHttpsServer({ ...options.tls }, handler) : createHttpServer(handler);
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  return listenOnLoopback(server, options.tls ? 'https' : 'http', options);
}

/** Listens with any TCP server (HTTP, HTTPS, or raw `node:net`) and gives it the `FakeServer` shape. */
export async function listenOnLoopback(
  server: Server,
  scheme: 'http' | 'https',
  options: Pick<FakeServerOptions, 'path' | 'port'> = {},
): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  const origin = `${scheme}://127.0.0.1:${address.port}`;
  return {
    url: `${origin}${options.path ?? ''}`,
    origin,
    port: address.port,
    openConnections: () =>
      new Promise((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
