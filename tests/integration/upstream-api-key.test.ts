/**
 * The gateway in front of an MCP server that understands only an API-key header (the SDK v2
 * fixture in kit/fakeServers/apiKeyServer.ts), configured WorldMonitor-style with a custom key
 * header. What reaches that server is read from its own record of every request.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf } from '@/lib/keys';
import { eventsIn } from '../support/events';
import { KEY_A, KEY_B, startApp, type AppInstance } from '@/kit/app';
import { startApiKeyServer, type ApiKeyServer } from '@/kit/fakeServers/apiKeyServer';
import { clientCredentialsToken, postMcp, readEvents } from '@/kit/http';
import { openConsent, submitConsent } from '../support/oauth';
import { waitFor } from '@/kit/ports';
import { runConnectorFlow } from '../support/sdkFlow';
import { sdkV1, sdkV2 } from '../support/sdkClients';

/** A key the gateway accepts and the upstream does not know. */
const KEY_UNKNOWN_UPSTREAM = 'key_charlie_0123456789abcdefghij';
const HEADER = 'x-worldmonitor-key';

let upstream: ApiKeyServer;
let app: AppInstance;

beforeAll(async () => {
  upstream = await startApiKeyServer({ header: HEADER, keys: [KEY_A, KEY_B] });
  app = await startApp({
    MCP_API_KEYS: `${KEY_A},${KEY_B},${KEY_UNKNOWN_UPSTREAM}`,
    MCP_UPSTREAM_URL: upstream.url,
    MCP_UPSTREAM_KEY_HEADER: 'X-WorldMonitor-Key',
    RATE_LIMIT_MCP_PER_MINUTE: '100000',
    RATE_LIMIT_TOKEN_PER_MINUTE: '100000',
  });
});

afterAll(async () => {
  await app?.stop();
  await upstream?.stop();
});

function call(headers: Record<string, string>, message: unknown): Promise<Response> {
  return postMcp(app.url, message, headers);
}

const WHOAMI = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'whoami', arguments: {} } };

async function whoamiOf(res: Response): Promise<{ fingerprint: string; header: string }> {
  expect(res.status).toBe(200);
  const messages = (res.headers.get('content-type') ?? '').includes('text/event-stream')
    ? (await readEvents(res)).map((e) => e.data)
    : [await res.json()];
  const answer = messages.find((m) => (m as { id?: unknown }).id === 7) as {
    result: { structuredContent: { fingerprint: string; header: string } };
  };
  return answer.result.structuredContent;
}

async function consentOverHttp(authorizationUrl: URL): Promise<URL> {
  const { request } = await openConsent(authorizationUrl.toString());
  const res = await submitConsent(app.url, { request, api_key: KEY_A, action: 'authorize' });
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location')!);
}

describe('an API-key MCP server behind the gateway', () => {
  // @req UP-OWN-KEY
  it("sends each caller's own key, bare, in the configured header, for two keys at once", async () => {
    const [tokenA, tokenB] = await Promise.all([
      clientCredentialsToken(app.url, KEY_A),
      clientCredentialsToken(app.url, KEY_B),
    ]);
    const from = upstream.seen.length;
    const calls = Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0 ? { token: tokenA, key: KEY_A } : { token: tokenB, key: KEY_B },
    );
    const answers = await Promise.all(
      calls.map(({ token }) => call({ Authorization: `Bearer ${token}` }, WHOAMI).then(whoamiOf)),
    );
    for (const [i, answer] of answers.entries())
      expect(answer).toEqual({ fingerprint: await fingerprintOf(calls[i]!.key), header: HEADER });
    const sent = upstream.seen.slice(from).map((r) => r.headers[HEADER]);
    expect(sent).toHaveLength(10);
    expect(sent.filter((k) => k === KEY_A)).toHaveLength(5);
    expect(sent.filter((k) => k === KEY_B)).toHaveLength(5);
  });

  // @req UP-NO-CLIENT-CREDENTIALS
  it("never lets the gateway bearer token, the client's cookies or its X-API-Key reach the upstream", async () => {
    const token = await clientCredentialsToken(app.url, KEY_A);
    const from = upstream.seen.length;
    await whoamiOf(
      await call(
        {
          Authorization: `Bearer ${token}`,
          Cookie: 'session=browser-cookie; other=1',
          'X-Forwarded-For': '203.0.113.9',
        },
        WHOAMI,
      ),
    );
    // The direct flow: the key itself arrives as X-API-Key and leaves only in the configured header.
    await whoamiOf(await call({ 'X-API-Key': KEY_B, Cookie: 'session=browser-cookie' }, WHOAMI));
    const seen = upstream.seen.slice(from);
    expect(seen).toHaveLength(2);
    for (const request of seen) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers.cookie).toBeUndefined();
      expect(request.headers['x-api-key']).toBeUndefined();
      expect(request.headers['x-forwarded-for']).toBeUndefined();
      expect(JSON.stringify(request.headers)).not.toContain(token);
      expect(JSON.stringify(request.headers)).not.toContain('browser-cookie');
    }
    expect(seen.map((r) => r.headers[HEADER])).toEqual([KEY_A, KEY_B]);
  });

  // @req UP-KEY-REFUSED
  it("turns the upstream's refusal of a key into the gateway's 401 invalid_token, with nothing of the upstream's answer", async () => {
    const token = await clientCredentialsToken(app.url, KEY_UNKNOWN_UPSTREAM);
    const res = await call({ Authorization: `Bearer ${token}` }, WHOAMI);
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain('error_description="The upstream server refused this API key."');
    expect(challenge).toContain(`resource_metadata="${app.url}/.well-known/oauth-protected-resource/mcp"`);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({
      error: 'invalid_token',
      error_description: 'The upstream server refused this API key.',
      request_id: res.headers.get('x-request-id'),
    });
    expect(body).not.toContain('invalid API key');
    const refused = await fingerprintOf(KEY_UNKNOWN_UPSTREAM);
    expect(
      eventsIn(app.output()).some(
        (e) => e.event === 'upstream' && e.reason === 'upstream_status' && e.fingerprint === refused,
      ),
    ).toBe(true);
    expect(app.output()).not.toContain(KEY_UNKNOWN_UPSTREAM);
  });

  // @req UP-CLIENT-ABORT
  it('aborts the upstream request when the client hangs up mid-stream', async () => {
    const token = await clientCredentialsToken(app.url, KEY_A);
    const before = upstream.abandoned.length;
    const controller = new AbortController();
    const res = await fetch(`${app.url}/mcp`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        Authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'slow', arguments: { steps: 100, delayMs: 100 }, _meta: { progressToken: 'abort-me' } },
      }),
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(res, (event) => event.data.method === 'notifications/progress');
    expect(events).toHaveLength(1);
    controller.abort();
    await waitFor(async () => upstream.abandoned.length > before, 3000, 'the upstream to see the abort');
    expect(upstream.abandoned.at(-1)).toBe('/mcp');
  });
});

