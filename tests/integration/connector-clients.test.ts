/**
 * The real clients' exact registration payloads (ChatGPT, Cursor with all three URIs, VS Code
 * with its four) register with the default configuration and complete the code flow with PKCE
 * on each of their redirect URIs; and /oauth/authorize answers a JSON-preferring caller
 * (mcp-remote's preflight) with JSON refusals.
 */
import { describe, expect, inject, it } from 'vitest';
import { KEY_A } from '@/kit/app';
import {
  authorizeParams,
  authorizeUrl,
  authorizeWithKey,
  exchangeCode,
  pkcePair,
  REAL_PAYLOADS,
  register,
  type TokenBody,
} from '../support/oauth';

const base = () => inject('appUrl');

/** Each payload's URIs as the client calls back on them (VS Code's loopback on another port). */
const CALLBACKS: Record<keyof typeof REAL_PAYLOADS, string[]> = {
  ChatGPT: ['https://chatgpt.com/connector_platform_oauth_redirect'],
  Cursor: [
    'cursor://anysphere.cursor-mcp/oauth/callback',
    'https://www.cursor.com/agents/mcp/oauth/callback',
    'http://localhost:8787/callback',
  ],
  'VS Code': [
    'https://insiders.vscode.dev/redirect',
    'https://vscode.dev/redirect',
    'http://127.0.0.1:33418/',
    'http://127.0.0.1:51234/',
  ],
};

describe("the real clients' registrations", () => {
  // @req CONN-REG-REAL-CLIENTS
  // @req CONN-KNOWN-CLIENTS
  it.each(Object.keys(REAL_PAYLOADS) as (keyof typeof REAL_PAYLOADS)[])(
    '%s registers its exact payload and completes the code flow with PKCE on each redirect URI',
    async (name) => {
      const client = await register(base(), REAL_PAYLOADS[name]);
      expect(client.redirect_uris).toEqual(REAL_PAYLOADS[name].redirect_uris);
      for (const redirectUri of CALLBACKS[name]) {
        const { verifier, challenge } = pkcePair();
        const callback = await authorizeWithKey(
          base(),
          authorizeParams(base(), client.client_id, redirectUri, challenge),
          KEY_A,
        );
        expect(callback.href.startsWith(redirectUri), redirectUri).toBe(true);
        const fields: Record<string, string> = {
          code: callback.searchParams.get('code')!,
          redirect_uri: redirectUri,
          code_verifier: verifier,
          client_id: client.client_id,
        };
        if (client.client_secret) fields.client_secret = client.client_secret;
        const res = await exchangeCode(base(), fields);
        expect(res.status, redirectUri).toBe(200);
        expect(((await res.json()) as TokenBody).refresh_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      }
    },
  );

  // @req CONN-KNOWN-CLIENTS
  it('still refuses an unknown https host, http off loopback, javascript: and a wildcard', async () => {
    for (const uri of [
      'https://evil.example/cb',
      'http://chatgpt.com/connector_platform_oauth_redirect',
      'javascript:alert(1)',
      'https://*.cursor.com/cb',
      'https://vscode.dev/redirect#x',
    ]) {
      const res = await fetch(`${base()}/oauth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [uri] }),
      });
      expect(res.status, uri).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_redirect_uri' });
    }
  });
});

describe('GET /oauth/authorize for a caller that prefers JSON', () => {
  const request = async (clientId: string, redirectUri: string, accept: string) => {
    const url = authorizeUrl(base(), authorizeParams(base(), clientId, redirectUri, pkcePair().challenge));
    return fetch(url, { redirect: 'manual', headers: { Accept: accept } });
  };

  // @req AUTHZ-JSON-REFUSAL
  it('answers invalid_client for a stale client id and invalid_request for an unregistered redirect URI, never with a Location', async () => {
    const client = await register(base(), REAL_PAYLOADS.Cursor);
    const stale = `${client.client_id.slice(0, -4)}AAAA`;
    const unknown = await request(stale, 'http://localhost:8787/callback', 'application/json');
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('location')).toBeNull();
    expect(unknown.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await unknown.json()).toMatchObject({ error: 'invalid_client' });

    const badRedirect = await request(client.client_id, 'http://localhost:8787/other', 'application/json');
    expect(badRedirect.status).toBe(400);
    expect(badRedirect.headers.get('location')).toBeNull();
    expect(await badRedirect.json()).toMatchObject({ error: 'invalid_request' });

    // A valid request still goes to the consent page.
    expect((await request(client.client_id, 'http://localhost:8787/callback', 'application/json')).status).toBe(303);
  });

  // @req AUTHZ-JSON-REFUSAL
  it('keeps the HTML page for browsers and for */*', async () => {
    for (const accept of [
      'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      '*/*',
      'application/json;q=0.5, text/html',
    ]) {
      const res = await request('not-a-client', 'http://localhost:8787/callback', accept);
      expect(res.status, accept).toBe(400);
      expect(res.headers.get('content-type'), accept).toMatch(/^text\/html/);
      expect(res.headers.get('location')).toBeNull();
    }
  });
});
