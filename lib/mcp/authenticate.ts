/**
 * Authenticating a `/mcp` request: the one path both walls run (`middleware.ts` through
 * `gate.ts`, and the route through `endpoint.ts`). In the SDK's triple shape:
 * `verifyMcpCredential` returns a verdict, `credentialFailureResponse` maps a failure to the wire
 * (RFC 6750 §3), `authenticateMcpRequest` returns an identity or the response to send.
 *
 * A bearer token costs one key-source call (`isActive`), an `X-API-Key` one (`identify`).
 */
import type { Config } from '../config';
import { clientIp } from '../http/clientIp';
import { errorJsonResponse, jsonRpcErrorResponse, type ErrorJson } from '../http/errors';
import { OUTAGE_RETRY_AFTER_SECONDS, rateLimitHeaders } from '../limits/headers';
import type { LimitDecision } from '../limits/decision';
import type { Reason } from '../observability/catalogue';
import { emit } from '../observability/log';
import type { Services } from '../services';
import { TokenError } from '../tokens';
import { asFingerprint, type Fingerprint } from '../keys/fingerprint';
import type { Identity } from './identity';

/**
 * `reason` is the event's code (`lib/observability/catalogue.ts`); never sent. `fingerprint` names
 * whose token was refused, when its signature held (expired, another audience, a removed key).
 */
export type CredentialFailure = { readonly reason: Reason; readonly fingerprint?: Fingerprint } & (
  /** No credential at all (RFC 6750 §3.1: no error code). */
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid_request'; readonly description: string }
  | { readonly kind: 'invalid_token'; readonly description: string; readonly credential: 'bearer' | 'api_key' }
  | { readonly kind: 'insufficient_scope'; readonly description: string }
  /** The key source could not answer: 503, never a 401, never a counted failure. */
  | { readonly kind: 'unavailable' }
);

export type Verdict = { readonly ok: true; readonly identity: Identity } | { readonly ok: false; readonly failure: CredentialFailure };

const REQUIRED_SCOPE = 'mcp';

const refused = (failure: CredentialFailure): Verdict => ({ ok: false, failure });

/**
 * The identity behind the request's credential: `Authorization: Bearer <access token>` or
 * `X-API-Key: <key>`, never a query parameter. A bearer token's signature, `typ`, `iss`, `aud`
 * and `exp` are verified, then that its subject still names a valid key, then the scope.
 * @see RFC 6750 §2.1, RFC 9068 §4
 */
export async function verifyMcpCredential(headers: Headers, services: Services): Promise<Verdict> {
  const authorization = headers.get('authorization');
  const apiKey = headers.get('x-api-key');
  const bearer = authorization === null ? null : /^bearer[ \t]+(.*)$/i.exec(authorization.trim());

  if (bearer && apiKey !== null) return refused({ kind: 'invalid_request', reason: 'credential_conflict', description: 'Send either a bearer token or X-API-Key, not both.' });
  if (bearer) {
    let claims;
    try {
      claims = await services.tokens.verify('access', bearer[1]!.trim());
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      const description = error.reason === 'expired' ? 'The access token expired.' : 'The access token is invalid.';
      const reason = error.reason === 'expired' ? 'token_expired' : error.reason === 'audience' ? 'audience_mismatch' : 'token_invalid';
      const fingerprint = asFingerprint(error.verifiedSubject);
      return refused({ kind: 'invalid_token', reason, description, credential: 'bearer', ...(fingerprint && { fingerprint }) });
    }
    const activity = await services.keys.isActive(claims.sub);
    if (activity === 'unavailable') return refused({ kind: 'unavailable', reason: 'key_source_unavailable' });
    if (activity === 'inactive') {
      return refused({ kind: 'invalid_token', reason: 'key_revoked', description: 'The access token was revoked.', credential: 'bearer', fingerprint: claims.sub });
    }
    const scopes = claims.scope.split(' ').filter(Boolean);
    if (!scopes.includes(REQUIRED_SCOPE)) return refused({ kind: 'insufficient_scope', reason: 'insufficient_scope', description: 'The access token lacks the mcp scope.' });
    return { ok: true, identity: { fingerprint: claims.sub, clientId: claims.client_id, scopes, expiresAt: claims.exp, method: 'oauth_bearer' } };
  }
  if (apiKey !== null) {
    const answer = await services.keys.identify(apiKey.trim());
    if (answer.outcome === 'unavailable') return refused({ kind: 'unavailable', reason: 'key_source_unavailable' });
    if (answer.outcome === 'unknown') return refused({ kind: 'invalid_token', reason: 'api_key_invalid', description: 'The API key is not valid.', credential: 'api_key' });
    return { ok: true, identity: { fingerprint: answer.fingerprint, clientId: 'api-key', scopes: [REQUIRED_SCOPE], expiresAt: null, method: 'api_key' } };
  }
  return refused({ kind: 'missing', reason: 'credential_missing' });
}

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

