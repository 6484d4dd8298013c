/**
 * Malformed input at /oauth/register, /oauth/authorize and /oauth/authorize/submit, and redirect
 * URIs that look like an allowed one. Each answer is a spec-shaped 4xx; an authorization request
 * whose client or redirect URI does not verify gets an error page, never a redirect.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { KEY_A } from '@/kit/app';
import { rawPost } from '@/kit/http';
import {
  authorizeParams,
  authorizeUrl,
  CLAUDE_CALLBACK,
  CLAUDE_REGISTRATION,
  openConsent,
  pkcePair,
  register,
  submitConsent,
  type Registration,
} from '../../support/oauth';

const base = () => inject('appUrl');
const { challenge } = pkcePair();

/**
 * Redirect URIs an attacker would register or present hoping to land on their own origin, or on
 * an allowlisted one by a string the policy should never have accepted.
 */
const LOOK_ALIKES: Array<[string, string]> = [
  ['a Cyrillic а in claude.ai', 'https://cl\u0430ude.ai/api/mcp/auth_callback'],
  ['a Cyrillic е in claude.ai', 'https://claud\u0435.ai/api/mcp/auth_callback'],
  ['a Greek α in claude.ai', 'https://cl\u03b1ude.ai/api/mcp/auth_callback'],
  ['the punycode of a Cyrillic look-alike', 'https://xn--clude-5ve.ai/api/mcp/auth_callback'],
  [
    'full-width letters that normalize to claude.ai',
    'https://\uff43\uff4c\uff41\uff55\uff44\uff45.ai/api/mcp/auth_callback',
  ],
  ['an ideographic full stop', 'https://claude\u3002ai/api/mcp/auth_callback'],
  ['a full-width full stop', 'https://claude\uff0eai/api/mcp/auth_callback'],
  ['claude.ai as a subdomain of another host', 'https://claude.ai.evil.com/api/mcp/auth_callback'],
  ['claude.ai after a fragment', 'https://evil.com#@claude.ai/api/mcp/auth_callback'],
  ['claude.ai as userinfo', 'https://claude.ai@evil.com/api/mcp/auth_callback'],
  ['claude.ai with an encoded slash as userinfo', 'https://claude.ai%2F@evil.com/api/mcp/auth_callback'],
  ['an encoded NUL in the host', 'https://claude.ai%00.evil.com/api/mcp/auth_callback'],
  ['a backslash before userinfo', 'https://evil.com\\@claude.ai/api/mcp/auth_callback'],
  ['backslashes for slashes', 'https:\\\\claude.ai\\api\\mcp\\auth_callback'],
  ['no slashes after the scheme', 'https:claude.ai/api/mcp/auth_callback'],
  ['a scheme-relative URI', '//claude.ai/api/mcp/auth_callback'],
  ['a tab inside the host', 'https://cla\tude.ai/api/mcp/auth_callback'],
  ['a newline inside the host', 'https://claude.ai\n.evil.com/api/mcp/auth_callback'],
  ['a leading space', ' https://claude.ai/api/mcp/auth_callback'],
  ['a trailing dot', 'https://claude.ai./api/mcp/auth_callback'],
  ['an explicit :443', 'https://claude.ai:443/api/mcp/auth_callback'],
  ['an IPv6 zone id on a loopback address', 'http://[::1%25lo]:8080/callback'],
  ['an IPv6 zone id on a link-local address', 'http://[fe80::1%25eth0]:8080/callback'],
  ['a loopback name as a subdomain', 'http://localhost.evil.com:8080/callback'],
  ['a wildcard-DNS loopback name', 'http://127.0.0.1.nip.io:8080/callback'],
  ['an IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]:8080/callback'],
  ['a shortened IPv4 loopback', 'http://127.1:8080/callback'],
  ['a hexadecimal IPv4 loopback', 'http://0x7f.0.0.1:8080/callback'],
  ['a decimal IPv4 loopback', 'http://2130706433:8080/callback'],
  ['another address of 127/8', 'http://127.0.0.2:8080/callback'],
  ['https on a loopback address', 'https://127.0.0.1:8080/callback'],
  ['a port out of range', 'http://localhost:99999/callback'],
  ['a data URI', 'data:text/html,<script>alert(1)</script>'],
];

