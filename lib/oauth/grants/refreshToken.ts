/**
 * `refresh_token` (RFC 6749 §6, OAuth 2.1 §4.3): verify kind, expiry and client binding, then that
 * the key behind it is still configured; then spend the token's generation and answer a new access
 * token and the next generation of refresh token (OAuth 2.1 §4.3.1 rotation, RFC 9700 §4.14.2
 * reuse detection). Removing the key still revokes every token derived from it at once.
 *
 * Spending (`lib/oauth/state/refreshFamilies.ts`) is what retires the presented token:
 * - first use of generation n: marked spent at time t; the answer is minted from (family, n+1, t);
 * - a twin (the same token again within `REFRESH_REUSE_GRACE_SECONDS`, as claude.ai sends from two
 *   egress addresses): the answer is minted again from the recorded t, so it is the same, byte for
 *   byte, with nothing stored but t;
 * - a reuse after the window: the family is killed, so the successor a thief or the client holds
 *   dies too, and the answer is `invalid_grant`;
 * - the store unreachable: 503 with `Retry-After`, never `invalid_grant`, which would log the user out.
 *
 * A refresh token that is dead for any reason gets `invalid_grant` and nothing else: clients
 * (claude.ai among them) then start a new authorization instead of looping.
 */
import { emit } from '../../observability/log';
import type { Services } from '../../services';
import { CLOCK_TOLERANCE_SECONDS, TokenError, type Claims } from '../../tokens';
import { assertClientMayUse, authenticateClient } from '../clients';
import type { GrantMeter } from '../grantLimit';
import { isKeyActive, sealedKeyOf } from '../keyChecks';
import { accessOf } from '../../tokens/access';
import { countFailedAuth } from '../rateLimits';
import { OAuthError, serviceUnavailable } from '../errors';
import { assertOurResource } from '../resource';
import { parseScope } from '../scope';
import type { TokenRequest } from '../tokenRequest';
import { tokenResponse } from '../tokenResponse';
import { invalidGrant, scopesOf } from './authorizationCode';

type RefreshTokenRequest = Extract<TokenRequest, { grant_type: 'refresh_token' }>;

const DEAD = 'The refresh token is invalid or expired.';

/** Verifies a refresh token; `invalid_grant`, counted against the address's failed authentications, when it does not. */
async function verifyRefreshToken(token: string, services: Services, ip: string | null): Promise<Claims<'refresh'>> {
  try {
    return await services.tokens.verify('refresh', token);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    await countFailedAuth(services, ip);
    throw invalidGrant(error.reason === 'expired' ? 'refresh_expired' : 'refresh_invalid', DEAD);
  }
}

/**
 * The family and generation of a verified refresh token. A token minted before families existed
 * has neither, and is its own family (named by its `jti`) at generation 0.
 */
export function familyOf(claims: Claims<'refresh'>): { family: string; generation: number } {
  return claims.fid !== undefined
    ? { family: claims.fid, generation: claims.gen ?? 0 }
    : { family: `jti:${claims.jti}`, generation: 0 };
}

/**
 * How long any token of the family may still verify: each rotation mints a successor living the
 * configured lifetime from now, so no live member outlives that (nor the presented token, if it was
 * minted under a longer setting), plus the clock tolerance of verification.
 */
export function familyTtlSeconds(claims: Claims<'refresh'>, services: Services): number {
  const left = claims.exp - services.tokens.nowSeconds();
  return Math.max(services.config.refreshTokenTtlSeconds, left) + CLOCK_TOLERANCE_SECONDS;
}

export async function refreshTokenGrant(
  request: RefreshTokenRequest,
  services: Services,
  ip: string | null,
  meter: GrantMeter,
): Promise<Response> {
  const client = await authenticateClient(request.client, services, ip);
  assertClientMayUse(client, 'refresh_token');
  const claims = await verifyRefreshToken(request.refresh_token, services, ip);
  if (claims.client_id !== client.clientId) throw invalidGrant('refresh_client_mismatch', DEAD);
  // Counted once the token verified, before its generation is spent: a 429 leaves it usable.
  await meter.count({ kind: 'family', client, family: familyOf(claims).family });
  if (!(await isKeyActive(services, claims.sub))) throw invalidGrant('key_revoked', DEAD);
  const sealKey = await sealedKeyOf(services, 'refresh', claims, (reason) => invalidGrant(reason, DEAD), true);
  const resource = assertOurResource(request.resource, services.config);
  if (claims.resource !== resource) throw invalidGrant('resource_mismatch', DEAD);

  // RFC 6749 §6: a narrower scope may be asked for, never a wider one; `mcp` includes `mcp:read`.
  const original = scopesOf(claims.scope);
  const scopes = request.scope === undefined ? original : parseScope(request.scope);
  const originalAccess = accessOf(original);
  const access = accessOf(scopes);
  if (access === null) throw new OAuthError('invalid_scope', 'The mcp or mcp:read scope is required.');
  const wider =
    (access === 'full' && originalAccess !== 'full') ||
    (scopes.includes('offline_access') && !original.includes('offline_access'));
  if (wider || originalAccess === null) {
    throw new OAuthError('invalid_scope', 'The requested scope exceeds the original grant.');
  }

  // Spent only once every other check passed, so a malformed request does not burn a good token.
  const { family, generation } = familyOf(claims);
  const now = services.tokens.nowSeconds();
  const spent = await services.refreshFamilies.spend({
    family,
    generation,
    now,
    spentTtlSeconds: claims.exp - now + CLOCK_TOLERANCE_SECONDS,
    familyTtlSeconds: familyTtlSeconds(claims, services),
    graceSeconds: services.config.refreshReuseGraceSeconds,
  });
  switch (spent.outcome) {
    case 'unavailable':
      throw serviceUnavailable('redis_unavailable');
    case 'dead':
      throw invalidGrant('family_revoked', DEAD);
    case 'reused':
      emit('refresh_reuse', 'reuse_detected', { fingerprint: services.keys.fingerprintOfSubject(claims.sub) });
      throw invalidGrant('reuse_detected', DEAD);
    case 'twin':
      emit('refresh_twin', 'twin_served', { fingerprint: services.keys.fingerprintOfSubject(claims.sub) });
      break;
    case 'first':
      break;
  }

  const next = generation + 1;
  return tokenResponse(services, {
    subject: claims.sub,
    ...(sealKey === undefined ? {} : { sealKey }),
    clientId: client.clientId,
    scopes,
    refresh: { resource: claims.resource, scopes: original, family, generation: next },
    derived: { iat: spent.spentAt, seed: `${family}\0${next}\0${spent.spentAt}` },
  });
}
