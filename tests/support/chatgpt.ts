/**
 * ChatGPT as a client, as it shows itself in public: a Client ID Metadata Document asking for
 * `private_key_jwt` (RFC 7523) in either of its two shapes, public keys at a `jwks_uri`, and
 * client assertions signed with jose as a client signs them. Keys are real, made per test run.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { json } from '@/kit/http';
import type { CimdServer } from '@/kit/fakeServers/cimdServer';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The shared document: `private_key_jwt`, and also `none` (https://chatgpt.com/oauth/client.json). */
export const SHARED_DOCUMENT = {
  path: '/oauth/client.json',
  redirect: 'https://chatgpt.com/connector_platform_oauth_redirect',
};
/** A per-app document: `private_key_jwt` only (https://chatgpt.com/oauth/<id>/client.json). */
export const PER_APP_DOCUMENT = {
  path: '/oauth/app-7/client.json',
  redirect: 'https://chatgpt.com/connector/oauth/app-7',
};

/** The algorithms a client assertion may be signed with here (lib/oauth/assertions/keySet.ts). */
export type AssertionAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA';

export type Signer = { alg: AssertionAlgorithm; kid: string; privateKey: CryptoKey; jwk: JWK };

export async function signer(alg: Signer['alg'], kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg } };
}

export function chatGptDocument(self: string, redirect: string, extra: Record<string, unknown> = {}) {
  return {
    client_id: self,
    client_name: 'ChatGPT',
    redirect_uris: [redirect],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'RS256',
    ...extra,
  };
}

/**
 * Serves a ChatGPT-shaped document at `path` on `docs`, its keys at the sibling `jwks.json`
 * (whatever `keys()` returns at each fetch, so tests can rotate or break them). Returns the client id.
 */
export function serveChatGpt(
  docs: CimdServer,
  path: string,
  redirect: string,
  keys: () => unknown,
  extra: Record<string, unknown> = {},
): string {
  const jwksPath = path.replace(/client\.json$/, 'jwks.json');
  docs.routes.set(path, (_req, res, self) =>
    json(res, chatGptDocument(self, redirect, { jwks_uri: `${docs.origin}${jwksPath}`, ...extra }), {
      'Cache-Control': 'max-age=300',
    }),
  );
  docs.routes.set(jwksPath, (_req, res) => json(res, keys(), { 'Cache-Control': 'max-age=3600' }));
  return `${docs.origin}${path}`;
}

/** An assertion as ChatGPT signs one: iss = sub = client id, aud the token endpoint, 60 s, fresh jti. */
export function clientAssertion(
  audience: string,
  clientId: string,
  s: Signer,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: clientId,
    sub: clientId,
    aud: audience,
    iat: now,
    exp: now + 60,
    jti: randomUUID(),
    ...claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg: s.alg, kid: s.kid, typ: 'JWT', ...header }).sign(s.privateKey);
}

/** The form fields that carry an assertion (RFC 7521 §4.2), with `client_id` when given. */
export const withAssertion = (value: string, clientId?: string): Record<string, string> => ({
  client_assertion_type: ASSERTION_TYPE,
  client_assertion: value,
  ...(clientId === undefined ? {} : { client_id: clientId }),
});
