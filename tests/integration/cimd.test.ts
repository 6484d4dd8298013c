/**
 * Client ID Metadata Documents against a real HTTPS server (throwaway CA trusted through
 * NODE_EXTRA_CA_CERTS), so the gateway's production fetch path runs: the flow, the SSRF guard,
 * the fetch limits, adversarial documents, caching, and the official SDK v2 client with
 * `clientMetadataUrl`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reason } from '@/lib/observability/catalogue';
import { KEY_A, startApp, type AppInstance } from '@/kit/app';
import { startCimdServer, type CimdServer } from '@/kit/fakeServers/cimdServer';
import { eventsIn } from '../support/events';
import { json, postForm, whoamiWithToken } from '@/kit/http';
import {
  authorizeParams,
  authorizeUrl,
  authorizeWithKey,
  exchangeCode,
  openConsent,
  pkcePair,
  type TokenBody,
} from '../support/oauth';
import { MemoryOAuthProvider, runConnectorFlow } from '../support/sdkFlow';
import { sdkV2 } from '../support/sdkClients';

const LOOPBACK_CALLBACK = 'http://127.0.0.1:43117/callback';

let docs: CimdServer;
/** Fetches from loopback allowed (CIMD_ALLOW_PRIVATE_HOSTS=1): the document server is on 127.0.0.1. */
let open: AppInstance;
/** The default: loopback and private addresses refused. */
let guarded: AppInstance;

function documentFor(self: string, extra: Record<string, unknown> = {}) {
  return {
    client_id: self,
    client_name: 'Example Agent',
    redirect_uris: [
      'http://localhost/callback',
      'http://127.0.0.1/callback',
      'https://agent.example.org/oauth/callback',
    ],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...extra,
  };
}

beforeAll(async () => {
  docs = await startCimdServer();
  docs.routes.set('/clients/agent.json', (_req, res, self) =>
    json(res, documentFor(self), { 'Cache-Control': 'max-age=60' }),
  );
  [open, guarded] = await Promise.all([
    startApp({
      NODE_EXTRA_CA_CERTS: docs.caFile,
      CIMD_ALLOW_PRIVATE_HOSTS: '1',
      OAUTH_REDIRECT_HOSTS: 'app.example.org',
      OAUTH_REDIRECT_URIS: 'com.example.app:/oauth2redirect',
    }),
    startApp({ NODE_EXTRA_CA_CERTS: docs.caFile }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop()]);
  await docs?.stop();
});

const agentId = () => `${docs.origin}/clients/agent.json`;

async function authorizeStatus(
  app: AppInstance,
  clientId: string,
  redirectUri = LOOPBACK_CALLBACK,
  headers: Record<string, string> = {},
) {
  const { challenge } = pkcePair();
  return fetch(authorizeUrl(app.url, authorizeParams(app.url, clientId, redirectUri, challenge)), {
    redirect: 'manual',
    headers,
  });
}

/** The refusal a CIMD client whose document is unusable gets, at authorize and at the token endpoint. */
async function expectInvalidClient(app: AppInstance, clientId: string, logged: Reason) {
  const page = await authorizeStatus(app, clientId);
  expect(page.status).toBe(400);
  expect(page.headers.get('location')).toBeNull();
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await page.text()).toContain(
    `could not be verified: its client metadata document on ${new URL(clientId).host}`,
  );

  const preflight = await authorizeStatus(app, clientId, LOOPBACK_CALLBACK, { Accept: 'application/json' });
  expect(preflight.status).toBe(401);
  expect(preflight.headers.get('location')).toBeNull();
  expect(await preflight.json()).toMatchObject({ error: 'invalid_client' });

  const token = await postForm(`${app.url}/oauth/token`, {
    grant_type: 'authorization_code',
    code: 'x',
    code_verifier: 'y'.repeat(43),
    client_id: clientId,
    redirect_uri: LOOPBACK_CALLBACK,
  });
  expect(token.status).toBe(401);
  expect(await token.json()).toMatchObject({ error: 'invalid_client' });
  // The `cimd` event says why (docs/observability.md), under the document's host.
  const host = new URL(clientId).host;
  expect(
    eventsIn(app.output()).some((e) => e.event === 'cimd' && e.reason === logged && e.redirect_host === host),
  ).toBe(true);
}

const whoami = (app: AppInstance, accessToken: string) => whoamiWithToken(app.url, accessToken);

