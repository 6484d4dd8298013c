/**
 * The deployment check's server-side steps against a real `next start`: a client's metadata
 * document and its key set fetched through the token endpoint's own fetcher (a real HTTPS server
 * with a throwaway CA serving ChatGPT's two shapes and broken variants), the key source asked
 * about a made-up key, and the whole check run end to end with `fetch`, all green. Bad input gets
 * a 400, wrong methods a 405, and the per-address limit a 429.
 */
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDeployment, type CheckId, type CheckResult } from '@/lib/dashboard/deploymentCheck';
import { startApp, type AppInstance } from '@/kit/app';
import { chatGptDocument, PER_APP_DOCUMENT, serveChatGpt, SHARED_DOCUMENT } from '../support/chatgpt';
import { json } from '@/kit/http';
import { eventsFor, newRequestId } from '../support/events';
import { startCimdServer, type CimdServer } from '@/kit/fakeServers/cimdServer';

let docs: CimdServer;
let app: AppInstance;
let limited: AppInstance;
/** No CIMD_ALLOW_PRIVATE_HOSTS: documents on loopback are refused, as in production. */
let strict: AppInstance;
let publicKey: Record<string, unknown>;
let privateKey: Record<string, unknown>;

const SHARED = SHARED_DOCUMENT.path;
const PER_APP = PER_APP_DOCUMENT.path;

function serve(path: string, body: (self: string) => unknown, headers: Record<string, string> = {}): string {
  docs.routes.set(path, (_req, res, self) => json(res, body(self), headers));
  return `${docs.origin}${path}`;
}