/** 503 with `Retry-After`: the key source or Redis could not answer. */
function mcpUnavailableResponse(): Response {
  return jsonRpcErrorResponse(503, -32000, 'The service is temporarily unavailable; retry shortly.', {
    headers: { 'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS) },
    cors: true,
  });
}

/** 429 with `Retry-After` and `RateLimit-*`, after its event. */
export function mcpTooManyRequestsResponse(decision: LimitDecision & { outcome: 'limited' }, fields: { fingerprint?: string } = {}): Response {
  emit('mcp', 'rate_limited', fields);
  return jsonRpcErrorResponse(429, -32000, `Rate limit exceeded; retry in ${decision.retryAfterSeconds} s.`, {
    headers: rateLimitHeaders(decision),
    cors: true,
  });
}

/**
 * RFC 6750 §3 and RFC 9728 §5.1: the challenge that tells a client where to get a token. Both
 * walls refuse through here, so this is also where the refusal's event is emitted.
 */
export function credentialFailureResponse(failure: CredentialFailure, config: Pick<Config, 'resourceMetadataUrl'>): Response {
  emit('mcp', failure.reason, {
    ...(failure.reason === 'api_key_invalid' && { client_kind: 'api_key' }),
    ...(failure.fingerprint && { fingerprint: failure.fingerprint }),
  });
  if (failure.kind === 'unavailable') return mcpUnavailableResponse();
  const params = [`resource_metadata=${quoted(config.resourceMetadataUrl)}`, `scope=${quoted(REQUIRED_SCOPE)}`];
  let status = 401;
  let body: ErrorJson = { error: 'unauthorized', error_description: 'Authentication required: see WWW-Authenticate for where to get a token.' };
  if (failure.kind !== 'missing') {
    params.push(`error=${quoted(failure.kind)}`, `error_description=${quoted(failure.description)}`);
    status = failure.kind === 'invalid_request' ? 400 : failure.kind === 'insufficient_scope' ? 403 : 401;
    body = { error: failure.kind, error_description: failure.description };
  }
  return errorJsonResponse(status, body, { headers: { 'WWW-Authenticate': `Bearer ${params.join(', ')}` }, cors: true });
}

/**
 * DNS-rebinding guard for local runs: when the public URL is a loopback origin, a request must
 * carry that exact host, so a page on another name that resolves to 127.0.0.1 is refused.
 */
export function rebindingGuardResponse(request: Request, config: Config): Response | null {
  if (!config.publicUrlIsLoopback) return null;
  const host = request.headers.get('host');
  if (host !== null && host.toLowerCase() === config.publicHost) return null;
  emit('mcp', 'host_not_allowed');
  return errorJsonResponse(403, { error: 'forbidden', error_description: 'Host not allowed.' });
}

export type AuthenticateOptions = {
  /**
   * Whether a wrong `X-API-Key` counts against its address's failed-authentication limit (and a
   * used-up address is refused before its key is looked at). The first wall counts; the second
   * does not, so one request is counted once.
   */
  readonly countFailures: boolean;
};

/** The verified identity, or the response to send instead. */
export async function authenticateMcpRequest(request: Request, services: Services, options: AuthenticateOptions): Promise<Identity | Response> {
  const rebinding = rebindingGuardResponse(request, services.config);
  if (rebinding) return rebinding;
  // Only a raw key can be guessed: bearer tokens are signed, and take no extra limiter call.
  const ip = options.countFailures && request.headers.has('x-api-key') ? clientIp(request, services.config) : null;
  if (ip !== null) {
    const standing = await services.limiter.look('failedAuth', ip);
    if (standing.outcome === 'limited') return mcpTooManyRequestsResponse(standing);
  }
  const verdict = await verifyMcpCredential(request.headers, services);
  if (verdict.ok) return verdict.identity;
  // When the limiter cannot answer, the wrong key still gets its 401, uncounted.
  if (ip !== null && verdict.failure.kind === 'invalid_token' && verdict.failure.credential === 'api_key') await services.limiter.count('failedAuth', ip);
  return credentialFailureResponse(verdict.failure, services.config);
}
