/**
 * The authorization endpoint: its request validation (RFC 6749 §4.1.1, §4.1.2.1; RFC 7636;
 * RFC 8707) and its error delivery. The client and redirect URI are checked first: until both
 * verify, an error is shown to the user and never redirected (RFC 6749 §4.1.2.1), which the
 * `ErrorDelivery` type makes explicit. A valid request goes on to the consent page
 * (`consentRequest.ts`); responses to the client are built in `authorizationResponse.ts`.
 */
import type { Config } from '../config';
import type { Services } from '../services';
import type { Reason } from '../observability/catalogue';
import { errorPageResponse } from '../http/errors';
import { prefersJson } from '../http/negotiation';
import { annotate } from '../observability/context';
import { emit } from '../observability/log';
import { OAuthError, oauthErrorResponse, reasonOf, unexpectedErrorResponse, type OAuthErrorCode } from './errors';
import { AUTHORIZATION_PAGE_HEADERS } from './pageHeaders';
import { resolveClient, resolveRedirectUri } from './clients';
import { isS256Challenge } from './pkce';
import { assertOurResource } from './resource';
import { parseScope, type Scope } from './scope';
import { authorizationResponseUrl, redirectResponse } from './authorizationResponse';
import { CONSENT_PAGE_PATH, type AuthorizationRequest } from './consentRequest';
import { accessOf } from '../tokens/access';

const MAX_STATE_LENGTH = 1024;
/** How an authorization error reaches the user: rendered until client and redirect URI verify. */
export type ErrorDelivery =
  | { readonly mode: 'redirect'; readonly redirectUri: string; readonly state: string | undefined }
  | { readonly mode: 'render' };

export class AuthorizationError extends Error {
  override name = 'AuthorizationError';
  constructor(
    readonly delivery: ErrorDelivery,
    readonly error: OAuthError,
  ) {
    super(error.message);
  }
}

const SINGLE_VALUED = [
  'client_id',
  'redirect_uri',
  'response_type',
  'code_challenge',
  'code_challenge_method',
  'scope',
  'resource',
  'state',
] as const;

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function render(
  description: string,
  reason?: Reason,
  code: Extract<OAuthErrorCode, 'invalid_request' | 'invalid_client'> = 'invalid_request',
): AuthorizationError {
  return new AuthorizationError({ mode: 'render' }, new OAuthError(code, description, { reason }));
}

/**
 * Validates an authorization request. Throws `AuthorizationError`; its `delivery` says whether the
 * error may be redirected. Does not look at the user or any API key.
 * @see RFC 6749 §4.1.1, §4.1.2.1; RFC 7636 §4.3; RFC 8707 §2
 */