beforeAll(async () => {
  docs = await startCimdServer();
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  publicKey = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256' };
  privateKey = { ...(await exportJWK(rsa.privateKey)), kid: 'rsa-2' };
  const ecKey = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1' };
  serveChatGpt(docs, SHARED, SHARED_DOCUMENT.redirect, () => ({ keys: [publicKey] }), {
    token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
  });
  serveChatGpt(docs, PER_APP, PER_APP_DOCUMENT.redirect, () => ({ keys: [publicKey, ecKey] }));
  const env = { NODE_EXTRA_CA_CERTS: docs.caFile, CIMD_ALLOW_PRIVATE_HOSTS: '1' };
  [app, limited, strict] = await Promise.all([
    startApp(env),
    startApp({ ...env, RATE_LIMIT_REGISTER_PER_MINUTE: '2' }),
    startApp({ NODE_EXTRA_CA_CERTS: docs.caFile }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([app?.stop(), limited?.stop(), strict?.stop()]);
  await docs?.stop();
});

async function checkDocument(
  clientId: unknown,
  instance = app,
  requestId = newRequestId('check-doc'),
): Promise<{ status: number; body: CheckResult }> {
  const res = await fetch(`${instance.url}/api/check/client-document`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId },
    body: JSON.stringify({ client_id: clientId }),
  });
  return { status: res.status, body: (await res.json()) as CheckResult };
}

describe('the client-document step', () => {
  // @req DASH-DEPLOY-CHECK
  it("fetches ChatGPT's two document shapes and their key sets as the token endpoint will", async () => {
    const before = docs.hits.get('/oauth/jwks.json') ?? 0;
    expect(await checkDocument(`${docs.origin}${SHARED}`)).toEqual({
      status: 200,
      body: {
        ok: true,
        detail: `"ChatGPT": private_key_jwt (also public), 1 key (RSA) from ${docs.origin}/oauth/jwks.json; 1 redirect URI accepted`,
      },
    });
    expect(await checkDocument(`${docs.origin}${PER_APP}`)).toEqual({
      status: 200,
      body: {
        ok: true,
        detail: `"ChatGPT": private_key_jwt, 2 keys (RSA, EC P-256) from ${docs.origin}/oauth/app-7/jwks.json; 1 redirect URI accepted`,
      },
    });
    // Afresh each time: a check must say what is true now, not what a cache remembers.
    await checkDocument(`${docs.origin}${SHARED}`);
    expect(docs.hits.get('/oauth/jwks.json')).toBe(before + 2);
  });

  // @req DASH-DEPLOY-CHECK
  it('is red with the reason and the fix for a broken document or key set', async () => {
    const withKeys = (path: string, keys: unknown) => {
      serve(`${path}/jwks.json`, () => keys);
      return serve(`${path}/client.json`, (self) =>
        chatGptDocument(self, 'https://chatgpt.com/connector/oauth/x', { jwks_uri: `${docs.origin}${path}/jwks.json` }),
      );
    };
    const leaked = await checkDocument(withKeys('/leaked', { keys: [publicKey, privateKey] }));
    expect(leaked.body).toEqual({
      ok: false,
      detail: `the key set at ${docs.origin}/leaked/jwks.json is refused: key 1 has private or secret members`,
      fix: 'A key set must hold only public RSA, EC P-256/P-384 or Ed25519 keys; the client publishing it must fix it.',
    });
    expect(JSON.stringify(leaked.body)).not.toContain(String(privateKey.d));

    withKeys('/gone', { keys: [publicKey] });
    docs.routes.delete('/gone/jwks.json');
    const gone = await checkDocument(`${docs.origin}/gone/client.json`);
    expect(gone.body).toEqual({
      ok: false,
      detail: `the document is valid, but its key set at ${docs.origin}/gone/jwks.json could not be fetched: answered status 404`,
      fix: 'The URL must serve the document itself: status 200, application/json, at most 64 KiB, no redirect.',
    });

    const httpKeys = serve('/http-keys/client.json', (self) =>
      chatGptDocument(self, 'https://chatgpt.com/connector/oauth/y', { jwks_uri: 'http://example.com/jwks.json' }),
    );
    expect((await checkDocument(httpKeys)).body).toEqual({
      ok: false,
      detail: 'the document is refused: jwks_uri is not an https URL',
      fix: 'The client publishing it must follow the rules in docs/connector.md (Client ID Metadata Documents).',
    });

    const absent = await checkDocument(`${docs.origin}/nothing/client.json`);
    expect(absent.body).toMatchObject({ ok: false, detail: 'the document could not be fetched: answered status 404' });
  });

  // @req DASH-DEPLOY-CHECK
  it('says so when the document host cannot be reached', async () => {
    const closed = await startCimdServer();
    const url = `${closed.origin}/oauth/client.json`;
    await closed.stop();
    const { body } = await checkDocument(url);
    expect(body.ok).toBe(false);
    expect(body.detail).toBe('the document could not be fetched: connection failed (ECONNREFUSED)');
    expect(body.fix).toBe(
      `This deployment could not reach 127.0.0.1:${closed.port}: allow outbound HTTPS to it, then check again.`,
    );
  });

  // @req DASH-DEPLOY-CHECK
  it('tells anyone only that a host has no public address; which, and why, goes to the log', async () => {
    const expected = (host: string) => ({
      ok: false,
      detail: 'the document could not be fetched: its host does not resolve to a public address',
      fix: `Check the host name ${host}: clients publish their documents on the public internet (CIMD_ALLOW_PRIVATE_HOSTS=1 is for tests only).`,
    });
    const loopback = newRequestId('check-private');
    expect((await checkDocument(`${docs.origin}${SHARED}`, strict, loopback)).body).toEqual(
      expected(new URL(docs.origin).host),
    );
    const nowhere = newRequestId('check-nowhere');
    expect((await checkDocument('https://no-such-host.invalid/client.json', strict, nowhere)).body).toEqual(
      expected('no-such-host.invalid'),
    );
    expect((await eventsFor(strict, loopback)).map((e) => [e.event, e.reason])).toEqual([
      ['cimd', 'cimd_blocked_address'],
    ]);
    expect((await eventsFor(strict, nowhere)).map((e) => [e.event, e.reason])).toEqual([['cimd', 'cimd_unreachable']]);
  });

  // @req DASH-DEPLOY-CHECK
  it('answers a 400 for a client_id that is not a document URL, and 405 for GET', async () => {
    for (const clientId of ['http://chatgpt.com/oauth/client.json', 'https://chatgpt.com/', 'mcp', 42]) {
      const { status, body } = await checkDocument(clientId);
      expect(status, String(clientId)).toBe(400);
      expect(body).toMatchObject({
        error: 'invalid_request',
        error_description:
          typeof clientId === 'string'
            ? 'client_id must be an https URL with a path, in normalized form, at most 512 characters.'
            : 'client_id (the document URL) is required.',
      });
    }
    const notJson = await fetch(`${app.url}/api/check/client-document`, { method: 'POST', body: '{"client_id":' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({
      error: 'invalid_request',
      error_description: 'The body is not valid JSON.',
    });
    const big = await fetch(`${app.url}/api/check/client-document`, { method: 'POST', body: 'x'.repeat(4096) });
    expect(big.status).toBe(400);
    expect(await big.json()).toMatchObject({ error_description: 'The body must be JSON of at most 2048 bytes.' });
    const get = await fetch(`${app.url}/api/check/client-document`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('the key-source step', () => {
  // @req DASH-DEPLOY-CHECK
  it('names the list and how many keys it holds', async () => {
    const res = await fetch(`${app.url}/api/check/key-source`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ ok: true, detail: '2 keys from MCP_API_KEYS' });
  });
});

describe('the server-side checks', () => {
  // @req DASH-DEPLOY-CHECK
  it('count against the per-address registration limit: 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i += 1) {
      last = await fetch(`${limited.url}/api/check/key-source`, { method: 'POST' });
      statuses.push(last.status);
      if (last.status !== 429) await last.text();
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await last!.json()).toMatchObject({ error: 'too_many_requests' });
  });

  // @req DASH-DEPLOY-CHECK
  it('make the whole deployment check green, run with fetch as the page runs it', async () => {
    const seen: CheckId[] = [];
    const results = await checkDeployment(
      { origin: app.url, publicUrl: app.url, fetch, clientDocument: `${docs.origin}${SHARED}` },
      (id) => seen.push(id),
    );
    const red = Object.entries(results).filter(([, r]) => !r.ok);
    expect(red).toEqual([]);
    expect(seen).toEqual([
      'prm-root',
      'prm-path',
      'as-metadata',
      'issuer',
      'resource',
      'cimd',
      'client-document',
      'registration',
      'challenge',
      'cors',
      'key-source',
    ]);
    expect(results['client-document'].detail).toContain('"ChatGPT": private_key_jwt (also public)');
  });
});