async function expectJsonError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe('string');
  expect(body).not.toHaveProperty('client_id');
}

/** An error page: 400, HTML, no Location (nothing redirected), no consent form. */
async function expectErrorPage(res: Response, status = 400) {
  expect(res.status).toBe(status);
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await res.text();
  expect(html).not.toContain('name="request"');
  expect(html).not.toMatch(/code=/);
}

describe('POST /oauth/register with malformed bodies', () => {
  const post = (body: BodyInit, contentType: string | null = 'application/json') =>
    fetch(`${base()}/oauth/register`, {
      method: 'POST',
      headers: contentType === null ? {} : { 'Content-Type': contentType },
      body,
      signal: AbortSignal.timeout(15_000),
    });

  // @req ADV-MALFORMED
  it.each([
    ['an empty body', ''],
    ['truncated JSON', '{"redirect_uris":["https://claude.ai/api/mcp/auth_callback"'],
    ['a lone string', '"https://claude.ai/api/mcp/auth_callback"'],
    ['a number', '1e999'],
    ['JSON with a trailing comma', '{"redirect_uris":["https://claude.ai/api/mcp/auth_callback"],}'],
    ['a BOM-less UTF-16 body', Buffer.from(JSON.stringify(CLAUDE_REGISTRATION), 'utf16le').toString('latin1')],
  ])('answers %s with 400 invalid_client_metadata', async (_name, body) => {
    await expectJsonError(await post(body), 400, 'invalid_client_metadata');
  });

  // @req ADV-MALFORMED
  it('answers non-UTF-8 bytes with 400 invalid_client_metadata', async () => {
    await expectJsonError(
      await post(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
      400,
      'invalid_client_metadata',
    );
  });

  // @req ADV-MALFORMED
  it.each([
    ['text/plain'],
    ['application/x-www-form-urlencoded'],
    ['multipart/form-data; boundary=x'],
    ['application/jsonx'],
    ['application/json-patch+json'],
    [null],
  ])('answers the content type %s with 400 invalid_client_metadata', async (type) => {
    await expectJsonError(await post(JSON.stringify(CLAUDE_REGISTRATION), type), 400, 'invalid_client_metadata');
  });

  // @req ADV-MALFORMED
  it('answers NUL bytes in a redirect URI or the client name with a 400', async () => {
    await expectJsonError(
      await post(JSON.stringify({ ...CLAUDE_REGISTRATION, redirect_uris: [`${CLAUDE_CALLBACK}\u0000`] })),
      400,
      'invalid_redirect_uri',
    );
    await expectJsonError(
      await post(JSON.stringify({ ...CLAUDE_REGISTRATION, redirect_uris: ['https://evil.com\u0000.claude.ai/cb'] })),
      400,
      'invalid_redirect_uri',
    );
    await expectJsonError(
      await post(JSON.stringify({ ...CLAUDE_REGISTRATION, client_name: 'Claude\u0000' })),
      400,
      'invalid_client_metadata',
    );
  });

  // @req ADV-MALFORMED
  it('validates the value JSON.parse keeps for a repeated member (the last), never the first', async () => {
    const evilLast = `{"redirect_uris":["${CLAUDE_CALLBACK}"],"token_endpoint_auth_method":"none","redirect_uris":["https://evil.com/cb"]}`;
    await expectJsonError(await post(evilLast), 400, 'invalid_redirect_uri');
    const res = await post(`{"redirect_uris":["https://evil.com/cb"],"redirect_uris":["${CLAUDE_CALLBACK}"]}`);
    expect(res.status).toBe(201);
    expect(((await res.json()) as Registration).redirect_uris).toEqual([CLAUDE_CALLBACK]);
  });

  // @req ADV-MALFORMED
  it('does not let a __proto__ member change the registered metadata', async () => {
    const res = await post(
      `{"redirect_uris":["${CLAUDE_CALLBACK}"],"__proto__":{"token_endpoint_auth_method":"none","grant_types":["refresh_token"]}}`,
    );
    expect(res.status).toBe(201);
    const client = (await res.json()) as Registration;
    expect(client.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(client.grant_types).toEqual(['authorization_code']);
    expect(typeof client.client_secret).toBe('string');
  });

  // @req ADV-MALFORMED
  it('answers deeply nested JSON: 413 for 100k-deep arrays, 400 within the size limit, without a 5xx', async () => {
    const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(
      await rawPost(`${base()}/oauth/register`, { 'Content-Type': 'application/json' }, deep(100_000), false),
    ).toBe(413);
    expect(await rawPost(`${base()}/oauth/register`, { 'Content-Type': 'application/json' }, deep(100_000), true)).toBe(
      413,
    );
    await expectJsonError(await post(deep(8000)), 400, 'invalid_client_metadata');
    await expectJsonError(await post(`{"redirect_uris":${deep(8000)}}`), 400, 'invalid_redirect_uri');
    await expectJsonError(
      await post(`{"redirect_uris":["${CLAUDE_CALLBACK}"],"client_name":${deep(7000)}}`),
      400,
      'invalid_client_metadata',
    );
    const ignored = await post(`{"redirect_uris":["${CLAUDE_CALLBACK}"],"software_statement":{"a":${deep(7000)}}}`);
    expect(ignored.status).toBe(201);
    await ignored.body?.cancel();
  });

  // @req ADV-MALFORMED
  it('answers an oversized body with 413, with or without Content-Length, and oversized headers with a 4xx', async () => {
    const big = JSON.stringify({ ...CLAUDE_REGISTRATION, pad: 'x'.repeat(200_000) });
    expect(await rawPost(`${base()}/oauth/register`, { 'Content-Type': 'application/json' }, big, false)).toBe(413);
    expect(await rawPost(`${base()}/oauth/register`, { 'Content-Type': 'application/json' }, big, true)).toBe(413);
    const status = await rawPost(
      `${base()}/oauth/register`,
      { 'Content-Type': 'application/json', 'X-Padding': 'p'.repeat(64 * 1024) },
      JSON.stringify(CLAUDE_REGISTRATION),
      false,
    );
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  });
});

describe('look-alike and confusable redirect URIs', () => {
  let claude: Registration;
  beforeAll(async () => {
    claude = await register(base());
  });

  // @req ADV-REDIRECT-LOOKALIKE
  it.each(LOOK_ALIKES)('refuses %s at registration with invalid_redirect_uri', async (_name, uri) => {
    const res = await fetch(`${base()}/oauth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...CLAUDE_REGISTRATION, redirect_uris: [uri] }),
    });
    await expectJsonError(res, 400, 'invalid_redirect_uri');
  });

  // @req ADV-REDIRECT-LOOKALIKE
  it('renders an error page, never a redirect, for every look-alike presented by a registered or the pre-registered client', async () => {
    for (const [name, uri] of LOOK_ALIKES) {
      for (const clientId of [claude.client_id, 'mcp']) {
        const res = await fetch(authorizeUrl(base(), authorizeParams(base(), clientId, uri, challenge)), {
          redirect: 'manual',
        });
        expect(res.status, `${name} (${clientId.slice(0, 8)})`).toBe(400);
        await expectErrorPage(res);
      }
    }
    // A registered URI matches exactly: the same URI with the host in capitals is not it.
    const upper = await fetch(
      authorizeUrl(
        base(),
        authorizeParams(base(), claude.client_id, 'https://CLAUDE.AI/api/mcp/auth_callback', challenge),
      ),
      { redirect: 'manual' },
    );
    await expectErrorPage(upper);
  });

  // @req ADV-REDIRECT-LOOKALIKE
  it('shows an error and no consent form when the consent page is opened directly with a look-alike', async () => {
    for (const [, uri] of LOOK_ALIKES.slice(0, 12)) {
      const res = await fetch(
        authorizeUrl(base(), authorizeParams(base(), 'mcp', uri, challenge)).replace(
          '/oauth/authorize?',
          '/oauth/authorize/consent?',
        ),
        { redirect: 'manual' },
      );
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('location')).toBeNull();
      const html = await res.text();
      expect(html).toContain('This authorization request cannot be completed');
      expect(html).not.toContain('name="request"');
    }
  });
});

describe('GET /oauth/authorize with malformed queries', () => {
  let claude: Registration;
  beforeAll(async () => {
    claude = await register(base());
  });
  const valid = () => authorizeParams(base(), claude.client_id, CLAUDE_CALLBACK, challenge);
  const get = (url: string) => fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(15_000) });

  // @req ADV-MALFORMED
  it('renders an error page for no query, an empty client_id, a NUL in client_id or redirect_uri, and non-UTF-8 escapes', async () => {
    await expectErrorPage(await get(`${base()}/oauth/authorize`));
    await expectErrorPage(await get(authorizeUrl(base(), { ...valid(), client_id: '' })));
    await expectErrorPage(await get(authorizeUrl(base(), { ...valid(), client_id: `${claude.client_id}\u0000` })));
    await expectErrorPage(await get(authorizeUrl(base(), { ...valid(), redirect_uri: `${CLAUDE_CALLBACK}\u0000` })));
    await expectErrorPage(
      await get(
        `${authorizeUrl(base(), { ...valid(), client_id: undefined })}&client_id=%FF%FE${claude.client_id.slice(2)}`,
      ),
    );
    await expectErrorPage(
      await get(
        `${authorizeUrl(base(), { ...valid(), redirect_uri: undefined })}&redirect_uri=https%3A%2F%2Fclaude.ai%2F%E2%80`,
      ),
    );
  });

  // @req ADV-MALFORMED
  it('renders an error page for a repeated redirect_uri, even when one copy is the registered one', async () => {
    const url = `${authorizeUrl(base(), valid())}&redirect_uri=${encodeURIComponent('https://evil.com/cb')}`;
    await expectErrorPage(await get(url));
  });

  // @req ADV-MALFORMED
  it('redirects a repeated or oversized state, and a truncated escape, only to the registered callback with invalid_request', async () => {
    for (const url of [
      `${authorizeUrl(base(), valid())}&state=again`,
      authorizeUrl(base(), { ...valid(), state: 's'.repeat(1025) }),
      `${authorizeUrl(base(), { ...valid(), response_type: undefined })}&response_type=%E2%8`,
      `${authorizeUrl(base(), valid())}&scope=mcp`,
    ]) {
      const res = await get(url);
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(CLAUDE_CALLBACK);
      expect(location.searchParams.get('error')).toBe(
        url.includes('response_type=%E2') ? 'unsupported_response_type' : 'invalid_request',
      );
      expect(location.searchParams.has('code')).toBe(false);
    }
  });

  // @req ADV-MALFORMED
  it('answers an oversized query and oversized headers with a 4xx, and POST with 405', async () => {
    const huge = await get(authorizeUrl(base(), { ...valid(), state: 'x'.repeat(100_000) }));
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);
    const headers = await fetch(authorizeUrl(base(), valid()), {
      redirect: 'manual',
      headers: { 'X-Padding': 'p'.repeat(64 * 1024) },
    });
    expect(headers.status).toBe(431);
    const post = await fetch(authorizeUrl(base(), valid()), { method: 'POST', redirect: 'manual' });
    expect(post.status).toBe(405);
    expect(post.headers.get('location')).toBeNull();
  });
});

describe('POST /oauth/authorize/submit with malformed forms', () => {
  let claude: Registration;
  let request: string;
  beforeAll(async () => {
    claude = await register(base());
    request = (
      await openConsent(
        authorizeUrl(base(), authorizeParams(base(), claude.client_id, CLAUDE_CALLBACK, challenge, { state: 'st' })),
      )
    ).request;
  });
  const submit = (body: BodyInit, contentType: string | null = 'application/x-www-form-urlencoded') =>
    fetch(`${base()}/oauth/authorize/submit`, {
      method: 'POST',
      redirect: 'manual',
      headers: contentType === null ? {} : { 'Content-Type': contentType },
      body,
      signal: AbortSignal.timeout(15_000),
    });

  /** Sent back to our own consent page (a wrong or missing key), never to the callback with a code. */
  function expectAskedAgain(res: Response) {
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!, base());
    expect(location.origin).toBe(base());
    expect(location.pathname).toBe('/oauth/authorize/consent');
    expect(location.searchParams.has('code')).toBe(false);
  }

  // @req ADV-MALFORMED
  it.each([
    ['an empty body', ''],
    ['a truncated form', 'request=eyJ&api_'],
    ['no consent token', `api_key=${KEY_A}&action=authorize`],
    ['a repeated consent token', () => `request=${request}&request=${request}&api_key=${KEY_A}&action=authorize`],
    ['a NUL in the consent token', () => `request=${request}%00&api_key=${KEY_A}&action=authorize`],
    ['an unknown action', () => `request=${request}&api_key=${KEY_A}&action=grant`],
    ['a repeated action', () => `request=${request}&api_key=${KEY_A}&action=authorize&action=cancel`],
    ['a non-UTF-8 escape in the token', () => `request=%FF${request}&api_key=${KEY_A}&action=authorize`],
  ])('answers %s with an error page and no redirect', async (_name, body) => {
    await expectErrorPage(await submit(typeof body === 'function' ? body() : body));
  });

  // @req ADV-MALFORMED
  it('treats a repeated, NUL-suffixed or missing api_key as a wrong key: asked again, no code', async () => {
    expectAskedAgain(await submit(`request=${request}&api_key=${KEY_A}&api_key=${KEY_A}&action=authorize`));
    expectAskedAgain(await submit(`request=${request}&api_key=${KEY_A}%00&action=authorize`));
    expectAskedAgain(await submit(`request=${request}&action=authorize`));
  });

  // @req ADV-MALFORMED
  it.each([['application/json'], ['text/plain'], ['multipart/form-data; boundary=x'], [null]])(
    'answers the content type %s with an error page',
    async (type) => {
      await expectErrorPage(await submit(`request=${request}&api_key=${KEY_A}&action=authorize`, type));
    },
  );

  // @req ADV-MALFORMED
  it('answers non-UTF-8 bytes with an error page, and over fetch with a JSON 400', async () => {
    await expectErrorPage(await submit(new Uint8Array([0x72, 0x3d, 0xff, 0xfe])));
    const res = await submit('via=fetch&action=authorize&request=garbage');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await res.json()) as Record<string, unknown>).not.toHaveProperty('location');
  });

  // @req ADV-MALFORMED
  it('answers an oversized form with 413, with or without Content-Length, and oversized headers with a 4xx', async () => {
    const big = `request=${request}&api_key=${KEY_A}&action=authorize&pad=${'a'.repeat(200_000)}`;
    const type = { 'Content-Type': 'application/x-www-form-urlencoded' };
    expect(await rawPost(`${base()}/oauth/authorize/submit`, type, big, false)).toBe(413);
    expect(await rawPost(`${base()}/oauth/authorize/submit`, type, big, true)).toBe(413);
    const status = await rawPost(
      `${base()}/oauth/authorize/submit`,
      { ...type, 'X-Padding': 'p'.repeat(64 * 1024) },
      `request=${request}&action=cancel`,
      false,
    );
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  });

  // @req ADV-MALFORMED
  it('still completes with the same consent token afterwards: the refusals above spent nothing', async () => {
    const res = await submitConsent(base(), { request, api_key: KEY_A, action: 'authorize' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(CLAUDE_CALLBACK);
    expect(location.searchParams.get('code')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });
});
