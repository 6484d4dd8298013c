/**
 * The validated authorization request on its way through consent: where the consent page and its
 * form live, the signed consent-request token that carries the request so the submission cannot
 * alter it, and the request spelled back as the consent page's query.
 */
import type { Services } from '../services';
import { CONSENT_TTL_SECONDS, type Claims } from '../tokens';
import type { Client } from './clients';
import { formatScope, type Scope } from './scope';

/** Where the validated request is shown to the user (React page, `app/oauth/authorize/consent/`). */
export const CONSENT_PAGE_PATH = '/oauth/authorize/consent';
export const CONSENT_SUBMIT_PATH = '/oauth/authorize/submit';

/** A request that passed every check, ready for the user's consent. */
export type AuthorizationRequest = {
  readonly client: Client;
  readonly redirectUri: string;
  readonly state: string | undefined;
  readonly codeChallenge: string;
  readonly scopes: readonly Scope[];
  /** Canonical form (no trailing slash). */
  readonly resource: string;
};

/** The signed consent-request token: the validated request, so the submission cannot alter it. */
export async function issueConsentToken(request: AuthorizationRequest, services: Services): Promise<string> {
  const { token } = await services.tokens.issue(
    'consent',
    {
      client_id: request.client.clientId,
      ...(request.client.name !== undefined ? { client_name: request.client.name } : {}),
      redirect_uri: request.redirectUri,
      code_challenge: request.codeChallenge,
      scope: formatScope(request.scopes),
      resource: request.resource,
      ...(request.state !== undefined ? { state: request.state } : {}),
    },
    CONSENT_TTL_SECONDS,
  );
  return token;
}

/** The authorization request a consent token holds, as query parameters of the consent page. */
export function consentPageQuery(claims: Claims<'consent'>): URLSearchParams {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: claims.client_id,
    redirect_uri: claims.redirect_uri,
    code_challenge: claims.code_challenge,
    code_challenge_method: 'S256',
    scope: claims.scope,
    resource: claims.resource,
  });
  if (claims.state !== undefined) query.set('state', claims.state);
  return query;
}
