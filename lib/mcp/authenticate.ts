/**
 * Authenticating a `/mcp` request: the one path both walls run (`middleware.ts` through
 * `gate.ts`, and the route through `endpoint.ts`). `verifyMcpCredential` returns a verdict on the
 * credential; `authenticateMcpRequest` adds the host guard and the failed-authentication limit and
 * returns an identity or a refusal, which `refusals.ts` maps to the wire.
 *
 * A bearer token costs one key-source call (`isActive`), an `X-API-Key` one (`identify`).
 */
import type { Config } from '../config';
import { clientIp } from '../http/clientIp';
import type { Services } from '../services';
import { TokenError } from '../tokens';
import type { ForwardKey, Identity } from './identity';
import { accessOf } from '../tokens/access';
import { REQUIRED_SCOPE, type CredentialFailure, type McpRefusal } from './refusals';

export type Verdict =
  | { readonly ok: true; readonly identity: Identity; readonly forwardKey: ForwardKey }
  | { readonly ok: false; readonly failure: CredentialFailure };

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

  if (bearer && apiKey !== null)
    return refused({
      kind: 'invalid_request',
      reason: 'credential_conflict',
      description: 'Send either a bearer token or X-API-Key, not both.',
    });
  if (bearer) {
    let claims;
    try {
      claims = await services.tokens.verify('access', bearer[1]!.trim());
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      const description = error.reason === 'expired' ? 'The access token expired.' : 'The access token is invalid.';
      const reason =
        error.reason === 'expired'
          ? 'token_expired'
          : error.reason === 'audience'
            ? 'audience_mismatch'
            : 'token_invalid';
      // A subject only a signature vouches for (another audience, expired, removed key): its public name.
      const fingerprint =
        error.verifiedSubject === undefined ? undefined : services.keys.fingerprintOfSubject(error.verifiedSubject);
      return refused({
        kind: 'invalid_token',
        reason,
        description,
        credential: 'bearer',
        ...(fingerprint && { fingerprint }),
      });
    }
    const activity = await services.keys.isActive(claims.sub);
    if (activity === 'unavailable') return refused({ kind: 'unavailable', reason: 'key_source_unavailable' });
    if (activity === 'inactive') {
      return refused({
        kind: 'invalid_token',
        reason: 'key_revoked',
        description: 'The access token was revoked.',
        credential: 'bearer',
        fingerprint: services.keys.fingerprintOfSubject(claims.sub),
      });
    }
    const scopes = claims.scope.split(' ').filter(Boolean);
    if (accessOf(scopes) === null)
      return refused({
        kind: 'insufficient_scope',
        reason: 'insufficient_scope',
        description: 'The access token lacks the mcp scope.',
      });
    const fingerprint = services.keys.fingerprintOfSubject(claims.sub);
    let forwardKey: ForwardKey;
    if (services.config.sealsKeys) {
      // The upstream needs the key and only the token has it: a seal that does not open is an invalid token.
      const key = await services.tokens.openSeal('access', claims);
      if (key === null) {
        return refused({
          kind: 'invalid_token',
          reason: 'seal_invalid',
          description: 'The access token is invalid.',
          credential: 'bearer',
          fingerprint,
        });
      }
      forwardKey = async () => key;
    } else {
      const keys = services.keys;
      forwardKey = keys.holdsKeys ? () => keys.keyFor(fingerprint) : async () => null;
    }
    return {
      ok: true,
      forwardKey,
      identity: {
        fingerprint,
        clientId: claims.client_id,
        scopes,
        expiresAt: claims.exp,
        method: 'oauth_bearer',
      },
    };
  }
  if (apiKey !== null) {
    const answer = await services.keys.identify(apiKey.trim());
    if (answer.outcome === 'unavailable') return refused({ kind: 'unavailable', reason: 'key_source_unavailable' });
    if (answer.outcome === 'unknown')
      return refused({
        kind: 'invalid_token',
        reason: 'api_key_invalid',
        description: 'The API key is not valid.',
        credential: 'api_key',
      });
    const presented = apiKey.trim();
    return {
      ok: true,
      forwardKey: async () => presented,
      identity: {
        fingerprint: answer.fingerprint,
        clientId: 'api-key',
        scopes: [REQUIRED_SCOPE],
        expiresAt: null,
        method: 'api_key',
      },
    };
  }
  return refused({ kind: 'missing', reason: 'credential_missing' });
}

/**
 * DNS-rebinding guard for local runs: when the public URL is a loopback origin, a request must
 * carry that exact host, so a page on another name that resolves to 127.0.0.1 is refused.
 */
function hostAllowed(request: Request, config: Pick<Config, 'publicUrlIsLoopback' | 'publicHost'>): boolean {
  if (!config.publicUrlIsLoopback) return true;
  const host = request.headers.get('host');
  return host !== null && host.toLowerCase() === config.publicHost;
}

export type AuthenticateOptions = {
  /**
   * Whether a wrong `X-API-Key` counts against its address's failed-authentication limit (and a
   * used-up address is refused before its key is looked at). The first wall counts; the second
   * does not, so one request is counted once.
   */
  readonly countFailures: boolean;
};

/** The verified identity, or why the request is refused (`mcpRefusalResponse` maps it to the wire). */
export async function authenticateMcpRequest(
  request: Request,
  services: Services,
  options: AuthenticateOptions,
): Promise<
  | { readonly ok: true; readonly identity: Identity; readonly forwardKey: ForwardKey }
  | { readonly ok: false; readonly refusal: McpRefusal }
> {
  if (!hostAllowed(request, services.config)) return { ok: false, refusal: { kind: 'host_not_allowed' } };
  // Only a raw key can be guessed: bearer tokens are signed, and take no extra limiter call.
  const ip = options.countFailures && request.headers.has('x-api-key') ? clientIp(request, services.config) : null;
  if (ip !== null) {
    const standing = await services.limiter.look('failedAuth', ip);
    if (standing.outcome === 'limited') return { ok: false, refusal: { kind: 'rate_limited', decision: standing } };
  }
  const verdict = await verifyMcpCredential(request.headers, services);
  if (verdict.ok) return verdict;
  // When the limiter cannot answer, the wrong key still gets its 401, uncounted.
  if (ip !== null && verdict.failure.kind === 'invalid_token' && verdict.failure.credential === 'api_key') {
    await services.limiter.count('failedAuth', ip);
  }
  return { ok: false, refusal: { kind: 'credential', failure: verdict.failure } };
}
