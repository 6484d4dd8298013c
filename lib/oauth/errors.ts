/**
 * The one OAuth error type and its one mapping to the wire (RFC 6749 §5.2 JSON body).
 * `reason` is the event's code (`lib/observability/catalogue.ts`); `description` is what the client
 * reads, short and generic.
 */
import { errorJsonResponse } from '../http/errors';
import { OUTAGE_RETRY_AFTER_SECONDS } from '../limits/headers';
import type { Reason } from '../observability/catalogue';
import { emit } from '../observability/log';

/**
 * RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 8707 §2, RFC 7591 §3.2.2; and `too_many_requests`
 * for a 429, which no RFC names (see `rateLimits.ts`).
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_target'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'too_many_requests';

const DEFAULT_STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  access_denied: 403,
  unsupported_response_type: 400,
  server_error: 500,
  temporarily_unavailable: 503,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_target: 400,
  invalid_redirect_uri: 400,
  invalid_client_metadata: 400,
  too_many_requests: 429,
};

export type OAuthErrorOptions = {
  status?: number;
  /** Extra response headers, e.g. `WWW-Authenticate` or `Retry-After`. */
  headers?: Record<string, string>;
  /** For the event only; never sent. Without it, `reasonOf` derives one from the code and status. */
  reason?: Reason;
};

export class OAuthError extends Error {
  override name = 'OAuthError';
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly reason: Reason | undefined;

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(`${code}: ${description}`);
    this.status = options.status ?? DEFAULT_STATUS[code];
    this.headers = options.headers ?? {};
    this.reason = options.reason;
  }
}

/**
 * 503 `temporarily_unavailable` with `Retry-After`: Redis or the key source could not answer.
 * Never a 401 or `invalid_grant`, which would make a client drop a credential that is fine.
 */
export function serviceUnavailable(reason: 'redis_unavailable' | 'key_source_unavailable'): OAuthError {
  return new OAuthError('temporarily_unavailable', 'The service is temporarily unavailable; retry shortly.', {
    status: 503,
    headers: { 'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS) },
    reason,
  });
}

/** The error's event reason: its own, else the one its code and status imply. */
export function reasonOf(error: OAuthError): Reason {
  if (error.reason) return error.reason;
  if (error.status === 429) return 'rate_limited';
  if (error.status === 503) return 'redis_unavailable';
  switch (error.code) {
    case 'invalid_redirect_uri':
    case 'invalid_client_metadata':
    case 'invalid_scope':
    case 'invalid_target':
    case 'unauthorized_client':
    case 'unsupported_grant_type':
    case 'unsupported_response_type':
    case 'server_error':
      return error.code;
    case 'invalid_client':
      return 'client_auth_missing';
    default:
      return 'invalid_request';
  }
}

/**
 * Maps an `OAuthError` to its RFC 6749 §5.2 response, with the request id as an extra member
 * (§5.2 lets responses carry more) so a user's report can be matched to the log line.
 */
export function oauthErrorResponse(error: OAuthError): Response {
  return errorJsonResponse(
    error.status,
    { error: error.code, error_description: error.description },
    { headers: error.headers },
  );
}

/** The answer to anything that is not an `OAuthError` (a bug): a bare `server_error`, no internal text. */
export function unexpectedErrorResponse(): Response {
  return oauthErrorResponse(new OAuthError('server_error', 'The server could not complete the request.'));
}

/** The event reason of any thrown error. */
export function reasonOfThrown(error: unknown): Reason {
  return error instanceof OAuthError ? reasonOf(error) : 'server_error';
}

/**
 * The response for any error thrown while serving `event`'s endpoint, after emitting its event
 * (with the stack when it is not an `OAuthError`).
 */
export function toErrorResponse(event: 'register' | 'token' | 'revoke', error: unknown): Response {
  emit(event, reasonOfThrown(error), {}, error);
  return error instanceof OAuthError ? oauthErrorResponse(error) : unexpectedErrorResponse();
}
