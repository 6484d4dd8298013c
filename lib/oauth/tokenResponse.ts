/** The successful token response (RFC 6749 §5.1), shared by every grant. */
import type { Fingerprint } from '../keys';
import type { Services } from '../services';
import { jsonResponse } from '../http/json';
import { annotate } from '../observability/context';
import { formatScope, type Scope } from './scope';

export type Grant = {
  readonly fingerprint: Fingerprint;
  readonly clientId: string;
  readonly scopes: readonly Scope[];
  /** When set, a rotated refresh token bound to this resource is issued alongside. */
  readonly refreshResource?: string;
  /** RFC 6749 §6: the rotated refresh token keeps the original grant's scope; defaults to `scopes`. */
  readonly refreshScopes?: readonly Scope[];
};

/** Mints an access token (and a refresh token when asked) and answers RFC 6749 §5.1 JSON, never cached. */
export async function tokenResponse(services: Services, grant: Grant): Promise<Response> {
  const { config, tokens } = services;
  annotate({ fingerprint: grant.fingerprint });
  const scope = formatScope(grant.scopes);
  const ttl = config.accessTokenTtlSeconds;
  const access = await tokens.issue('access', { sub: grant.fingerprint, client_id: grant.clientId, scope }, ttl);
  const body: Record<string, string | number> = { access_token: access.token, token_type: 'Bearer', expires_in: ttl, scope };
  if (grant.refreshResource !== undefined) {
    const refresh = await tokens.issue(
      'refresh',
      { sub: grant.fingerprint, client_id: grant.clientId, scope: formatScope(grant.refreshScopes ?? grant.scopes), resource: grant.refreshResource },
      config.refreshTokenTtlSeconds,
    );
    body.refresh_token = refresh.token;
  }
  return jsonResponse(body);
}
