/**
 * The revocation endpoint (RFC 7009). A refresh token kills its whole family
 * (`lib/oauth/state/refreshFamilies.ts`), so its every successor dies with it (RFC 7009 §2.1). An access
 * token is answered 200 and lives on until it expires, at most `ACCESS_TOKEN_TTL_SECONDS`: `/mcp`
 * verifies access tokens with no store lookup (`SECURITY.md`: stateless), so there is nothing
 * to mark.
 *
 * Clients authenticate exactly as at the token endpoint (`authenticateClient`), under the same
 * per-credential limit, spent only once the token verified (`grantLimit.ts`): a junk revocation
 * spends nobody's allowance. A token that does not verify, or that was issued to another client, is
 * answered 200 and left alone (RFC 7009 §2.1, §2.2): the answer tells the caller nothing.
 */
import { mediaTypeOf } from '../http/readBody';
import { clientIp } from '../http/clientIp';
import { NO_STORE_HEADERS } from '../http/json';
import { emit } from '../observability/log';
import type { Services } from '../services';
import { TokenError, type Claims } from '../tokens';
import { readOAuthBody } from './formBody';
import { authenticateClient } from './clients';
import { OAuthError, serviceUnavailable } from './errors';
import { familyOf, familyTtlSeconds } from './grants/refreshToken';
import { createGrantMeter, type GrantMeter } from './grantLimit';
import type { Client } from './clients';
import { clientEndpointErrorResponse } from './token';
import { presentedClient, singleValuedFields, TOKEN_BODY_LIMIT, type PresentedClient } from './tokenRequest';

export type RevocationRequest = {
  readonly client: PresentedClient;
  readonly token: string;
};

/**
 * Reads and parses a revocation request. `token_type_hint` is accepted and not needed: every token
 * kind is recognised by its own signature (RFC 7009 §2.1 lets the server search all kinds).
 * @see RFC 7009 §2.1
 */
async function parseRevocationRequest(request: Request): Promise<RevocationRequest> {
  if (mediaTypeOf(request) !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'The body must be application/x-www-form-urlencoded.');
  }
  const fields = singleValuedFields(await readOAuthBody(request, TOKEN_BODY_LIMIT, 'invalid_request'));
  const client = presentedClient(request, fields);
  const token = fields.get('token');
  if (token === undefined) throw new OAuthError('invalid_request', 'The token parameter is required.');
  return { client, token };
}

/** Kills the family of `token` when it is a live refresh token of `client`; otherwise does nothing. */
async function revoke(token: string, client: Client, services: Services, meter: GrantMeter): Promise<void> {
  const clientId = client.clientId;
  let claims: Claims<'refresh'>;
  try {
    claims = await services.tokens.verify('refresh', token);
  } catch (error) {
    // An access token, another kind, an expired or a garbage token: nothing to revoke here.
    if (error instanceof TokenError) {
      emit('revoke', error.reason === 'expired' ? 'refresh_expired' : 'refresh_invalid');
      return;
    }
    throw error;
  }
  // RFC 7009 §2.1: a client may revoke only the tokens issued to it; the answer stays 200.
  if (claims.client_id !== clientId) {
    emit('revoke', 'refresh_client_mismatch', { fingerprint: services.keys.fingerprintOfSubject(claims.sub) });
    return;
  }
  const { family } = familyOf(claims);
  await meter.count({ kind: 'family', client, family });
  const outcome = await services.refreshFamilies.kill(
    family,
    familyTtlSeconds(claims, services),
    services.tokens.nowSeconds(),
  );
  // RFC 7009 §2.2.1: 503 with Retry-After when the server cannot revoke now.
  if (outcome === 'unavailable') throw serviceUnavailable('redis_unavailable');
  emit('revoke', 'revoked', { fingerprint: services.keys.fingerprintOfSubject(claims.sub) });
}

/** Answers one revocation request: 200 with no body, or an RFC 6749 §5.2 error (RFC 7009 §2.2.1). */
export async function handleRevocationRequest(request: Request, services: Services): Promise<Response> {
  try {
    const parsed = await parseRevocationRequest(request);
    const client = await authenticateClient(parsed.client, services, clientIp(request, services.config));
    const meter = createGrantMeter(services);
    await revoke(parsed.token, client, services, meter);
    return new Response(null, { status: 200, headers: { ...NO_STORE_HEADERS, ...meter.headers } });
  } catch (error) {
    return clientEndpointErrorResponse('revoke', request, error);
  }
}
