/** Free loopback ports, waiting for something to come up, and the shape of anything listening. */
import { createServer } from 'node:net';

/** A server the kit started: a fake, a spawned process, the app. */
export type Listening = {
  /** What a test hands the gateway: `origin`, plus the server's own path when it has one. */
  readonly url: string;
  /** `http://127.0.0.1:PORT` (`https://` for a TLS fake). */
  readonly origin: string;
  readonly port: number;
  /** Stops it and resolves once it is gone; stopping twice is harmless. */
  stop(): Promise<void>;
};

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Polls `check` every 100 ms (a throw counts as not yet) until it is true or `timeoutMs` pass. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
