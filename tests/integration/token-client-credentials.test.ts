import { decodeJwt } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { KEY_A } from '@/kit/app';
import { postForm } from '@/kit/http';
import { fingerprintOf } from '@/lib/keys';

const endpoint = () => `${inject('appUrl')}/oauth/token`;
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function expectOAuthError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/at |Error:|node_modules/);
  return body;
}

describe('POST /oauth/token with client_credentials', () => {
  // @req TOKEN-CC
  it('issues a one-hour bearer token for an API key sent in the body', async () => {
    const res = await postForm(endpoint(), {
      grant_type: 'client_credentials',
      client_id: 'mcp',
      client_secret: KEY_A,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'mcp' });
    expect(body.refresh_token).toBeUndefined();
    const claims = decodeJwt(String(body.access_token));
    expect(claims.sub).toBe(await fingerprintOf(KEY_A));
    expect(claims.aud).toBe(`${inject('appUrl')}/mcp`);
    expect(JSON.stringify(claims)).not.toContain(KEY_A);
  });

  it('accepts HTTP Basic client authentication', async () => {
    const res = await postForm(
      endpoint(),
      { grant_type: 'client_credentials' },
      { Authorization: basic('mcp', KEY_A) },
    );
    expect(res.status).toBe(200);
  });

  // @req TOKEN-INVALID-CLIENT
  it('refuses a wrong key as invalid_client with 401, and adds a Basic challenge when Basic was used', async () => {
    const post = await postForm(endpoint(), {
      grant_type: 'client_credentials',
      client_id: 'mcp',
      client_secret: `${KEY_A}x`,
    });
    await expectOAuthError(post, 401, 'invalid_client');
    expect(post.headers.get('www-authenticate')).toBeNull();
    const viaBasic = await postForm(
      endpoint(),
      { grant_type: 'client_credentials' },
      { Authorization: basic('mcp', 'wrong-key-wrong-key-wrong') },
    );
    await expectOAuthError(viaBasic, 401, 'invalid_client');
    expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });

  it('refuses the right key under another client id', async () => {
    await expectOAuthError(
      await postForm(endpoint(), { grant_type: 'client_credentials', client_id: 'other', client_secret: KEY_A }),
      401,
      'invalid_client',
    );
  });

  it('refuses an unknown scope as invalid_scope and ignores offline_access', async () => {
    await expectOAuthError(
      await postForm(endpoint(), {
        grant_type: 'client_credentials',
        client_id: 'mcp',
        client_secret: KEY_A,
        scope: 'admin',
      }),
      400,
      'invalid_scope',
    );
    const res = await postForm(endpoint(), {
      grant_type: 'client_credentials',
      client_id: 'mcp',
      client_secret: KEY_A,
      scope: 'mcp offline_access',
    });
    expect(((await res.json()) as { scope: string }).scope).toBe('mcp');
  });

  it('refuses unknown grants, repeated parameters and non-form bodies', async () => {
    await expectOAuthError(
      await postForm(endpoint(), { grant_type: 'password', client_id: 'mcp', client_secret: KEY_A }),
      400,
      'unsupported_grant_type',
    );
    const repeated = await fetch(endpoint(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=mcp&client_secret=${KEY_A}&client_id=mcp`,
    });
    await expectOAuthError(repeated, 400, 'invalid_request');
    const json = await fetch(endpoint(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'mcp', client_secret: KEY_A }),
    });
    await expectOAuthError(json, 400, 'invalid_request');
  });

  it('answers a body over 64 KiB with 413', async () => {
    const res = await fetch(endpoint(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&pad=${'x'.repeat(65 * 1024)}`,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('answers other methods with 405 and Allow: POST', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(endpoint(), { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });
});
