/** The successful token response (RFC 6749 §5.1), shared by every grant. */
import type { Services } from '../services';
import { jsonResponse } from '../http/json';
import { annotate } from '../observability/context';
import { formatScope, type Scope } from './scope';

/** The refresh token issued alongside, as a member of its family (`lib/oauth/state/refreshFamilies.ts`). */
export type RefreshIssue = {
  readonly resource: string;
  /** RFC 6749 §6: the rotated refresh token keeps the original grant's scope. */
  readonly scopes: readonly Scope[];
  readonly family: string;
  readonly generation: number;
};

export type Grant = {
  /** The key source's subject for the key (`sub` of every token minted). */
  readonly subject: string;
  /** The user's key, sealed into every token minted, when the deployment seals keys (`lib/tokens/seal.ts`). */
  readonly sealKey?: string;
  readonly clientId: string;
  readonly scopes: readonly Scope[];
  /** When set, a refresh token of this family and generation is issued alongside. */
  readonly refresh?: RefreshIssue;
  /**
   * When set, every token is minted with this `iat` and a `jti` derived from `seed`, so the same
   * grant answered twice gives the same bytes (a twin refresh, `grants/refreshToken.ts`).
   */
  readonly derived?: { readonly iat: number; readonly seed: string };
};

/** Mints an access token (and a refresh token when asked) and answers RFC 6749 §5.1 JSON, never cached. */
export async function tokenResponse(services: Services, grant: Grant): Promise<Response> {
  const { config, tokens } = services;
  annotate({ fingerprint: services.keys.fingerprintOfSubject(grant.subject) });
  const scope = formatScope(grant.scopes);
  const ttl = config.accessTokenTtlSeconds;
  const accessClaims = { sub: grant.subject, client_id: grant.clientId, scope };
  const access = grant.derived
    ? await tokens.issueDerived('access', accessClaims, ttl, grant.derived, grant.sealKey)
    : await tokens.issue('access', accessClaims, ttl, grant.sealKey);
  // `expires_in` is the configured lifetime, not what is left of it, so a twin's body is identical too.
  const body: Record<string, string | number> = {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: ttl,
    scope,
  };
  if (grant.refresh !== undefined) {
    const { resource, scopes, family, generation } = grant.refresh;
    const refreshClaims = {
      sub: grant.subject,
      client_id: grant.clientId,
      scope: formatScope(scopes),
      resource,
      fid: family,
      gen: generation,
    };
    const refreshTtl = config.refreshTokenTtlSeconds;
    const refresh = grant.derived
      ? await tokens.issueDerived('refresh', refreshClaims, refreshTtl, grant.derived, grant.sealKey)
      : await tokens.issue('refresh', refreshClaims, refreshTtl, grant.sealKey);
    body.refresh_token = refresh.token;
  }
  return jsonResponse(body);
}
