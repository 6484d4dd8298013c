/**
 * Property tests over HTTP at /oauth/register: any JSON, and registration-shaped metadata with
 * arbitrary values, is answered 201 or an RFC 7591 4xx, never a 5xx; and whatever it registers
 * names only redirect URIs of an allowed origin.
 */
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { LOOPBACK_HOSTS } from '@/lib/url/loopback';
import { CLAUDE_CALLBACK } from '../../support/oauth';

const ALLOWED_HOSTS = ['claude.ai', 'claude.com'];

async function registerWith(body: string): Promise<Response> {
  return fetch(`${inject('appUrl')}/oauth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
    signal: AbortSignal.timeout(10_000),
  });
}

/** The answer is 201 with only allowed redirect origins, or a 4xx with a registered error code. */
async function expectSpecShaped(res: Response) {
  expect(res.status).toBeLessThan(500);
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status === 201) {
    for (const uri of body.redirect_uris as string[]) {
      const url = new URL(uri);
      const allowed =
        (url.protocol === 'https:' && ALLOWED_HOSTS.includes(url.hostname) && url.port === '') ||
        (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname));
      expect(allowed, uri).toBe(true);
    }
    expect(['none', 'client_secret_post', 'client_secret_basic']).toContain(body.token_endpoint_auth_method);
    expect(body.token_endpoint_auth_method === 'none').toBe(body.client_secret === undefined);
    expect(String(body.client_id).length).toBeLessThanOrEqual(512);
  } else {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(['invalid_client_metadata', 'invalid_redirect_uri']).toContain(body.error);
    expect(typeof body.error_description).toBe('string');
  }
}

const uri = fc.oneof(
  fc.constantFrom(
    CLAUDE_CALLBACK,
    'https://claude.com/api/mcp/auth_callback',
    'http://localhost:33418/callback',
    'http://[::1]/cb',
    'https://evil.example/cb',
    'https://claude.ai@evil.example/',
  ),
  fc.webUrl({ withFragments: true, withQueryParameters: true }),
  fc.string({ maxLength: 40 }),
);
const anything = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 40 }));

const registrationShaped = fc.record(
  {
    redirect_uris: fc.oneof(
      { weight: 4, arbitrary: fc.array(uri, { maxLength: 12 }) },
      { weight: 1, arbitrary: anything },
    ),
    token_endpoint_auth_method: fc.oneof(
      fc.constantFrom('none', 'client_secret_post', 'client_secret_basic', 'private_key_jwt', ''),
      anything,
    ),
    grant_types: fc.oneof(
      fc.subarray(['authorization_code', 'refresh_token', 'client_credentials', 'implicit']),
      anything,
    ),
    response_types: fc.oneof(fc.constantFrom(['code'], ['token'], [], ['code', 'code']), anything),
    client_name: fc.oneof(fc.string({ maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 20 }), anything),
    scope: anything,
  },
  { requiredKeys: [] },
);

describe('POST /oauth/register under arbitrary JSON', () => {
  // @req ADV-PROPERTY-REGISTER
  it('answers any JSON value with 201 or an RFC 7591 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 5 }), async (json) => {
        await expectSpecShaped(await registerWith(json));
      }),
      { numRuns: 100 },
    );
  });

  // @req ADV-PROPERTY-REGISTER
  it('answers registration-shaped metadata with arbitrary values without a 5xx, registering only allowed redirect origins', async () => {
    await fc.assert(
      fc.asyncProperty(registrationShaped, async (metadata) => {
        await expectSpecShaped(await registerWith(JSON.stringify(metadata)));
      }),
      { numRuns: 150 },
    );
  });
});
