/**
 * The upstream backend called in-process, against a real node:http upstream on loopback: the
 * choices made at start and the answers that need no gateway around them.
 */
import { assert, afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/config';
import { createListKeySource, fingerprintOf, type Fingerprint } from '@/lib/keys';
import { createBackend } from '@/lib/mcp/backends';
import { createToolsBackend } from '@/lib/mcp/backends/inProcess';
import { createUpstreamBackend } from '@/lib/mcp/backends/upstream';
import type { Identity } from '@/lib/mcp/identity';
import { mcpRefusalResponse } from '@/lib/mcp/refusals';
import { startFaultyUpstream, type FaultyUpstream } from '@/kit/fakeServers/faultyUpstream';

const KEY = 'unit_key_0123456789abcdefghijkl';
const PUBLIC_URL = 'https://mcp.example.com';
const config = { resourceMetadataUrl: `${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp` };

let upstream: FaultyUpstream;
beforeAll(async () => {
  upstream = await startFaultyUpstream();
});
afterAll(async () => {
  await upstream?.stop();
});

const settings = () => ({
  url: `http://127.0.0.1:${upstream.port}/mcp`,
  apiKeyHeader: 'x-api-key-upstream',
  timeoutMs: 2000,
});

function identity(fingerprint: string): Identity {
  return {
    fingerprint: fingerprint as Fingerprint,
    clientId: 'mcp',
    scopes: ['mcp'],
    expiresAt: null,
    method: 'oauth_bearer',
  };
}

const ping = () =>
  new Request(`${PUBLIC_URL}/mcp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: '*/*' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });

describe('createBackend', () => {
  it('chooses the upstream forwarder when MCP_UPSTREAM_URL is set and the in-process tools otherwise', async () => {
    const env = { NODE_ENV: 'production', PUBLIC_URL, AUTH_SECRET: 'c'.repeat(64), MCP_API_KEYS: KEY };
    const forwarding = createBackend(loadConfig({ ...env, MCP_UPSTREAM_URL: settings().url }));
    expect(forwarding.kind).toBe('upstream');
    expect(forwarding.methods).toEqual(['POST', 'GET', 'DELETE']);
    const local = createBackend(loadConfig(env));
    expect(local.kind).toBe('tools');
    expect(await local.health()).toEqual({ backend: 'tools' });
  });
});

describe('createUpstreamBackend', () => {
  // @req UP-OWN-KEY
  it('sends the bare key in a custom header and the canonical Accept', async () => {
    upstream.mode = { kind: 'echo' };
    const backend = createUpstreamBackend(settings());
    const answer = await backend.serve(ping(), identity(await fingerprintOf(KEY)), async () => KEY);
    if (!answer.ok) throw new Error(`refused: ${answer.refusal.kind}`);
    const res = answer.response;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    const arrived = upstream.arrivals.at(-1)!;
    expect(arrived.headers['x-api-key-upstream']).toBe(KEY);
    expect(arrived.headers.authorization).toBeUndefined();
    expect(arrived.headers.accept).toBe('application/json, text/event-stream');
  });

  // @req KEY-REVOCATION
  it('answers 401 invalid_token, calling nothing, when the key behind the fingerprint is gone', async () => {
    const backend = createUpstreamBackend(settings());
    const keys = await createListKeySource([KEY]);
    const before = upstream.arrivals.length;
    const gone = '0123456789abcdef' as Fingerprint;
    const answer = await backend.serve(ping(), identity(gone), () =>
      keys.holdsKeys ? keys.keyFor(gone) : Promise.resolve(null),
    );
    expect(answer).toEqual({
      ok: false,
      refusal: {
        kind: 'credential',
        failure: {
          kind: 'invalid_token',
          description: 'The access token was revoked.',
          credential: 'bearer',
          reason: 'key_revoked',
        },
      },
    });
    const res = mcpRefusalResponse(answer.ok ? assert.fail() : answer.refusal, config);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(upstream.arrivals.length).toBe(before);
  });

  // @req UP-HEALTH
  it('reports the upstream host only, and whether the probe reached it', async () => {
    const backend = createUpstreamBackend({
      ...settings(),
      url: `http://127.0.0.1:${upstream.port}/private/mcp?tenant=x`,
    });
    expect(await backend.health()).toEqual({
      backend: 'upstream',
      upstream: { host: `127.0.0.1:${upstream.port}`, reached: true },
    });
    expect(upstream.arrivals.at(-1)).toMatchObject({ method: 'HEAD', url: '/private/mcp?tenant=x' });
    expect(upstream.arrivals.at(-1)!.headers['x-api-key-upstream']).toBeUndefined();

    const unreachable = createUpstreamBackend({ ...settings(), url: 'http://127.0.0.1:1/mcp' });
    expect(await unreachable.health()).toEqual({
      backend: 'upstream',
      upstream: { host: '127.0.0.1:1', reached: false },
    });
  });
});