describe('the official SDK clients through the gateway to the API-key server', () => {
  // @req UP-FORWARD
  it.each(['2025-11-25', '2026-07-28'] as const)('passes protocol %s through untouched, both ways', async (version) => {
    const token = await clientCredentialsToken(app.url, KEY_B);
    const from = upstream.seen.length;
    const client = new Client(
      { name: 'era-test', version: '1.0.0' },
      version === '2026-07-28' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(version);
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result.structuredContent).toEqual({ fingerprint: await fingerprintOf(KEY_B), header: HEADER });
    } finally {
      await client.close();
    }
    const versions = upstream.seen.slice(from).map((r) => r.headers['mcp-protocol-version']);
    expect(versions).toContain(version);
  });

  // @req UP-SDK-CLIENTS
  it("SDK v2 completes the OAuth flow and calls the upstream's whoami with the consenting user's key", async () => {
    const report = await runConnectorFlow(sdkV2(`${app.url}/mcp`), consentOverHttp);
    expect(report.tools).toEqual(expect.arrayContaining(['whoami', 'slow']));
    expect(report.whoami).toEqual({ fingerprint: await fingerprintOf(KEY_A), header: HEADER });
    expect(report.whoamiAfterRefresh).toEqual({ fingerprint: await fingerprintOf(KEY_A), header: HEADER });
  });

  // @req UP-SDK-CLIENTS
  it("SDK v1 completes the OAuth flow and calls the upstream's whoami with the consenting user's key", async () => {
    const report = await runConnectorFlow(sdkV1(`${app.url}/mcp`), consentOverHttp);
    expect(report.tools).toEqual(expect.arrayContaining(['whoami', 'slow']));
    expect(report.whoami).toEqual({ fingerprint: await fingerprintOf(KEY_A), header: HEADER });
    expect(report.whoamiAfterRefresh).toEqual({ fingerprint: await fingerprintOf(KEY_A), header: HEADER });
  });
});

describe('limits in front of the upstream', () => {
  let limited: AppInstance;
  beforeAll(async () => {
    limited = await startApp({
      MCP_UPSTREAM_URL: upstream.url,
      MCP_UPSTREAM_KEY_HEADER: 'X-WorldMonitor-Key',
      RATE_LIMIT_MCP_PER_MINUTE: '3',
    });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  // @req RL-MCP-FINGERPRINT
  it('applies the per-fingerprint /mcp limit before anything is forwarded', async () => {
    const token = await clientCredentialsToken(limited.url, KEY_A);
    const from = upstream.seen.length;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${limited.url}/mcp`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          Authorization: `Bearer ${token}`,
        },
        body: JSON.stringify(WHOAMI),
      });
      statuses.push(res.status);
      await res.body?.cancel();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(upstream.seen.length - from).toBe(3);
  });
});
