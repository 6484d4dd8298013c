/**
 * `authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.5, OAuth 2.1 §4.1.3): the code is a signed,
 * 60-second token bound to the key fingerprint, client, redirect URI, PKCE challenge, scope and
 * resource. It becomes single-use by recording its `jti` (SET NX, for the code's remaining
 * lifetime) only after every other check passed, so a wrong verifier cannot burn a stolen code for
 * its rightful owner, and two exchanges at once yield exactly one success.
 */
import type { Services } from '../../services';
import { CLOCK_TOLERANCE_SECONDS, TokenError, type Claims } from '../../tokens';
import { randomBase64Url } from '../../crypto/random';
import { isKeyActive } from '../keyChecks';
import { assertClientMayUse, authenticateClient } from '../clients';
import { OAuthError, serviceUnavailable } from '../errors';
import { verifyCodeVerifier } from '../pkce';
import { sameRedirectUri } from '../redirectUri';
import { assertOurResource } from '../resource';
import { SUPPORTED_SCOPES, type Scope } from '../scope';
import type { Reason } from '../../observability/catalogue';
import type { TokenRequest } from '../tokenRequest';
import { tokenResponse } from '../tokenResponse';

type AuthorizationCodeRequest = Extract<TokenRequest, { grant_type: 'authorization_code' }>;

/** RFC 6749 §5.2: every problem with the grant itself is `invalid_grant`, with a generic text. */
export function invalidGrant(reason: Reason, description = 'The authorization code is invalid, expired or already used.'): OAuthError {
  return new OAuthError('invalid_grant', description, { reason });
}

/** The known scopes of a verified claim, in canonical order. */
export function scopesOf(scope: string): Scope[] {
  const granted = scope.split(' ');
  return SUPPORTED_SCOPES.filter((s) => granted.includes(s));
}

async function verifyCode(code: string, services: Services): Promise<Claims<'code'>> {
  try {
    return await services.tokens.verify('code', code);
  } catch (error) {
    if (error instanceof TokenError) throw invalidGrant(error.reason === 'expired' ? 'code_expired' : 'code_invalid');
    throw error;
  }
}

/** Records the code as spent; refuses a replay, and a store that cannot answer (fail closed). */
async function claimCodeOnce(claims: Claims<'code'>, services: Services): Promise<void> {
  const remaining = Math.max(1, claims.exp - services.tokens.nowSeconds() + CLOCK_TOLERANCE_SECONDS);
  const outcome = await services.singleUse.claim(`code:${claims.jti}`, remaining);
  if (outcome === 'replayed') throw invalidGrant('code_replayed');
  if (outcome === 'unavailable') throw serviceUnavailable('redis_unavailable');
}

export async function authorizationCodeGrant(request: AuthorizationCodeRequest, services: Services, ip: string | null): Promise<Response> {
  const client = await authenticateClient(request.client, services, ip);
  assertClientMayUse(client, 'authorization_code');
  if (request.code_verifier === undefined) throw new OAuthError('invalid_request', 'The code_verifier parameter is required (PKCE).', { reason: 'pkce_required' });
  const resource = assertOurResource(request.resource, services.config);

  const claims = await verifyCode(request.code, services);
  if (claims.client_id !== client.clientId) throw invalidGrant('code_client_mismatch');
  // The policy was applied when the code was issued (any client kind); here only sameness counts.
  if (request.redirect_uri !== undefined && !sameRedirectUri(claims.redirect_uri, request.redirect_uri)) {
    throw invalidGrant('redirect_uri_mismatch');
  }
  if (!(await verifyCodeVerifier(request.code_verifier, claims.code_challenge))) throw invalidGrant('pkce_mismatch');
  if (claims.resource !== resource) throw invalidGrant('resource_mismatch');
  if (!(await isKeyActive(services, claims.sub))) throw invalidGrant('key_revoked');
  await claimCodeOnce(claims, services);

  // A client registered for refresh_token gets one whether or not it asked for offline_access:
  // the v1 SDK (mcp-remote) does not ask, and would otherwise send its user back to consent hourly.
  // Each exchange starts a refresh family at generation 0 (`lib/oauth/state/refreshFamilies.ts`).
  const offline = client.grantTypes.includes('refresh_token');
  const scopes = scopesOf(claims.scope);
  return tokenResponse(services, {
    fingerprint: claims.sub,
    clientId: client.clientId,
    scopes,
    ...(offline ? { refresh: { resource: claims.resource, scopes, family: randomBase64Url(16), generation: 0 } } : {}),
  });
}
