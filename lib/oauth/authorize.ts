/**
 * The authorization endpoint's request validation (RFC 6749 §4.1.1, §4.1.2.1; RFC 7636; RFC 8707;
 * RFC 9207) and the pieces of its responses. The client and redirect URI are checked first: until
 * both verify, an error is shown to the user and never redirected (RFC 6749 §4.1.2.1), which the
 * `ErrorDelivery` type makes explicit.
 */
import type { Config } from '../config';
import type { Services } from '../services';
import { CONSENT_TTL_SECONDS, type Claims } from '../tokens';
import type { Reason } from '../observability/catalogue';
import { errorPageResponse } from '../http/errors';
import { annotate } from '../observability/context';
import { emit } from '../observability/log';
import { OAuthError, oauthErrorResponse, reasonOf, unexpectedErrorResponse, type OAuthErrorCode } from './errors';
import { AUTHORIZATION_PAGE_HEADERS } from './pageHeaders';
import { resolveClient, resolveRedirectUri, type Client } from './clients';
import { isS256Challenge } from './pkce';
import { assertOurResource } from './resource';
import { formatScope, parseScope, type Scope } from './scope';
import { accessOf } from '../tokens/access';

const MAX_STATE_LENGTH = 1024;
/** Where the validated request is shown to the user (React page, `app/oauth/authorize/consent/`). */
export const CONSENT_PAGE_PATH = '/oauth/authorize/consent';
export const CONSENT_SUBMIT_PATH = '/oauth/authorize/submit';

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
 * `redirectUri` with `params` and `iss` appended to its query (RFC 9207 §2), keeping the query the
 * client registered as it is.
 */
export function authorizationResponseUrl(
  redirectUri: string,
  params: Record<string, string | undefined>,
  config: Pick<Config, 'issuer'>,
): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, value);
  query.set('iss', config.issuer);
  const separator = redirectUri.includes('?') ? (/[?&]$/.test(redirectUri) ? '' : '&') : '?';
  return `${redirectUri}${separator}${query.toString()}`;
}

/** 302 to the client (never 307: that would re-POST to the callback after a form submission). */
export function redirectResponse(location: string, status: 302 | 303 = 302): Response {
  return new Response(null, { status, headers: { ...AUTHORIZATION_PAGE_HEADERS, Location: location } });
}

/** The q-value `accept` gives `type` (RFC 9110 §12.5.1), through its own range, its major type wildcard, or the full wildcard. */
function qualityOf(accept: string, type: string): number {
  const [major] = type.split('/');
  let best = { specificity: -1, q: 0 };
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity <= best.specificity) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    best = { specificity, q: Number.isFinite(q) ? q : 0 };
  }
  return best.q;
}

/**
 * Whether the caller prefers JSON to HTML: a program checking the authorization URL before it
 * opens a browser (mcp-remote sends `Accept: application/json` and re-registers on a JSON
 * `invalid_client`). Browsers ask for `text/html` first and keep the page.
 */
export function prefersJson(request: Request): boolean {
  const accept = request.headers.get('accept');
  if (accept === null) return false;
  const json = qualityOf(accept, 'application/json');
  return json > 0 && json > qualityOf(accept, 'text/html');
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
