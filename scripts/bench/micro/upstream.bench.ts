import { afterAll, bench, describe } from 'vitest';
import { KEY_A } from '@/kit/app';
import { startFakeServer } from '@/kit/fakeServers/server';
import { fingerprintOf } from '@/lib/keys';
import { createUpstreamBackend } from '@/lib/mcp/backends/upstream';
import type { Identity } from '@/lib/mcp/identity';
import { benchServices, OPTIONS } from './support';

// The forwarder's own cost, without Next, the gate or Redis: `serve` against a bare node:http
// upstream on loopback, next to a plain `fetch` of that upstream (both share this process's
// event loop with the upstream, so their difference is the forwarder).
const TOOLS = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  result: { tools: Array.from({ length: 10 }, (_, i) => ({ name: `tool_${i}`, inputSchema: { type: 'object' } })) },
});
const upstream = await startFakeServer(
  (req, res) => {
    req.resume();
    req.on('end', () =>
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(TOOLS) }).end(TOOLS),
    );
  },
  { path: '/mcp', keepAliveTimeoutMs: 60_000 },
);
afterAll(() => upstream.stop());
const url = upstream.url;

const services = await benchServices();
const backend = createUpstreamBackend({ url, apiKeyHeader: 'authorization', timeoutMs: 30_000 });
const keys = services.keys;
const forwardKey = () => (keys.holdsKeys ? keys.keyFor(identity.fingerprint) : Promise.resolve(null));
const identity: Identity = {
  fingerprint: await fingerprintOf(KEY_A),
  clientId: 'mcp',
  scopes: ['mcp'],
  expiresAt: null,
  method: 'oauth_bearer',
};
const BODY = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
const request = () =>
  new Request(services.config.resource, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: '*/*', 'Content-Length': String(BODY.length) },
    body: BODY,
  });
if ((await relayedText()) !== TOOLS) throw new Error('the forwarder changed the answer');

async function relayedText(): Promise<string> {
  const answer = await backend.serve(request(), identity, forwardKey);
  if (!answer.ok) throw new Error(`the forwarder refused: ${answer.refusal.kind}`);
  return answer.response.text();
}

describe('one tools/list to a loopback upstream', () => {
  bench(
    'the upstream backend: serve() and read the relayed answer',
    async () => {
      await relayedText();
    },
    OPTIONS,
  );
  bench(
    'direct: fetch() and read the answer',
    async () => {
      await (
        await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY_A}` },
          body: BODY,
        })
      ).text();
    },
    OPTIONS,
  );
});
