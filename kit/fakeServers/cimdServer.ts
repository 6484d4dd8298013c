/**
 * A real HTTPS server for Client ID Metadata Documents, with a throwaway CA made by `openssl`.
 * App instances trust the CA through `NODE_EXTRA_CA_CERTS`, so the gateway's production fetch
 * path (node:https, certificate checks included) runs against it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json } from '../http';
import { startFakeServer, type FakeServer } from './server';

export type Route = (req: IncomingMessage, res: ServerResponse, self: string) => void;

export type CimdServer = FakeServer & {
  /** PEM file of the throwaway CA, for `NODE_EXTRA_CA_CERTS`. */
  readonly caFile: string;
  readonly routes: Map<string, Route>;
  /** Requests received per path. */
  readonly hits: Map<string, number>;
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

export async function startCimdServer(): Promise<CimdServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cimd-ca-'));
  const { key, cert, caFile } = makeCertificates(dir);
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const server = await startFakeServer(
    (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const route = routes.get(path);
      // The URL the client asked for, as a CIMD document's client_id must spell it.
      const self = `https://${req.headers.host}${req.url}`;
      if (route) route(req, res, self);
      else json(res, { error: 'not found' }, {}, 404);
    },
    { tls: { key, cert } },
  );
  return {
    ...server,
    caFile,
    routes,
    hits,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
