/**
 * A bare `node:http` `/mcp`-equivalent that answers JSON-RPC `ping`, run in its own process so
 * autocannon does not share its event loop. Two paths, identical except for authentication:
 *
 *   POST /stateless  the app's own `verifyMcpCredential` (JWT verify + key-source re-check)
 *   POST /seed       the seed design: the bearer is an opaque id looked up through Upstash REST
 *
 * Neither path applies a rate limit, so the difference between them is the authentication alone.
 * Environment: the app's (same AUTH_SECRET, PUBLIC_URL and keys, so its tokens verify here), plus
 * BENCH_PORT and the Upstash REST URL and token.
 */
import type { ServerResponse } from 'node:http';
import { loadConfig } from '@/lib/config';
import { verifyMcpCredential } from '@/lib/mcp/authenticate';
import { createServices } from '@/lib/services';
import { createSeedTokenStore } from './seed';
import { startFakeServer } from '@/kit/fakeServers/server';
import { headersOf, json, readBody } from '@/kit/http';

function send(res: ServerResponse, status: number, body: unknown): void {
  json(res, body, { 'Cache-Control': 'no-store' }, status);
}

export async function main(): Promise<void> {
  const env = process.env;
  const services = await createServices(loadConfig(env));
  const seed = createSeedTokenStore(env.UPSTASH_REDIS_REST_URL!, env.UPSTASH_REDIS_REST_TOKEN!);

  const server = await startFakeServer(
    (req, res) =>
      void (async () => {
        try {
          const body = await readBody(req);
          let authenticated: boolean;
          if (req.url === '/stateless') {
            authenticated = (await verifyMcpCredential(headersOf(req), services)).ok;
          } else if (req.url === '/seed') {
            authenticated = (await seed.authenticate(req.headers.authorization ?? null, services.keys)) !== null;
          } else {
            return send(res, 404, { error: 'not_found' });
          }
          if (!authenticated) return send(res, 401, { error: 'invalid_token' });
          const message = JSON.parse(body) as { id?: unknown; method?: unknown };
          if (message.method !== 'ping')
            return send(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32601, message: 'ping only' } });
          send(res, 200, { result: {}, jsonrpc: '2.0', id: message.id });
        } catch (error) {
          console.error('[baseline]', error instanceof Error ? error.message : error);
          send(res, 500, { error: 'server_error' });
        }
      })(),
    { port: Number(env.BENCH_PORT), keepAliveTimeoutMs: 60_000 },
  );
  process.stdout.write(`listening ${server.port}\n`);
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
}
