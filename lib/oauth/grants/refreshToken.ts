/**
 * `refresh_token` (RFC 6749 §6, OAuth 2.1 §4.3): verify kind, expiry and client binding, then that
 * the key behind it is still configured; answer a new access token and a new refresh token
 * (rotation). Stateless, so the presented refresh token stays valid until it expires; removing the
 * key revokes every token derived from it at once.
 *
 * A refresh token that is dead for any reason gets `invalid_grant` and nothing else: clients
 * (claude.ai among them) then start a new authorization instead of looping.
 */
import type { Services } from '../../services';
import { TokenError, type Claims } from '../../tokens';
import { assertClientMayUse, authenticateClient } from '../clients';
import { isKeyActive } from '../keyChecks';
import { OAuthError } from '../errors';
import { assertOurResource } from '../resource';
import { parseScope } from '../scope';
import type { TokenRequest } from '../tokenRequest';
import { tokenResponse } from '../tokenResponse';
import { invalidGrant, scopesOf } from './authorizationCode';

type RefreshTokenRequest = Extract<TokenRequest, { grant_type: 'refresh_token' }>;

const DEAD = 'The refresh token is invalid or expired.';

async function verifyRefreshToken(token: string, services: Services): Promise<Claims<'refresh'>> {
  try {
    return await services.tokens.verify('refresh', token);
  } catch (error) {
    if (error instanceof TokenError) throw invalidGrant(error.reason === 'expired' ? 'refresh_expired' : 'refresh_invalid', DEAD);
    throw error;
  }
}

export async function refreshTokenGrant(request: RefreshTokenRequest, services: Services, ip: string | null): Promise<Response> {
  const client = await authenticateClient(request.client, services, ip);
  assertClientMayUse(client, 'refresh_token');
  const claims = await verifyRefreshToken(request.refresh_token, services);
  if (claims.client_id !== client.clientId) throw invalidGrant('refresh_client_mismatch', DEAD);
  if (!(await isKeyActive(services, claims.sub))) throw invalidGrant('key_revoked', DEAD);
  const resource = assertOurResource(request.resource, services.config);
  if (claims.resource !== resource) throw invalidGrant('resource_mismatch', DEAD);

  // RFC 6749 §6: a narrower scope may be asked for, never a wider one.
  const original = scopesOf(claims.scope);
  const scopes = request.scope === undefined ? original : parseScope(request.scope);
  if (scopes.some((s) => !original.includes(s))) throw new OAuthError('invalid_scope', 'The requested scope exceeds the original grant.');
  if (!scopes.includes('mcp')) throw new OAuthError('invalid_scope', 'The mcp scope is required.');

  return tokenResponse(services, { fingerprint: claims.sub, clientId: client.clientId, scopes, refreshResource: claims.resource, refreshScopes: original });
}
