import { describe, expect, it } from 'vitest';
import { OAuthError } from '@/lib/oauth/errors';
import { parseTokenRequest } from '@/lib/oauth/tokenRequest';
import { rejectionOf } from '../../support/expectations';

const url = 'https://mcp.example.com/oauth/token';
const formRequest = (body: string, headers: Record<string, string> = {}) =>
  new Request(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });

const oauthError = (promise: Promise<unknown>) => rejectionOf(promise, OAuthError);

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('parseTokenRequest', () => {
  it('parses client_credentials with client_secret_post', async () => {
    const parsed = await parseTokenRequest(
      formRequest('grant_type=client_credentials&client_id=mcp&client_secret=s3cret&scope=mcp'),
    );
    expect(parsed).toEqual({
      grant_type: 'client_credentials',
      client: { method: 'client_secret_post', clientId: 'mcp', secret: 's3cret' },
      scope: 'mcp',
    });
  });

  // @req TOKEN-BASIC-DECODE
  it('form-decodes Basic credentials (RFC 6749 §2.3.1)', async () => {
    const parsed = await parseTokenRequest(
      formRequest('grant_type=client_credentials', { Authorization: basic('my client', 'a+b:c%d') }),
    );
    expect(parsed.client).toEqual({ method: 'client_secret_basic', clientId: 'my client', secret: 'a+b:c%d' });
  });

  // @req TOKEN-ERRORS
  it.each([
    [
      'a repeated parameter',
      'grant_type=client_credentials&grant_type=client_credentials&client_id=mcp',
      'invalid_request',
    ],
    ['a missing grant_type', 'client_id=mcp&client_secret=x', 'invalid_request'],
    ['an unknown grant_type', 'grant_type=password&client_id=mcp&client_secret=x', 'unsupported_grant_type'],
    ['no client authentication', 'grant_type=client_credentials', 'invalid_client'],
    ['a NUL byte', 'grant_type=client_credentials&client_id=m%00cp&client_secret=x', 'invalid_request'],
    ['a code grant without its code', 'grant_type=authorization_code&client_id=c', 'invalid_request'],
  ])('refuses %s', async (_name, body, code) => {
    expect((await oauthError(parseTokenRequest(formRequest(body)))).code).toBe(code);
  });

  it('refuses a body that is not form-urlencoded', async () => {
    const request = new Request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"grant_type":"client_credentials"}',
    });
    expect((await oauthError(parseTokenRequest(request))).code).toBe('invalid_request');
  });

  it('refuses two client authentication methods at once', async () => {
    const request = formRequest('grant_type=client_credentials&client_secret=x', { Authorization: basic('mcp', 'y') });
    expect((await oauthError(parseTokenRequest(request))).code).toBe('invalid_request');
  });

  it('refuses malformed Basic credentials as invalid_client with a Basic challenge', async () => {
    const error = await oauthError(
      parseTokenRequest(formRequest('grant_type=client_credentials', { Authorization: 'Basic !!!' })),
    );
    expect(error.code).toBe('invalid_client');
    expect(error.headers['WWW-Authenticate']).toMatch(/^Basic /);
  });

  it('refuses invalid UTF-8', async () => {
    const request = new Request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new Uint8Array([0x67, 0x72, 0x61, 0x6e, 0x74, 0x3d, 0xff, 0xfe]),
    });
    expect((await oauthError(parseTokenRequest(request))).code).toBe('invalid_request');
  });

  it('refuses a body over 64 KiB before parsing it', async () => {
    const error = await oauthError(
      parseTokenRequest(formRequest(`grant_type=client_credentials&pad=${'x'.repeat(70_000)}`)),
    );
    expect([error.code, error.status]).toEqual(['invalid_request', 413]);
  });
});
