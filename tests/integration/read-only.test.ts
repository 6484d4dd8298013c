/**
 * Read-only connections end to end on `next start`: the consent page's choice, tokens carrying
 * `mcp:read`, refusals with the step-up challenge at `/mcp`, in process and in front of the SDK v2
 * API-key fixture as upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_A, startApp, type AppInstance } from '@/kit/app';
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientProvider,
} from '@modelcontextprotocol/client';
import { startApiKeyServer, type ApiKeyServer } from '@/kit/fakeServers/apiKeyServer';
import { MemoryOAuthProvider } from '../support/sdkFlow';
import { eventsFor, newRequestId } from '../support/events';
import { postForm, postMcp, rpcMessages } from '@/kit/http';
import {
  authorizeParams,
  authorizeUrl,
  exchangeCode,
  openConsent,
  pkcePair,
  submitConsent,
  type TokenBody,
} from '../support/oauth';

const CALLBACK = 'https://claude.ai/api/mcp/auth_callback';

let app: AppInstance;
let readOnlyDeployment: AppInstance;
let upstream: ApiKeyServer;
let proxy: AppInstance;

beforeAll(async () => {
  upstream = await startApiKeyServer({ header: 'x-api-key', keys: [KEY_A] });
  [app, readOnlyDeployment, proxy] = await Promise.all([
    startApp(),
    startApp({ MCP_MAX_ACCESS: 'read' }),
    // No tool lists: the upstream's own readOnlyHint on whoami is learned from its tools/list.
    startApp({ MCP_UPSTREAM_URL: upstream.url, MCP_UPSTREAM_KEY_HEADER: 'X-API-Key' }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([app?.stop(), readOnlyDeployment?.stop(), proxy?.stop()]);
  await upstream?.stop();
});

async function readOnlyToken(instance: AppInstance): Promise<string> {
  const res = await postForm(`${instance.url}/oauth/token`, {
    grant_type: 'client_credentials',
    client_id: 'mcp',
    client_secret: KEY_A,
    scope: 'mcp:read',
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as TokenBody;
  expect(body.scope).toBe('mcp:read');
  return body.access_token;
}

const mcp = (instance: AppInstance, token: string, message: unknown, headers: Record<string, string> = {}) =>
  postMcp(instance.url, message, {
    Authorization: `Bearer ${token}`,
    'Mcp-Protocol-Version': '2025-11-25',
    ...headers,
  });
const callTool = (name: string) => ({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: {} } });

async function expectStepUp(res: Response, instance: AppInstance, requestId: string, method: string, tool?: string) {
  expect(res.status).toBe(403);
  const challenge = res.headers.get('www-authenticate')!;
  expect(challenge).toContain('error="insufficient_scope"');
  expect(challenge).toContain('scope="mcp"');
  expect(challenge).toContain(`resource_metadata="${instance.url}/.well-known/oauth-protected-resource/mcp"`);
  const body = (await res.json()) as { error: { message: string } };
  expect(body.error.message).toMatch(/^This connection is read-only/);
  const events = await eventsFor(instance, requestId);
  expect(events.map((e) => [e.event, e.reason, e.mcp_method, e.tool])).toEqual([
    ['mcp', 'insufficient_scope', method, tool],
  ]);
}

describe('a read-only token in process', () => {
  // @req READ-ONLY-IN-PROCESS
  it('lists and calls whoami (read-only) and is refused anything else with the step-up challenge', async () => {
    const token = await readOnlyToken(app);
    const listed = await rpcMessages(await mcp(app, token, { jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    expect((listed[0] as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name)).toEqual([
      'whoami',
    ]);
    const [who] = await rpcMessages(await mcp(app, token, callTool('whoami')));
    expect(who).toMatchObject({ result: { structuredContent: { access: 'read', scopes: ['mcp:read'] } } });
    const requestId = newRequestId('ro');
    await expectStepUp(
      await mcp(app, token, { jsonrpc: '2.0', id: 3, method: 'tasks/list' }, { 'X-Request-Id': requestId }),
      app,
      requestId,
      'tasks/list',
    );
    const batchId = newRequestId('ro-batch');
    await expectStepUp(
      await mcp(app, token, [{ jsonrpc: '2.0', id: 4, method: 'ping' }], { 'X-Request-Id': batchId }),
      app,
      batchId,
      'batch',
    );
  });
});

describe('the consent page', () => {
  async function consentWith(instance: AppInstance, scope: string, access?: string) {
    const { verifier, challenge } = pkcePair();
    const { html, request } = await openConsent(
      authorizeUrl(instance.url, authorizeParams(instance.url, 'mcp', CALLBACK, challenge, { scope })),
    );
    const res = await submitConsent(instance.url, {
      request,
      api_key: KEY_A,
      action: 'authorize',
      ...(access === undefined ? {} : { access }),
    });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const tokens = await exchangeCode(instance.url, {
      code,
      code_verifier: verifier,
      redirect_uri: CALLBACK,
      client_id: 'mcp',
      resource: `${instance.url}/mcp`,
    });
    expect(tokens.status).toBe(200);
    return { html, tokens: (await tokens.json()) as TokenBody & { refresh_token?: string } };
  }

  // @req READ-ONLY-CONSENT
  it('offers Read-only and Full access, preselecting what was asked; the tokens carry the choice', async () => {
    const full = await consentWith(app, 'mcp offline_access', 'full');
    expect(full.html).toContain('Read-only');
    expect(full.html).toContain('Full access');
    expect(full.html).toMatch(/name="access" checked="" value="full"/);
    expect(full.tokens.scope).toBe('mcp offline_access');
    const read = await consentWith(app, 'mcp offline_access', 'read');
    expect(read.tokens.scope).toBe('mcp:read offline_access');
    // Refresh keeps mcp:read, and cannot widen it.
    const widened = await postForm(`${app.url}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: read.tokens.refresh_token!,
      client_id: 'mcp',
      scope: 'mcp offline_access',
    });
    expect(widened.status).toBe(400);
    expect(((await widened.json()) as { error: string }).error).toBe('invalid_scope');
    const kept = await postForm(`${app.url}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: read.tokens.refresh_token!,
      client_id: 'mcp',
    });
    expect(((await kept.json()) as TokenBody).scope).toBe('mcp:read offline_access');
  });

  // @req READ-ONLY-CONSENT
  it('offers only Read-only when the client asked for mcp:read, or the deployment is read-only; a forged full is not granted', async () => {
    const asked = await consentWith(app, 'mcp:read offline_access', 'full');
    expect(asked.html).not.toContain('value="full"');
    expect(asked.tokens.scope).toBe('mcp:read offline_access');
    const capped = await consentWith(readOnlyDeployment, 'mcp offline_access', 'full');
    expect(capped.html).toContain('data-testid="access-read-only"');
    expect(capped.tokens.scope).toBe('mcp:read offline_access');
  });
});

describe('a read-only token in front of an upstream', () => {
  // @req READ-ONLY-UPSTREAM
  it('calls a tool the upstream marks read-only with the same key, and refuses the rest before the upstream sees it', async () => {
    const token = await readOnlyToken(proxy);
    const listed = await rpcMessages(await mcp(proxy, token, { jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    expect((listed[0] as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name)).toEqual([
      'whoami',
    ]);
    const [who] = await rpcMessages(await mcp(proxy, token, callTool('whoami')));
    expect(who).toMatchObject({ result: { structuredContent: { header: 'x-api-key' } } });
    expect(upstream.seen.at(-1)!.headers['x-api-key']).toBe(KEY_A);
    const before = upstream.seen.length;
    const requestId = newRequestId('ro-up');
    await expectStepUp(
      await mcp(proxy, token, callTool('slow'), { 'X-Request-Id': requestId }),
      proxy,
      requestId,
      'tools/call',
      'slow',
    );
    expect(upstream.seen.length).toBe(before);
  });
});

describe('step-up with the official SDK v2 client', () => {
  /** Consent over HTTP with `access`, as the user would choose on the page; the callback URL. */
  async function consent(authorizationUrl: URL, access: 'read' | 'full'): Promise<URL> {
    const { request } = await openConsent(authorizationUrl.toString());
    const res = await submitConsent(proxy.url, { request, api_key: KEY_A, action: 'authorize', access });
    expect(res.status).toBe(303);
    return new URL(res.headers.get('location')!);
  }

  // @req READ-ONLY-STEP-UP
  it('meets 403 insufficient_scope on a writing tool, re-authorizes for mcp, and then calls it', async () => {
    const provider = new MemoryOAuthProvider();
    const transport = () =>
      new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`), {
        authProvider: provider as unknown as OAuthClientProvider,
      });
    // First connection: the user chooses Read-only.
    const first = transport();
    await expect(new Client({ name: 'step-up', version: '1' }).connect(first)).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    await first.finishAuth((await consent(provider.authorizationUrl!, 'read')).searchParams);
    expect(provider.savedTokens!.scope).toBe('mcp:read offline_access');

    const client = new Client({ name: 'step-up', version: '1' });
    const second = transport();
    await client.connect(second);
    provider.authorizationUrl = undefined;
    // The writing tool: 403 with the challenge; the SDK asks to authorize again, now for mcp.
    await expect(client.callTool({ name: 'slow', arguments: { steps: 1, delayMs: 1 } })).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    const stepUp = provider.authorizationUrl as URL | undefined;
    expect(stepUp?.searchParams.get('scope')?.split(' ')).toContain('mcp');
    await second.finishAuth((await consent(stepUp!, 'full')).searchParams);
    expect(provider.savedTokens!.scope).toBe('mcp offline_access');
    const result = (await client.callTool({ name: 'slow', arguments: { steps: 1, delayMs: 1 } })) as {
      content: { text: string }[];
    };
    expect(result.content[0]!.text).toBe('done after 1 steps');
    await client.close();
  });
});
