import { jsonResponse } from '../http/json';
import { logUnexpected } from '../http/log';
import { OUTAGE_RETRY_AFTER_SECONDS } from '../limits/headers';

/**
 * The one OAuth error type and its one mapping to the wire (RFC 6749 §5.2 JSON body).
 * `reason` is for the server log; `description` is what the client reads, short and generic.
 */

/** Registered error codes only: RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 8707 §2, RFC 7591 §3.2.2. */
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
  | 'invalid_client_metadata';

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
};

export type OAuthErrorOptions = {
  status?: number;
  /** Extra response headers, e.g. `WWW-Authenticate` or `Retry-After`. */
  headers?: Record<string, string>;
  /** For the log only; never sent. */
  reason?: string;
};

export class OAuthError extends Error {
  override name = 'OAuthError';
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly reason: string | undefined;

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
export function serviceUnavailable(reason: string): OAuthError {
  return new OAuthError('temporarily_unavailable', 'The service is temporarily unavailable; retry shortly.', {
    status: 503,
    headers: { 'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS) },
    reason,
  });
}

/** Maps an `OAuthError` to its RFC 6749 §5.2 response. */
export function oauthErrorResponse(error: OAuthError): Response {
  return jsonResponse({ error: error.code, error_description: error.description }, error.status, error.headers);
}

/**
 * Anything that is not an `OAuthError` is a bug: logged with its detail, answered as a bare
 * `server_error` with no internal text.
 */
export function unexpectedErrorResponse(where: string, error: unknown): Response {
  logUnexpected(where, error);
  return oauthErrorResponse(new OAuthError('server_error', 'The server could not complete the request.'));
}

export function toErrorResponse(where: string, error: unknown): Response {
  if (error instanceof OAuthError) {
    if (error.reason) console.warn(`[${where}] ${error.code}: ${error.reason}`);
    return oauthErrorResponse(error);
  }
  return unexpectedErrorResponse(where, error);
}
