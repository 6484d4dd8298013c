/**
 * Submitting the consent page. Reads only the signed consent-request token and the API key: the
 * client, redirect URI, PKCE challenge, scope, resource and state come from the token, never from
 * form fields (SECURITY.md, "Signed state wins over form fields").
 *
 * Two transports, one logic: the page's script posts with `fetch()` and field `via=fetch` and gets
 * JSON telling it where to go; without JavaScript the plain form POST gets a 303. `Origin: null`
 * (Claude Desktop's WebView) is accepted: the request is bound by the signed token and the key,
 * not by its origin.
 */
import { mediaTypeOf } from '../http/readBody';
import { errorJsonResponse, errorPageResponse } from '../http/errors';
import { jsonResponse } from '../http/json';
import { readOAuthBody } from './formBody';
import { clientIp } from '../http/clientIp';
import type { Services } from '../services';
import { CODE_TTL_SECONDS, CONSENT_TTL_SECONDS, TokenError, type Claims } from '../tokens';
import { authorizationResponseUrl, redirectResponse } from './authorizationResponse';
import { CONSENT_PAGE_PATH, consentPageQuery } from './consentRequest';
import type { Reason } from '../observability/catalogue';
import { annotate } from '../observability/context';
import { emit, hostOf } from '../observability/log';
import { OAuthError, reasonOf } from './errors';
import { AUTHORIZATION_PAGE_HEADERS } from './pageHeaders';
import { identifyPresentedKey } from './keyChecks';
import { countFailedAuth, lookAtFailedAuth } from './rateLimits';
import { accessOf, narrower, type Access } from '../tokens/access';
import { formatScope, parseScope, withAccess } from './scope';

const CONSENT_BODY_LIMIT = 16 * 1024;
export const WRONG_KEY_MESSAGE = 'That API key is not valid. Check it and try again.';

/** The outcome of a submission, before it is put on the wire for one transport or the other. */
export type ConsentOutcome = (
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'retry'; readonly message: string; readonly claims: Claims<'consent'>; readonly request: string }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly message: string;
      readonly headers: Record<string, string>;
    }
) & { readonly reason: Reason };

type Submission = {
  readonly request: string | undefined;
  readonly apiKey: string | undefined;
  readonly action: string | undefined;
  /** The user's choice: `read` (Read-only) or `full` (Full access); absent from an older page. */
  readonly access?: string;
  readonly viaFetch: boolean;
};

/**
 * What the consent page offers and preselects for a request asking `requested` access: never more
 * than the client asked for or the deployment allows (`MCP_MAX_ACCESS`); preselected, what the
 * client asked for unless `MCP_DEFAULT_ACCESS=read`.
 */
export function accessChoices(
  requested: Access,
  config: { readonly defaultAccess: Access; readonly maxAccess: Access },
): { readonly offered: readonly Access[]; readonly preselected: Access } {
  const most = narrower(requested, config.maxAccess);
  return { offered: most === 'full' ? ['read', 'full'] : ['read'], preselected: narrower(most, config.defaultAccess) };
}

async function readSubmission(request: Request): Promise<Submission> {
  if (mediaTypeOf(request) !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'The form must be sent as application/x-www-form-urlencoded.');
  }
  const body = await readOAuthBody(request, CONSENT_BODY_LIMIT, 'invalid_request');
  const fields = new URLSearchParams(body);
  const one = (name: string) => (fields.getAll(name).length === 1 ? fields.get(name)! : undefined);
  return {
    request: one('request'),
    apiKey: one('api_key'),
    action: one('action'),
    access: one('access'),
    viaFetch: fields.get('via') === 'fetch',
  };
}

/**
 * Decides a consent submission. Cancel redirects with `access_denied`; a right key redirects with a
 * 60-second single-use code; a wrong key asks again with a fresh consent token and counts against
 * the per-IP failed-attempt limit, which is checked before the key is looked at.
 * @see RFC 6749 §4.1.2, §4.1.2.1; RFC 9207 §2
 */
