/**
 * Authenticating a `/mcp` request, in the SDK's triple shape: `verifyMcpCredential` throws,
 * `bearerChallengeResponse` maps the failure to RFC 6750 §3, `requireMcpIdentity` returns an
 * identity or the response. Used by both walls: the middleware and the route.
 */
import type { Config } from '../config';
import type { Services } from '../services';
import { TokenError } from '../tokens';
import { MCP_CORS_HEADERS } from '../http/cors';
import type { Reason } from '../observability/catalogue';
import { currentRequestId } from '../observability/context';
import { emit } from '../observability/log';
import type { Identity } from './identity';

/** `reason` is the event's code (`lib/observability/catalogue.ts`); never sent. */
export type CredentialFailure = { readonly reason: Reason } & (
  /** No credential at all (RFC 6750 §3.1: no error code). */
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid_request'; readonly description: string }
  | { readonly kind: 'invalid_token'; readonly description: string }
  | { readonly kind: 'insufficient_scope'; readonly description: string }
);

export class CredentialError extends Error {
  override name = 'CredentialError';
  constructor(readonly failure: CredentialFailure) {
    super(failure.kind);
  }
}

const REQUIRED_SCOPE = 'mcp';

/**
 * The identity behind the request's credential: `Authorization: Bearer <access token>` or
 * `X-API-Key: <key>`, never a query parameter. Verifies signature, `typ`, `iss`, `aud`, `exp`,
 * then that the fingerprint still belongs to a configured key.
 * @see RFC 6750 §2.1, RFC 9068 §4
 */
export async function verifyMcpCredential(headers: Headers, services: Services): Promise<Identity> {
  const authorization = headers.get('authorization');
  const apiKey = headers.get('x-api-key');
  const bearer = authorization === null ? null : /^bearer[ \t]+(.*)$/i.exec(authorization.trim());

  if (bearer && apiKey !== null) {
    throw new CredentialError({ kind: 'invalid_request', reason: 'credential_conflict', description: 'Send either a bearer token or X-API-Key, not both.' });
  }
  if (bearer) {
    const token = bearer[1]!.trim();
    let claims;
    try {
      claims = await services.tokens.verify('access', token);
    } catch (error) {
      if (error instanceof TokenError) {
        const reason = error.reason === 'expired' ? 'token_expired' : error.reason === 'audience' ? 'audience_mismatch' : 'token_invalid';
        throw new CredentialError({ kind: 'invalid_token', reason, description: error.reason === 'expired' ? 'The access token expired.' : 'The access token is invalid.' });
      }
      throw error;
    }
    if (!services.keyring.isCurrent(claims.sub)) {
      throw new CredentialError({ kind: 'invalid_token', reason: 'key_revoked', description: 'The access token was revoked.' });
    }
    const scopes = claims.scope.split(' ').filter(Boolean);
    if (!scopes.includes(REQUIRED_SCOPE)) {
      throw new CredentialError({ kind: 'insufficient_scope', reason: 'insufficient_scope', description: 'The access token lacks the mcp scope.' });
    }
    return { fingerprint: claims.sub, clientId: claims.client_id, scopes, expiresAt: claims.exp, method: 'oauth_bearer' };
  }
  if (apiKey !== null) {
    const fingerprint = await services.keyring.identify(apiKey.trim());
    if (!fingerprint) throw new CredentialError({ kind: 'invalid_token', reason: 'api_key_invalid', description: 'The API key is not valid.' });
    return { fingerprint, clientId: 'api-key', scopes: [REQUIRED_SCOPE], expiresAt: null, method: 'api_key' };
  }
  throw new CredentialError({ kind: 'missing', reason: 'credential_missing' });
}

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

/**
 * RFC 6750 §3 and RFC 9728 §5.1: the challenge that tells a client where to get a token. Both
 * walls refuse through here, so this is also where the refusal's event is emitted.
 */
export function bearerChallengeResponse(failure: CredentialFailure, config: Config): Response {
  emit('mcp', failure.reason, failure.reason === 'api_key_invalid' ? { client_kind: 'api_key' } : {});
  const params = [`resource_metadata=${quoted(config.resourceMetadataUrl)}`, `scope=${quoted(REQUIRED_SCOPE)}`];
  let status = 401;
  let body: Record<string, string> = { error: 'unauthorized', error_description: 'Authentication required: see WWW-Authenticate for where to get a token.' };
  if (failure.kind !== 'missing') {
    params.push(`error=${quoted(failure.kind)}`, `error_description=${quoted(failure.description)}`);
    status = failure.kind === 'invalid_request' ? 400 : failure.kind === 'insufficient_scope' ? 403 : 401;
    body = { error: failure.kind, error_description: failure.description };
  }
  const requestId = currentRequestId();
  if (requestId) body.request_id = requestId;
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'WWW-Authenticate': `Bearer ${params.join(', ')}`,
      ...MCP_CORS_HEADERS,
    },
  });
}

/** The verified identity, or the response to send instead. */
export async function requireMcpIdentity(request: Request, services: Services): Promise<Identity | Response> {
  try {
    return await verifyMcpCredential(request.headers, services);
  } catch (error) {
    if (error instanceof CredentialError) return bearerChallengeResponse(error.failure, services.config);
    throw error;
  }
}

/**
 * DNS-rebinding guard for local runs: when the public URL is a loopback origin, a request must
 * carry that exact host, so a page on another name that resolves to 127.0.0.1 is refused.
 */
export function rebindingGuardResponse(request: Request, config: Config): Response | null {
  const expected = new URL(config.publicUrl);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(expected.hostname);
  if (!loopback) return null;
  const host = request.headers.get('host');
  if (host !== null && host.toLowerCase() === expected.host) return null;
  emit('mcp', 'host_not_allowed');
  return new Response(JSON.stringify({ error: 'forbidden', error_description: 'Host not allowed.', request_id: currentRequestId() }), {
    status: 403,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
  });
}
