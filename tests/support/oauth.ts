/** Driving the connector flow over plain HTTP, as claude.ai does it (no browser). */
import { createHash, randomBytes } from 'node:crypto';
import { postForm } from '@/kit/http';

import { CLAUDE_REGISTRATION } from '@/lib/dashboard/deploymentCheck';

/** claude.ai's registration request, byte for byte: the one the dashboard's deployment check sends. */
export { CLAUDE_REGISTRATION };

export const CLAUDE_CALLBACK = CLAUDE_REGISTRATION.redirect_uris[0];

/** The registration payloads real clients send, as observed (docs/connector.md, "What each client runs"). */
export const REAL_PAYLOADS = {
  ChatGPT: {
    client_name: 'ChatGPT',
    redirect_uris: ['https://chatgpt.com/connector_platform_oauth_redirect'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  },
  Cursor: {
    client_name: 'Cursor',
    redirect_uris: [
      'cursor://anysphere.cursor-mcp/oauth/callback',
      'https://www.cursor.com/agents/mcp/oauth/callback',
      'http://localhost:8787/callback',
    ],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
  'VS Code': {
    client_name: 'Visual Studio Code',
    redirect_uris: [
      'https://insiders.vscode.dev/redirect',
      'https://vscode.dev/redirect',
      'http://127.0.0.1/',
      'http://127.0.0.1:33418/',
    ],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
} as const;

export type Registration = {
  client_id: string;
  client_secret?: string;
  client_id_issued_at: number;
  client_secret_expires_at?: number;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  grant_types: string[];
  response_types: string[];
  client_name?: string;
};

export async function register(base: string, metadata: unknown = CLAUDE_REGISTRATION): Promise<Registration> {
  const res = await fetch(`${base}/oauth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(metadata),
  });
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Registration;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(`${base}/oauth/authorize`);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

/** The standard parameters of an authorization request from `client` to `redirectUri`. */
export function authorizeParams(
  base: string,
  clientId: string,
  redirectUri: string,
  challenge: string,
  extra: Record<string, string | undefined> = {},
) {
  return {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    scope: 'mcp offline_access',
    resource: `${base}/mcp`,
    state: 'st-' + randomBytes(8).toString('hex'),
    ...extra,
  };
}

export function consentTokenIn(html: string): string {
  const match = /name="request" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no consent token in the page');
  return match[1]!;
}

/** GET /oauth/authorize, following its 303 to the consent page; returns the page and its token. */
export async function openConsent(url: string): Promise<{ response: Response; html: string; request: string }> {
  const first = await fetch(url, { redirect: 'manual' });
  if (first.status !== 303) throw new Error(`authorize answered ${first.status}: ${await first.text()}`);
  const response = await fetch(new URL(first.headers.get('location')!, url), { redirect: 'manual' });
  const html = await response.text();
  return { response, html, request: consentTokenIn(html) };
}

export async function submitConsent(
  base: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${base}/oauth/authorize/submit`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Runs authorize + consent with `key`; returns the callback URL the browser is sent to. */
export async function authorizeWithKey(
  base: string,
  params: Record<string, string | undefined>,
  key: string,
): Promise<URL> {
  const { request } = await openConsent(authorizeUrl(base, params));
  const res = await submitConsent(base, { request, api_key: key, action: 'authorize' });
  if (res.status !== 303) throw new Error(`consent answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

export async function exchangeCode(
  base: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return postForm(`${base}/oauth/token`, { grant_type: 'authorization_code', ...fields }, headers);
}

export type TokenBody = {
  access_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope: string;
};

/** A complete claude.ai-style connection: register, consent with `key`, exchange. */
export async function connectLikeClaude(
  base: string,
  key: string,
): Promise<{ client: Registration; tokens: TokenBody }> {
  const client = await register(base);
  const { verifier, challenge } = pkcePair();
  const callback = await authorizeWithKey(
    base,
    authorizeParams(base, client.client_id, CLAUDE_CALLBACK, challenge),
    key,
  );
  const res = await exchangeCode(base, {
    code: callback.searchParams.get('code')!,
    redirect_uri: CLAUDE_CALLBACK,
    code_verifier: verifier,
    client_id: client.client_id,
    client_secret: client.client_secret!,
    resource: `${base}/mcp`,
  });
  if (res.status !== 200) throw new Error(`exchange failed: ${res.status} ${await res.text()}`);
  return { client, tokens: (await res.json()) as TokenBody };
}