describe('createToolsBackend', () => {
  it('reports the tools backend to health', async () => {
    expect(await createToolsBackend().health()).toEqual({ backend: 'tools' });
  });
});

describe('a read-only connection in front of the upstream', () => {
  const readOnly: Identity = { ...identity('0123456789abcdef'), scopes: ['mcp:read'] };
  const list = () =>
    new Request(`${PUBLIC_URL}/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: '*/*' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });

  for (const sse of [false, true]) {
    // @req READ-ONLY-UPSTREAM
    it(`lists only the tools it may call (${sse ? 'SSE, after a progress notification' : 'JSON'})`, async () => {
      upstream.mode = { kind: 'tools', tools: ['search', 'delete_all', 'mystery'], sse };
      const backend = createUpstreamBackend(settings(), { readOnlyTools: ['search'], writeTools: [] });
      const answer = await backend.serve(list(), readOnly, async () => KEY);
      if (!answer.ok) throw new Error(answer.refusal.kind);
      const text = await answer.response.text();
      const messages = sse
        ? text
            .split('\n\n')
            .filter(Boolean)
            .map(
              (block) =>
                JSON.parse(
                  block
                    .split('\n')
                    .find((l) => l.startsWith('data: '))!
                    .slice(6),
                ) as Record<string, unknown>,
            )
        : [JSON.parse(text) as Record<string, unknown>];
      const result = messages.at(-1) as { result: { tools: { name: string }[] } };
      expect(result.result.tools.map((t) => t.name)).toEqual(['search']);
      if (sse) {
        expect(messages[0]).toMatchObject({ method: 'notifications/progress' });
        expect(text).toContain('id: 7');
      }
      // Full access sees everything, untouched.
      const full = await createUpstreamBackend(settings()).serve(list(), identity('0123456789abcdef'), async () => KEY);
      if (!full.ok) throw new Error(full.refusal.kind);
      expect(await full.response.text()).toContain('delete_all');
    });
  }

  // @req READ-ONLY-UPSTREAM
  it("learns the upstream's readOnlyHint from its tools/list with the user's key, once per key", async () => {
    upstream.mode = { kind: 'tools', tools: ['search', 'delete_all'], sse: true, readOnly: ['search'] };
    const backend = createUpstreamBackend(settings());
    const call = (name: string) =>
      new Request(`${PUBLIC_URL}/mcp`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: '*/*' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } }),
      });
    const before = upstream.arrivals.length;
    const allowed = await backend.serve(call('search'), readOnly, async () => KEY);
    expect(allowed.ok).toBe(true);
    if (allowed.ok) await allowed.response.text();
    // One listing to learn, then the call itself.
    const learnedWith = upstream.arrivals.slice(before);
    expect(learnedWith.map((a) => JSON.parse(a.body.toString()) as { method: string }).map((m) => m.method)).toEqual([
      'tools/list',
      'tools/call',
    ]);
    expect(learnedWith[0]!.headers['x-api-key-upstream']).toBe(KEY);
    const refused = await backend.serve(call('delete_all'), readOnly, async () => KEY);
    expect(refused).toEqual({ ok: false, refusal: { kind: 'read_only', method: 'tools/call', tool: 'delete_all' } });
    // Learned once: the refusal asked the upstream nothing.
    expect(upstream.arrivals.length).toBe(before + 2);
    // The operator's MCP_WRITE_TOOLS wins over the upstream's own hint.
    const strict = createUpstreamBackend(settings(), { readOnlyTools: [], writeTools: ['search'] });
    expect(await strict.serve(call('search'), readOnly, async () => KEY)).toMatchObject({
      ok: false,
      refusal: { kind: 'read_only' },
    });
  });
});