export async function validateAuthorizationRequest(
  params: URLSearchParams,
  services: Services,
): Promise<AuthorizationRequest> {
  const repeated = SINGLE_VALUED.filter((name) => params.getAll(name).length > 1);
  const value = (name: (typeof SINGLE_VALUED)[number]) => params.get(name) || undefined;

  const clientId = value('client_id');
  if (clientId === undefined) throw render('The client_id parameter is missing.');
  if (repeated.includes('client_id')) throw render('The client_id parameter is repeated.');
  const lookup = await resolveClient(clientId, services);
  if (lookup.client === null) {
    const cimdHost = clientId.startsWith('https://') ? hostOf(clientId) : undefined;
    const description = cimdHost
      ? `This application could not be verified: its client metadata document on ${cimdHost} could not be fetched or is not valid. Try again later.`
      : 'This application is not registered here (or its registration expired). Reconnect it from the application.';
    throw render(description, lookup.reason, 'invalid_client');
  }
  const { client } = lookup;
  const presentedRedirect = value('redirect_uri');
  annotate({ redirect_host: presentedRedirect === undefined ? undefined : hostOf(presentedRedirect) });
  if (repeated.includes('redirect_uri')) throw render('The redirect_uri parameter is repeated.');
  const redirectUri = resolveRedirectUri(client, value('redirect_uri'), services);
  if (redirectUri === null) {
    throw render('The redirect_uri is not registered for this application.', 'redirect_uri_unregistered');
  }
  if (!client.grantTypes.includes('authorization_code')) {
    throw render('This application is not registered for the authorization code flow.', 'unauthorized_client');
  }

  // From here on the client and its redirect URI are verified: errors go back to the client.
  const rawState = value('state');
  const state =
    rawState !== undefined && rawState.length <= MAX_STATE_LENGTH && !repeated.includes('state') ? rawState : undefined;
  const fail = (error: OAuthError) => new AuthorizationError({ mode: 'redirect', redirectUri, state }, error);

  if (rawState !== undefined && state === undefined)
    throw fail(new OAuthError('invalid_request', 'The state parameter is repeated or too long.'));
  if (repeated.length > 0) throw fail(new OAuthError('invalid_request', `The ${repeated[0]} parameter is repeated.`));

  const responseType = value('response_type');
  if (responseType === undefined)
    throw fail(new OAuthError('invalid_request', 'The response_type parameter is missing.'));
  if (responseType !== 'code')
    throw fail(new OAuthError('unsupported_response_type', 'Only response_type=code is supported.'));

  const method = value('code_challenge_method');
  const codeChallenge = value('code_challenge');
  if (codeChallenge === undefined)
    throw fail(
      new OAuthError('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256.', {
        reason: 'pkce_required',
      }),
    );
  // RFC 7636 §4.3 defaults a missing method to `plain`, which OAuth 2.1 forbids here.
  if (method !== 'S256')
    throw fail(new OAuthError('invalid_request', 'code_challenge_method must be S256.', { reason: 'pkce_required' }));
  if (!isS256Challenge(codeChallenge))
    throw fail(
      new OAuthError('invalid_request', 'code_challenge must be a 43-character base64url S256 value.', {
        reason: 'pkce_required',
      }),
    );

  let resource: string;
  let scopes: Scope[];
  try {
    resource = assertOurResource(value('resource'), services.config);
    const fallback: Scope[] = client.grantTypes.includes('refresh_token') ? ['mcp', 'offline_access'] : ['mcp'];
    scopes = parseScope(value('scope'), fallback);
  } catch (error) {
    if (error instanceof OAuthError) throw fail(error);
    throw error;
  }
  if (accessOf(scopes) === null) {
    throw fail(new OAuthError('invalid_scope', 'The mcp (full access) or mcp:read (read-only) scope is required.'));
  }
  if (scopes.includes('offline_access') && !client.grantTypes.includes('refresh_token')) {
    throw fail(
      new OAuthError('invalid_scope', 'offline_access needs a client registered for the refresh_token grant.'),
    );
  }
  return { client, redirectUri, state, codeChallenge, scopes, resource };
}

/**
 * Delivers an authorization error the way its `delivery` allows. A refusal shown to the user is a
 * page, or, for a caller that prefers JSON, the same refusal as RFC 6749 §5.2 JSON; neither ever
 * carries a `Location`.
 */
function authorizationErrorResponse(error: AuthorizationError, config: Pick<Config, 'issuer'>, json = false): Response {
  emit('authorize', reasonOf(error.error));
  if (error.delivery.mode === 'render') {
    // RFC 6749 §5.2 statuses: 401 for invalid_client, 400 for invalid_request.
    if (json) return oauthErrorResponse(error.error);
    return errorPageResponse(400, 'This authorization request cannot be completed', error.error.description, {
      headers: AUTHORIZATION_PAGE_HEADERS,
    });
  }
  return redirectResponse(
    authorizationResponseUrl(
      error.delivery.redirectUri,
      { error: error.error.code, error_description: error.error.description, state: error.delivery.state },
      config,
    ),
  );
}

/**
 * `GET /oauth/authorize`: validates, then hands a valid request to the consent page with the same
 * query (a 303, so the page's own status and headers apply); refuses the rest with a 400 page or a
 * redirect to the client.
 */
export async function handleAuthorizationRequest(request: Request, services: Services): Promise<Response> {
  const url = new URL(request.url);
  const json = prefersJson(request);
  try {
    await validateAuthorizationRequest(url.searchParams, services);
  } catch (error) {
    if (error instanceof AuthorizationError) return authorizationErrorResponse(error, services.config, json);
    emit('authorize', 'server_error', {}, error);
    if (json) return unexpectedErrorResponse();
    return errorPageResponse(
      500,
      'Something went wrong',
      'The server could not complete the request. Try again from your application.',
      { headers: AUTHORIZATION_PAGE_HEADERS },
    );
  }
  emit('authorize', 'validated');
  return redirectResponse(`${CONSENT_PAGE_PATH}${url.search}`, 303);
}
