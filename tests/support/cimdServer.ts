/**
 * A real HTTPS server for Client ID Metadata Documents, with a throwaway CA made by `openssl`.
 * App instances trust the CA through `NODE_EXTRA_CA_CERTS`, so the gateway's production fetch
 * path (node:https, certificate checks included) runs against it.
 */
import type { Duplex } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Route = (req: IncomingMessage, res: ServerResponse, self: string) => void;

export type CimdServer = {
  /** `https://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** PEM file of the throwaway CA, for `NODE_EXTRA_CA_CERTS`. */
  readonly caFile: string;
  readonly routes: Map<string, Route>;
  /** Requests received per path. */
  readonly hits: Map<string, number>;
  stop(): Promise<void>;
};

function makeCertificates(dir: string): { key: string; cert: string; caFile: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=CIMD test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(
    join(dir, 'ext.cnf'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n',
  );
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  return {
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
    caFile: join(dir, 'ca.pem'),
  };
}

/** Answers `body` as JSON with `headers`. */
export function json(res: ServerResponse, body: unknown, headers: Record<string, string> = {}, status = 200): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function startCimdServer(): Promise<CimdServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cimd-ca-'));
  const { key, cert, caFile } = makeCertificates(dir);
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const sockets = new Set<Duplex>();
  const server: Server = createServer({ key, cert }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    // The URL the client asked for, as a CIMD document's client_id must spell it.
    const self = `https://${req.headers.host}${req.url}`;
    if (route) route(req, res, self);
    else json(res, { error: 'not found' }, {}, 404);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    origin: `https://127.0.0.1:${port}`,
    port,
    caFile,
    routes,
    hits,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