describe('a CIMD client', () => {
  // @req CIMD-FLOW
  // @req CIMD-REDIRECT
  it('authorizes on an ephemeral loopback port, exchanges its code once with PKCE, refreshes, and is bound to the resource', async () => {
    const { verifier, challenge } = pkcePair();
    const params = authorizeParams(open.url, agentId(), LOOPBACK_CALLBACK, challenge);
    const { html } = await openConsent(authorizeUrl(open.url, params));
    expect(html).toContain('Example Agent');
    expect(html).toContain(`127.0.0.1:${docs.port}`);
    const callback = await authorizeWithKey(open.url, params, KEY_A);
    expect(callback.searchParams.get('iss')).toBe(open.url);
    const fields = {
      code: callback.searchParams.get('code')!,
      redirect_uri: LOOPBACK_CALLBACK,
      code_verifier: verifier,
      client_id: agentId(),
      resource: `${open.url}/mcp`,
    };

    expect((await exchangeCode(open.url, { ...fields, resource: 'https://elsewhere.example/mcp' })).status).toBe(400);
    expect((await exchangeCode(open.url, { ...fields, code_verifier: pkcePair().verifier })).status).toBe(400);
    const res = await exchangeCode(open.url, fields);
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as TokenBody;
    expect(tokens.refresh_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await whoami(open, tokens.access_token)).toMatchObject({
      client_id: agentId(),
      authenticated_by: 'oauth_bearer',
    });

    const replay = await exchangeCode(open.url, fields);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });

    const refreshed = await postForm(`${open.url}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: agentId(),
      resource: `${open.url}/mcp`,
    });
    expect(refreshed.status).toBe(200);
    // A secret is refused: the document says none.
    const withSecret = await postForm(`${open.url}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: agentId(),
      client_secret: 'guess',
    });
    expect(withSecret.status).toBe(401);
  });

  // @req CIMD-REDIRECT
  it('accepts listed loopback URIs on any port for localhost and 127.0.0.1, and refuses an unlisted one without redirecting', async () => {
    for (const uri of [
      'http://localhost:51000/callback',
      'http://127.0.0.1:1234/callback',
      'https://agent.example.org/oauth/callback',
    ]) {
      expect((await authorizeStatus(open, agentId(), uri)).status, uri).toBe(303);
    }
    for (const uri of [
      'http://127.0.0.1:1234/other',
      'http://[::1]:1234/callback',
      'https://agent.example.org/oauth/callback2',
      'https://evil.example/callback',
    ]) {
      const res = await authorizeStatus(open, agentId(), uri);
      expect(res.status, uri).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      const json = await authorizeStatus(open, agentId(), uri, { Accept: 'application/json' });
      expect(await json.json()).toMatchObject({ error: 'invalid_request' });
    }
  });

  // @req CIMD-CACHE
  it('fetches a document once while its Cache-Control allows, and on every use under no-store', async () => {
    docs.routes.set('/clients/cached.json', (_req, res, self) =>
      json(res, documentFor(self), { 'Cache-Control': 'public, max-age=120' }),
    );
    docs.routes.set('/clients/uncached.json', (_req, res, self) =>
      json(res, documentFor(self), { 'Cache-Control': 'no-store' }),
    );
    for (let i = 0; i < 3; i++) {
      expect((await authorizeStatus(open, `${docs.origin}/clients/cached.json`)).status).toBe(303);
      expect((await authorizeStatus(open, `${docs.origin}/clients/uncached.json`)).status).toBe(303);
    }
    // The authorize route and the consent page are separate bundles; each caches on its own.
    expect(docs.hits.get('/clients/cached.json')).toBe(1);
    expect(docs.hits.get('/clients/uncached.json')).toBe(3);
  });
});

