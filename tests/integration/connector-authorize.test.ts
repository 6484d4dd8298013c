/** The authorization endpoint, the consent page and its submission, over real HTTP. */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { KEY_A } from '@/kit/app';
import {
  authorizeParams,
  authorizeUrl,
  CLAUDE_CALLBACK,
  openConsent,
  pkcePair,
  register,
  submitConsent,
  type Registration,
} from '../support/oauth';

const base = () => inject('appUrl');
let claude: Registration;
let loopback: Registration;
const { challenge } = pkcePair();

beforeAll(async () => {
  claude = await register(base());
  loopback = await register(base(), {
    redirect_uris: ['http://127.0.0.1:40000/callback'],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    client_name: 'Claude Code',
  });
});

function get(params: Record<string, string | undefined>): Promise<Response> {
  return fetch(authorizeUrl(base(), params), { redirect: 'manual' });
}

async function expectRendered(res: Response, text: RegExp) {
  expect(res.status).toBe(400);
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(await res.text()).toMatch(text);
}

function expectRedirectedError(res: Response, error: string, state: string | undefined, callback = CLAUDE_CALLBACK) {
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(callback);
  expect(location.searchParams.get('error')).toBe(error);
  expect(location.searchParams.get('state')).toBe(state ?? null);
  expect(location.searchParams.get('iss')).toBe(base());
  expect(location.searchParams.has('code')).toBe(false);
}