export async function decideConsent(
  submission: Submission,
  services: Services,
  ip: string | null,
): Promise<ConsentOutcome> {
  const { config, tokens } = services;
  let claims: Claims<'consent'>;
  try {
    claims = await tokens.verify('consent', submission.request ?? '');
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return {
      kind: 'error',
      reason: error.reason === 'expired' ? 'consent_expired' : 'consent_invalid',
      status: 400,
      message:
        error.reason === 'expired'
          ? 'This authorization request expired. Start again from your application.'
          : 'This authorization request is not valid. Start again from your application.',
      headers: {},
    };
  }
  annotate({
    client_kind: claims.client_id === config.oauthClientId ? 'preregistered' : 'registered',
    client_name: claims.client_name,
    redirect_host: hostOf(claims.redirect_uri),
  });
  const respond = (params: Record<string, string | undefined>) =>
    authorizationResponseUrl(claims.redirect_uri, { ...params, state: claims.state }, config);

  if (submission.action === 'cancel') {
    return {
      kind: 'redirect',
      reason: 'cancelled',
      location: respond({ error: 'access_denied', error_description: 'The user declined the request.' }),
    };
  }
  if (submission.action !== 'authorize')
    return {
      kind: 'error',
      reason: 'invalid_request',
      status: 400,
      message: 'Choose Authorize or Cancel.',
      headers: {},
    };

  await lookAtFailedAuth(services, ip);
  const key = submission.apiKey ? await identifyPresentedKey(services, submission.apiKey) : null;
  if (!key) {
    await countFailedAuth(services, ip);
    // A fresh token with the full lifetime again: the user is still at the page.
    const { token } = await tokens.issue('consent', withoutIssued(claims), CONSENT_TTL_SECONDS);
    return {
      kind: 'retry',
      reason: submission.apiKey ? 'wrong_key' : 'key_missing',
      message: submission.apiKey ? WRONG_KEY_MESSAGE : 'Enter your API key.',
      claims,
      request: token,
    };
  }
  // The user's choice, within what the page offered (a forged field cannot widen it).
  const requestedScopes = parseScope(claims.scope);
  const { offered, preselected } = accessChoices(accessOf(requestedScopes) ?? 'read', config);
  const chosen = submission.access === 'read' || submission.access === 'full' ? submission.access : preselected;
  const granted = offered.includes(chosen) ? chosen : 'read';
  const code = await tokens.issue(
    'code',
    {
      sub: key.subject,
      client_id: claims.client_id,
      redirect_uri: claims.redirect_uri,
      code_challenge: claims.code_challenge,
      scope: formatScope(withAccess(requestedScopes, granted)),
      resource: claims.resource,
    },
    CODE_TTL_SECONDS,
    // The upstream will need the key and the key source cannot give it back: it rides sealed.
    services.config.sealsKeys ? submission.apiKey!.trim() : undefined,
  );
  annotate({ fingerprint: key.fingerprint });
  return { kind: 'redirect', reason: 'granted', location: respond({ code: code.token }) };
}

function withoutIssued(claims: Claims<'consent'>): Omit<Claims<'consent'>, 'jti' | 'exp'> {
  const { jti: _jti, exp: _exp, ...rest } = claims;
  return rest;
}

/** The page's script shows `error` as written, so it carries the message; `request` is the fresh consent token to retry with. */
function fetchReply(outcome: ConsentOutcome): Response {
  switch (outcome.kind) {
    case 'redirect':
      return jsonResponse({ location: outcome.location }, 200, AUTHORIZATION_PAGE_HEADERS);
    case 'retry':
      return errorJsonResponse(
        400,
        { error: outcome.message, extra: { request: outcome.request } },
        { headers: AUTHORIZATION_PAGE_HEADERS },
      );
    case 'error':
      return errorJsonResponse(
        outcome.status,
        { error: outcome.message },
        { headers: { ...AUTHORIZATION_PAGE_HEADERS, ...outcome.headers } },
      );
  }
}

function formReply(outcome: ConsentOutcome): Response {
  switch (outcome.kind) {
    case 'redirect':
      // 303: the browser follows with GET; a 307 would re-POST the form to the callback.
      return redirectResponse(outcome.location, 303);
    case 'retry': {
      // The page validates the request again and renders it with a fresh consent token.
      const query = consentPageQuery(outcome.claims);
      query.set('consent_error', 'invalid_key');
      return redirectResponse(`${CONSENT_PAGE_PATH}?${query.toString()}`, 303);
    }
    case 'error':
      return errorPageResponse(outcome.status, 'Authorization failed', outcome.message, {
        headers: { ...AUTHORIZATION_PAGE_HEADERS, ...outcome.headers },
      });
  }
}

/** `POST /oauth/authorize/submit`. */
export async function handleConsentSubmission(request: Request, services: Services): Promise<Response> {
  let submission: Submission | null = null;
  let outcome: ConsentOutcome;
  let unexpected: unknown;
  try {
    submission = await readSubmission(request);
    outcome = await decideConsent(submission, services, clientIp(request, services.config));
  } catch (error) {
    if (!(error instanceof OAuthError)) {
      unexpected = error;
      outcome = {
        kind: 'error',
        reason: 'server_error',
        status: 500,
        message: 'The server could not complete the request. Try again.',
        headers: {},
      };
    } else {
      outcome = {
        kind: 'error',
        reason: reasonOf(error),
        status: error.status,
        message: error.description,
        headers: error.headers,
      };
    }
  }
  emit('consent', outcome.reason, {}, unexpected);
  return submission?.viaFetch ? fetchReply(outcome) : formReply(outcome);
}