describe('adversarial CIMD documents', () => {
  const cases: Array<[string, string, (self: string) => Parameters<typeof docs.routes.set>[1], Reason]> = [
    [
      'a redirect to a valid document',
      'redirect',
      () => (_req, res) => {
        res.writeHead(302, { Location: `${docs.origin}/clients/agent.json` });
        res.end();
      },
      'cimd_unreachable',
    ],
    [
      '64 KiB + 1 bytes',
      'huge',
      () => (_req, res, self) => {
        const body = JSON.stringify({ ...documentFor(self), padding: '' });
        json(res, body.replace('"padding":""', `"padding":"${'x'.repeat(64 * 1024 + 1 - Buffer.byteLength(body))}"`));
      },
      'cimd_too_large',
    ],
    [
      '64 KiB + 1 bytes, chunked without a length',
      'huge-chunked',
      () => (_req, res, self) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(JSON.stringify(documentFor(self)).slice(0, -1));
        res.end(`,"padding":"${'x'.repeat(64 * 1024)}"}`);
      },
      'cimd_too_large',
    ],
    [
      'a client_id that is not its URL',
      'mismatch',
      () => (_req, res, self) => json(res, documentFor(self, { client_id: `${self}?other` })),
      'cimd_invalid',
    ],
    [
      'token_endpoint_auth_method client_secret_basic',
      'secret-basic',
      () => (_req, res, self) => json(res, documentFor(self, { token_endpoint_auth_method: 'client_secret_basic' })),
      'cimd_invalid',
    ],
    [
      'token_endpoint_auth_method client_secret_post',
      'secret-post',
      () => (_req, res, self) => json(res, documentFor(self, { token_endpoint_auth_method: 'client_secret_post' })),
      'cimd_invalid',
    ],
    ['invalid JSON', 'invalid-json', () => (_req, res) => json(res, '{"client_id": '), 'cimd_invalid'],
    [
      'a non-JSON content type',
      'text',
      () => (_req, res, self) => {
        const text = JSON.stringify(documentFor(self));
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(text);
      },
      'cimd_invalid',
    ],
    ['an error status', 'missing', () => (_req, res) => json(res, { error: 'gone' }, {}, 404), 'cimd_unreachable'],
  ];

  // @req CIMD-FETCH-LIMITS
  // @req CIMD-VALIDATE
  // @req CIMD-INVALID-CLIENT
  it.each(cases)(
    'refuses %s with invalid_client at authorize (a page, never a redirect) and at the token endpoint, logging why',
    async (_what, name, route, logged) => {
      docs.routes.set(`/bad/${name}.json`, route(''));
      await expectInvalidClient(open, `${docs.origin}/bad/${name}.json`, logged);
    },
  );

  // @req CIMD-FETCH-LIMITS
  it('gives up on a document that drips past 5 seconds', async () => {
    docs.routes.set('/bad/slow.json', (_req, res, self) => {
      const text = JSON.stringify(documentFor(self));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed || i >= text.length) return clearInterval(timer);
        res.write(text.slice(i, i + 8));
        i += 8;
      }, 500);
    });
    const started = Date.now();
    const res = await authorizeStatus(open, `${docs.origin}/bad/slow.json`, LOOPBACK_CALLBACK, {
      Accept: 'application/json',
    });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    expect(elapsed).toBeGreaterThanOrEqual(4900);
    expect(elapsed).toBeLessThan(7000);
    expect(eventsIn(open.output()).some((e) => e.event === 'cimd' && e.reason === 'cimd_timeout')).toBe(true);
  });

  // @req CIMD-SSRF
  it('refuses a document on a private address unless CIMD_ALLOW_PRIVATE_HOSTS=1', async () => {
    expect((await authorizeStatus(open, agentId())).status).toBe(303);
    await expectInvalidClient(guarded, agentId(), 'cimd_blocked_address');
  });

  // @req CIMD-SSRF
  it('refuses a DNS name that resolves to loopback unless CIMD_ALLOW_PRIVATE_HOSTS=1', async () => {
    const before = docs.hits.get('/clients/agent.json');
    await expectInvalidClient(guarded, `https://localhost:${docs.port}/clients/agent.json`, 'cimd_blocked_address');
    // Refused before connecting: the document server never saw the request.
    expect(docs.hits.get('/clients/agent.json')).toBe(before);
  });
});

describe('the official SDK v2 client with clientMetadataUrl', () => {
  // @req CIMD-SDK-V2
  it('sends the document URL as client_id and completes discovery, consent, finishAuth with iss, tools/list, whoami and refresh', async () => {
    class CimdProvider extends MemoryOAuthProvider {
      readonly clientMetadataUrl = agentId();
      override get redirectUrl(): string {
        return LOOPBACK_CALLBACK;
      }
    }
    const report = await runConnectorFlow(
      sdkV2(`${open.url}/mcp`),
      async (authorizationUrl) => {
        expect(authorizationUrl.searchParams.get('client_id')).toBe(agentId());
        return authorizeWithKey(open.url, Object.fromEntries(authorizationUrl.searchParams), KEY_A);
      },
      () => new CimdProvider(),
    );
    expect(report.provider.clientInfo).toMatchObject({ client_id: agentId() });
    expect(report.provider.clientInfo).not.toHaveProperty('client_secret');
    expect(report.callback.searchParams.get('iss')).toBe(open.url);
    expect(report.tools).toContain('whoami');
    expect(report.whoami).toMatchObject({ client_id: agentId(), authenticated_by: 'oauth_bearer' });
    expect(report.provider.tokenHistory).toHaveLength(2);
    expect(report.whoamiAfterRefresh).toMatchObject({ client_id: agentId() });
  });
});

describe('redirect URIs added by configuration', () => {
  // @req CONN-REDIRECT-CONFIG
  it('OAUTH_REDIRECT_HOSTS and OAUTH_REDIRECT_URIS add to the known clients; without them only the known ones register', async () => {
    const payload = {
      redirect_uris: [
        'com.example.app:/oauth2redirect',
        'https://app.example.org/any/path',
        'https://vscode.dev/redirect',
      ],
      token_endpoint_auth_method: 'none',
    };
    const post = (app: AppInstance) =>
      fetch(`${app.url}/oauth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(payload),
      });
    expect((await post(open)).status).toBe(201);
    const refused = await post(guarded);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_redirect_uri' });
  });
});

describe("Claude's documents", () => {
  // @req CIMD-PINNED
  it('fall back to the pinned copy when the live fetch fails, and name the client as known', async () => {
    const claudeCode = 'https://claude.ai/oauth/claude-code-client-metadata';
    const { html } = await openConsent(
      authorizeUrl(
        guarded.url,
        authorizeParams(guarded.url, claudeCode, 'http://localhost:49152/callback', pkcePair().challenge),
      ),
    );
    expect(html).toContain('Claude Code');
    expect(html).toContain('This is a known client');
  });
});