describe('GET /oauth/authorize before the client and redirect URI verify', () => {
  // @req CONN-AUTHZ-RENDER
  it('renders an error without redirecting when client_id is missing', async () => {
    await expectRendered(
      await get(authorizeParams(base(), '', CLAUDE_CALLBACK, challenge, { client_id: undefined })),
      /client_id parameter is missing/,
    );
  });

  // @req CONN-AUTHZ-RENDER
  it('renders an error for a client id that does not verify, so no redirect goes to an unverified URI', async () => {
    const tampered = claude.client_id.slice(0, -4) + (claude.client_id.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await expectRendered(
      await get(authorizeParams(base(), tampered, CLAUDE_CALLBACK, challenge)),
      /not registered here/,
    );
    await expectRendered(
      await get(authorizeParams(base(), 'some-client', 'https://evil.example/cb', challenge)),
      /not registered here/,
    );
  });

  // @req CONN-REDIRECT-EXACT
  // @req CONN-AUTHZ-RENDER
  it.each([
    ['an unregistered host', 'https://evil.example/api/mcp/auth_callback'],
    ['a look-alike host', 'https://claude.ai.evil.example/api/mcp/auth_callback'],
    ['userinfo', 'https://claude.ai@evil.example/api/mcp/auth_callback'],
    ['a different path on the registered host', 'https://claude.ai/api/mcp/other'],
    ['an extra query', 'https://claude.ai/api/mcp/auth_callback?next=https://evil.example'],
    ['a fragment', 'https://claude.ai/api/mcp/auth_callback#frag'],
    ['a trailing slash', 'https://claude.ai/api/mcp/auth_callback/'],
    ['the other allowlisted host, not registered by this client', 'https://claude.com/api/mcp/auth_callback'],
  ])('renders an error for a redirect_uri with %s (open-redirect attempt)', async (_name, uri) => {
    await expectRendered(
      await get(authorizeParams(base(), claude.client_id, uri, challenge)),
      /redirect_uri is not registered/,
    );
  });

  it('renders an error when client_id is repeated', async () => {
    const url =
      authorizeUrl(base(), authorizeParams(base(), claude.client_id, CLAUDE_CALLBACK, challenge)) +
      `&client_id=${encodeURIComponent(loopback.client_id)}`;
    await expectRendered(await fetch(url, { redirect: 'manual' }), /client_id parameter is repeated/);
  });

  // @req CONN-REDIRECT-LOOPBACK-PORT
  it('accepts a loopback redirect URI on another port (RFC 8252 §7.3) but not another loopback host or path', async () => {
    const ok = await get(authorizeParams(base(), loopback.client_id, 'http://127.0.0.1:51234/callback', challenge));
    expect(ok.status).toBe(303);
    await expectRendered(
      await get(authorizeParams(base(), loopback.client_id, 'http://localhost:40000/callback', challenge)),
      /redirect_uri/,
    );
    await expectRendered(
      await get(authorizeParams(base(), loopback.client_id, 'http://127.0.0.1:40000/other', challenge)),
      /redirect_uri/,
    );
    await expectRendered(
      await get(authorizeParams(base(), loopback.client_id, 'http://127.0.0.1.evil.example:40000/callback', challenge)),
      /redirect_uri/,
    );
  });

  // @req CONN-PREREGISTERED
  it('lets the pre-registered client use any https URI on an allowlisted host, and nothing else', async () => {
    expect(
      (await get(authorizeParams(base(), 'mcp', 'https://claude.com/api/mcp/auth_callback', challenge))).status,
    ).toBe(303);
    await expectRendered(
      await get(authorizeParams(base(), 'mcp', 'https://evil.example/cb', challenge)),
      /redirect_uri/,
    );
    await expectRendered(
      await get(authorizeParams(base(), 'mcp', 'http://127.0.0.1:3000/cb', challenge)),
      /redirect_uri/,
    );
    await expectRendered(
      await get(authorizeParams(base(), 'mcp', undefined as unknown as string, challenge)),
      /redirect_uri/,
    );
  });
});

describe('GET /oauth/authorize errors redirected to the verified client with state and iss', () => {
  const valid = () => authorizeParams(base(), claude.client_id, CLAUDE_CALLBACK, challenge, { state: 'xyz' });

  // @req CONN-AUTHZ-REDIRECT-ERRORS
  // @req CONN-ISS
  it('answers a missing response_type with invalid_request', async () => {
    expectRedirectedError(await get({ ...valid(), response_type: undefined }), 'invalid_request', 'xyz');
  });
  // @req CONN-AUTHZ-REDIRECT-ERRORS
  it('answers response_type=token with unsupported_response_type', async () => {
    expectRedirectedError(await get({ ...valid(), response_type: 'token' }), 'unsupported_response_type', 'xyz');
  });
  // @req CONN-PKCE-S256
  it('answers a missing code_challenge with invalid_request', async () => {
    expectRedirectedError(await get({ ...valid(), code_challenge: undefined }), 'invalid_request', 'xyz');
  });
  // @req CONN-PKCE-S256
  it('refuses the plain PKCE method', async () => {
    expectRedirectedError(await get({ ...valid(), code_challenge_method: 'plain' }), 'invalid_request', 'xyz');
  });
  it('refuses a challenge without a method (RFC 7636 would default to plain)', async () => {
    expectRedirectedError(await get({ ...valid(), code_challenge_method: undefined }), 'invalid_request', 'xyz');
  });
  it('refuses a malformed challenge', async () => {
    expectRedirectedError(await get({ ...valid(), code_challenge: 'short' }), 'invalid_request', 'xyz');
  });
  // @req CONN-RESOURCE
  it('answers a foreign resource with invalid_target', async () => {
    expectRedirectedError(await get({ ...valid(), resource: 'https://evil.example/mcp' }), 'invalid_target', 'xyz');
    expectRedirectedError(await get({ ...valid(), resource: `${base()}/other` }), 'invalid_target', 'xyz');
  });
  // @req CONN-AUTHZ-REDIRECT-ERRORS
  it('answers an unknown scope with invalid_scope', async () => {
    expectRedirectedError(await get({ ...valid(), scope: 'mcp admin' }), 'invalid_scope', 'xyz');
  });
  it('answers a scope without mcp with invalid_scope', async () => {
    expectRedirectedError(await get({ ...valid(), scope: 'offline_access' }), 'invalid_scope', 'xyz');
  });
  it('omits state from the error when none was sent', async () => {
    expectRedirectedError(
      await get({ ...valid(), state: undefined, response_type: 'token' }),
      'unsupported_response_type',
      undefined,
    );
  });
  // @req CONN-AUTHZ-REDIRECT-ERRORS
  it('redirects with 302, never 307', async () => {
    expect((await get({ ...valid(), response_type: 'token' })).status).toBe(302);
  });
});

describe('the consent page', () => {
  // @req CONN-RESOURCE
  it('accepts the resource with or without a trailing slash', async () => {
    for (const resource of [`${base()}/mcp`, `${base()}/mcp/`, undefined]) {
      const res = await get(authorizeParams(base(), claude.client_id, CLAUDE_CALLBACK, challenge, { resource }));
      expect(res.status).toBe(303);
    }
  });

  // @req CONN-CONSENT-PAGE
  // @req CONN-CONSENT-HEADERS
  it('names the client, shows the redirect host and asks for the key, with the security headers', async () => {
    const { response, html } = await openConsent(
      authorizeUrl(base(), authorizeParams(base(), claude.client_id, CLAUDE_CALLBACK, challenge)),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toMatch(/no-store/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(html).toContain('>Claude</strong>');
    expect(html).toContain('>claude.ai</strong>');
    expect(html).toMatch(/<label for="api_key">API key<\/label>/);
    expect(html).toMatch(
      /<input[^>]*type="password"[^>]*autoComplete="off"|<input[^>]*autocomplete="off"[^>]*type="password"/i,
    );
    expect(html).toContain("form-action 'self' https://claude.ai");
  });

  // @req CONN-CONSENT-PAGE
  it('escapes the client name', async () => {
    // A loopback callback: a known client's callback would show the known client's name instead.
    const evil = await register(base(), {
      redirect_uris: ['http://localhost:9999/cb'],
      grant_types: ['authorization_code', 'refresh_token'],
      client_name: '<img src=x onerror=alert(1)>',
    });
    const { html } = await openConsent(
      authorizeUrl(base(), authorizeParams(base(), evil.client_id, 'http://localhost:9999/cb', challenge)),
    );
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('POST /oauth/authorize/submit', () => {
  const params = () => authorizeParams(base(), claude.client_id, CLAUDE_CALLBACK, challenge, { state: 'state-123' });

  // @req CONN-CONSENT-SUBMIT
  // @req CONN-ISS
  it('redirects a right key to the callback with code, state and iss (303, never 307)', async () => {
    const { request } = await openConsent(authorizeUrl(base(), params()));
    const res = await submitConsent(base(), { request, api_key: KEY_A, action: 'authorize' });
    expect(res.status).toBe(303);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(CLAUDE_CALLBACK);
    expect(location.searchParams.get('code')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(location.searchParams.get('state')).toBe('state-123');
    expect(location.searchParams.get('iss')).toBe(base());
    expect(location.toString()).not.toContain(KEY_A);
  });

  // @req CONN-ORIGIN-NULL
  it('accepts a submission with Origin: null, as Claude Desktop sends it', async () => {
    const { request } = await openConsent(authorizeUrl(base(), params()));
    const res = await submitConsent(base(), { request, api_key: KEY_A, action: 'authorize' }, { Origin: 'null' });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  // @req CONN-CONSENT-WRONG-KEY
  it('sends a wrong key back to the page with a message and no code (form POST)', async () => {
    const { request } = await openConsent(authorizeUrl(base(), params()));
    const res = await submitConsent(base(), { request, api_key: 'not-the-key-0123456789abcdef', action: 'authorize' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!, base());
    expect(location.pathname).toBe('/oauth/authorize/consent');
    expect(location.searchParams.has('code')).toBe(false);
    expect(location.toString()).not.toContain('not-the-key');
    const page = await fetch(location);
    const html = await page.text();
    expect(html).toContain('That API key is not valid');
    expect(html).toMatch(/name="request" value="[^"]+"/);
  });

  // @req CONN-CONSENT-WRONG-KEY
  // @req CONN-CONSENT-SUBMIT
  it('answers a wrong key over fetch with the message and a fresh consent token that works', async () => {
    const { request } = await openConsent(authorizeUrl(base(), params()));
    const wrong = await submitConsent(base(), {
      request,
      api_key: 'wrong-key-0123456789abcdefgh',
      action: 'authorize',
      via: 'fetch',
    });
    expect(wrong.status).toBe(400);
    const body = (await wrong.json()) as { error: string; request: string; location?: string };
    expect(body.error).toMatch(/not valid/);
    expect(body.location).toBeUndefined();
    expect(body.request).not.toBe(request);
    const right = await submitConsent(base(), {
      request: body.request,
      api_key: KEY_A,
      action: 'authorize',
      via: 'fetch',
    });
    expect(right.status).toBe(200);
    const location = new URL(((await right.json()) as { location: string }).location);
    expect(location.searchParams.get('code')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(location.searchParams.get('state')).toBe('state-123');
  });

  // @req CONN-CONSENT-CANCEL
  it('redirects Cancel with access_denied, state and iss, without asking for the key', async () => {
    const { request } = await openConsent(authorizeUrl(base(), params()));
    const res = await submitConsent(base(), { request, action: 'cancel' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('state-123');
    expect(location.searchParams.get('iss')).toBe(base());
    expect(location.searchParams.has('code')).toBe(false);
  });

  // @req CONN-CONSENT-SIGNED
  it('takes the redirect URI and state from the signed token, never from form fields', async () => {
    const { request } = await openConsent(authorizeUrl(base(), params()));
    const res = await submitConsent(base(), {
      request,
      api_key: KEY_A,
      action: 'authorize',
      redirect_uri: 'https://evil.example/steal',
      state: 'forged',
      client_id: loopback.client_id,
    });
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(CLAUDE_CALLBACK);
    expect(location.searchParams.get('state')).toBe('state-123');
  });

  // @req CONN-CONSENT-SIGNED
  it('refuses a tampered or missing consent token with a 400 page and no redirect', async () => {
    const { request } = await openConsent(authorizeUrl(base(), params()));
    const attempts: Array<Record<string, string>> = [
      { request: request.slice(0, -2) + 'xx', api_key: KEY_A, action: 'authorize' },
      { api_key: KEY_A, action: 'authorize' },
    ];
    for (const fields of attempts) {
      const res = await submitConsent(base(), fields);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toMatch(/not valid/);
    }
  });

  it('refuses a body that is not form-encoded', async () => {
    const res = await fetch(`${base()}/oauth/authorize/submit`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
  });

  it('answers GET with 405', async () => {
    expect((await fetch(`${base()}/oauth/authorize/submit`)).status).toBe(405);
  });
});
