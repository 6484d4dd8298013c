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
import type { GrantMeter } from '../grantLimit';
import { isKeyActive, sealedKeyOf } from '../keyChecks';
import { countFailedAuth } from '../rateLimits';
import { assertClientMayUse, authenticateClient } from '../clients';
import { OAuthError, serviceUnavailable } from '../errors';
import { verifyCodeVerifier } from '../pkce';
import { assertOurResource } from '../resource';
import { SUPPORTED_SCOPES, type Scope } from '../scope';
import type { Reason } from '../../observability/catalogue';
import type { TokenRequest } from '../tokenRequest';
import { tokenResponse } from '../tokenResponse';

type AuthorizationCodeRequest = Extract<TokenRequest, { grant_type: 'authorization_code' }>;

/** RFC 6749 §5.2: every problem with the grant itself is `invalid_grant`, with a generic text. */
export function invalidGrant(
  reason: Reason,
  description = 'The authorization code is invalid, expired or already used.',
): OAuthError {
  return new OAuthError('invalid_grant', description, { reason });
}

/** The known scopes of a verified claim, in canonical order. */
export function scopesOf(scope: string): Scope[] {
  const granted = scope.split(' ');
  return SUPPORTED_SCOPES.filter((s) => granted.includes(s));
}

/** The code's claims; a code that does not verify counts against the address's failed authentications. */
async function verifyCode(code: string, services: Services, ip: string | null): Promise<Claims<'code'>> {
  try {
    return await services.tokens.verify('code', code);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    await countFailedAuth(services, ip);
    throw invalidGrant(error.reason === 'expired' ? 'code_expired' : 'code_invalid');
  }
}

/** Records the code as spent; refuses a replay, and a store that cannot answer (fail closed). */
async function claimCodeOnce(claims: Claims<'code'>, services: Services): Promise<void> {
  const remaining = Math.max(1, claims.exp - services.tokens.nowSeconds() + CLOCK_TOLERANCE_SECONDS);
  const outcome = await services.singleUse.claim(`code:${claims.jti}`, remaining);
  if (outcome === 'replayed') throw invalidGrant('code_replayed');
  if (outcome === 'unavailable') throw serviceUnavailable('redis_unavailable');
}

export async function authorizationCodeGrant(
  request: AuthorizationCodeRequest,
  services: Services,
  ip: string | null,
  meter: GrantMeter,
): Promise<Response> {
  const client = await authenticateClient(request.client, services, ip);
  assertClientMayUse(client, 'authorization_code');
  if (request.code_verifier === undefined)
    throw new OAuthError('invalid_request', 'The code_verifier parameter is required (PKCE).', {
      reason: 'pkce_required',
    });
  const resource = assertOurResource(request.resource, services.config);

  const claims = await verifyCode(request.code, services, ip);
  if (claims.client_id !== client.clientId) throw invalidGrant('code_client_mismatch');
  // Counted once the code verified, before it is spent: a 429 leaves the code usable.
  await meter.count({ kind: 'grant', client, subject: claims.sub });
  // RFC 6749 §4.1.3: identical to the authorization request's, port included. The loopback port
  // freedom of RFC 8252 §7.3 applies to matching the registration (done when the code was issued),
  // not to the code. A missing one is accepted: see docs/connector.md, "Redirect URI at the token endpoint".
  if (request.redirect_uri !== undefined && request.redirect_uri !== claims.redirect_uri) {
    throw invalidGrant('redirect_uri_mismatch');
  }
  if (!(await verifyCodeVerifier(request.code_verifier, claims.code_challenge))) throw invalidGrant('pkce_mismatch');
  if (claims.resource !== resource) throw invalidGrant('resource_mismatch');
  if (!(await isKeyActive(services, claims.sub))) throw invalidGrant('key_revoked');
  const sealKey = await sealedKeyOf(services, 'code', claims, (reason) => invalidGrant(reason), false);
  await claimCodeOnce(claims, services);

  // A client registered for refresh_token gets one whether or not it asked for offline_access:
  // the v1 SDK (mcp-remote) does not ask, and would otherwise send its user back to consent hourly.
  // Each exchange starts a refresh family at generation 0 (`lib/oauth/state/refreshFamilies.ts`).
  const offline = client.grantTypes.includes('refresh_token');
  const scopes = scopesOf(claims.scope);
  return tokenResponse(services, {
    subject: claims.sub,
    ...(sealKey === undefined ? {} : { sealKey }),
    clientId: client.clientId,
    scopes,
    ...(offline ? { refresh: { resource: claims.resource, scopes, family: randomBase64Url(16), generation: 0 } } : {}),
  });
}
