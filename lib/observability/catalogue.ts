/**
 * The closed list of authentication events and their reason codes: the one vocabulary of the
 * logs, the counts in `/api/health` and the tests (docs/observability.md explains each code).
 *
 * A reason fixes its outcome, so an event can never say `success` with a refusal's reason. Codes
 * marked "emitted by" a feature not in this tree yet are defined here so that feature only has to
 * call `emit`; `tests/integration/observability.test.ts` lists them as pending until it does.
 */

export type Outcome = 'success' | 'refused' | 'failed';

export const REASONS = {
  // Successes.
  registered: { outcome: 'success', description: 'a client was registered (RFC 7591)' },
  validated: {
    outcome: 'success',
    description: 'an authorization request passed every check and went to the consent page',
  },
  granted: {
    outcome: 'success',
    description: 'the user gave a valid API key; an authorization code was sent to the client',
  },
  issued: { outcome: 'success', description: 'tokens were issued for the grant named in `grant`' },
  served: {
    outcome: 'success',
    description: 'a /mcp POST verified again by the route and handed to the MCP server (counted, never logged)',
  },
  served_without_limit: {
    outcome: 'success',
    description: 'a verified /mcp request was served while the limiter could not answer (counted, never logged)',
  },
  twin_served: {
    outcome: 'success',
    description: 'a refresh token presented again within the grace window got the same answer',
  },
  revoked: { outcome: 'success', description: 'a refresh token family was revoked (RFC 7009)' },
  recovered: { outcome: 'success', description: 'Redis answers again after an outage' },

  // Refusals: the request or its credential was wrong.
  invalid_request: {
    outcome: 'refused',
    description: 'the request was malformed: missing, repeated or unreadable parameters or body',
  },
  rate_limited: { outcome: 'refused', description: 'the caller used up its limit (429)' },
  client_aborted: {
    outcome: 'refused',
    description: 'the client went away before its request body arrived (routine: no stack trace)',
  },
  invalid_redirect_uri: {
    outcome: 'refused',
    description: 'a redirect URI offered at registration is not allowed (not https on an allowed host, not loopback)',
  },
  invalid_client_metadata: { outcome: 'refused', description: 'the registration metadata is invalid' },
  client_unknown: {
    outcome: 'refused',
    description:
      'the client_id does not verify: never issued here, or AUTH_SECRET rotated since (the client must re-register)',
  },
  client_auth_missing: {
    outcome: 'refused',
    description: 'the token request named no client or sent malformed Basic credentials',
  },
  client_auth_method_mismatch: {
    outcome: 'refused',
    description:
      'the client authenticated another way than it registered (a secret for a public client, none for a confidential one)',
  },
  client_secret_mismatch: { outcome: 'refused', description: 'the client secret does not verify for this client_id' },
  redirect_uri_unregistered: {
    outcome: 'refused',
    description: 'the redirect_uri of an authorization request is not one the client registered',
  },
  unauthorized_client: { outcome: 'refused', description: 'the client is not registered for this grant' },
  unsupported_response_type: { outcome: 'refused', description: 'response_type is not code' },
  unsupported_grant_type: { outcome: 'refused', description: 'grant_type is not one this server supports' },
  pkce_required: {
    outcome: 'refused',
    description: 'PKCE is missing or not S256 (code_challenge at authorize, code_verifier at token)',
  },
  pkce_mismatch: { outcome: 'refused', description: 'the code_verifier does not match the code_challenge' },
  invalid_target: {
    outcome: 'refused',
    description: 'the resource parameter names another resource than PUBLIC_URL/mcp (RFC 8707)',
  },
  invalid_scope: { outcome: 'refused', description: 'the scope lacks mcp, is unknown, or exceeds the original grant' },
  cancelled: { outcome: 'refused', description: 'the user pressed Cancel on the consent page' },
  wrong_key: { outcome: 'refused', description: 'the API key typed on the consent page is not valid' },
  key_missing: { outcome: 'refused', description: 'the consent page was submitted without an API key' },
  consent_expired: { outcome: 'refused', description: 'the consent page was submitted after its 10 minutes' },
  consent_invalid: { outcome: 'refused', description: 'the consent form carried no valid request token' },
  api_key_invalid: {
    outcome: 'refused',
    description: 'an API key (client_credentials secret or X-API-Key) is not configured',
  },
  code_invalid: { outcome: 'refused', description: 'the authorization code does not verify' },
  code_expired: { outcome: 'refused', description: 'the authorization code is older than 60 s' },
  code_replayed: { outcome: 'refused', description: 'the authorization code was already exchanged' },
  code_client_mismatch: { outcome: 'refused', description: 'the authorization code was issued to another client' },
  redirect_uri_mismatch: {
    outcome: 'refused',
    description: 'the token request redirect_uri differs from the authorization request',
  },
  resource_mismatch: { outcome: 'refused', description: 'the token request resource differs from the one granted' },
  key_revoked: {
    outcome: 'refused',
    description: 'the API key behind the code or token was removed from the configuration',
  },
  refresh_invalid: { outcome: 'refused', description: 'the refresh token does not verify' },
  refresh_expired: { outcome: 'refused', description: 'the refresh token expired' },
  refresh_client_mismatch: { outcome: 'refused', description: 'the refresh token was issued to another client' },
  reuse_detected: {
    outcome: 'refused',
    description: 'a spent refresh token was presented after the grace window; its family is revoked',
  },
  family_revoked: {
    outcome: 'refused',
    description: 'the refresh token belongs to a family revoked (RFC 7009) or killed by an earlier reuse',
  },
  credential_missing: {
    outcome: 'refused',
    description: '/mcp was called without a credential (the 401 that starts discovery; expected once per connection)',
  },
  credential_conflict: { outcome: 'refused', description: '/mcp was called with both a bearer token and X-API-Key' },
  token_invalid: {
    outcome: 'refused',
    description: 'the bearer token does not verify (forged, another deployment, another kind)',
  },
  token_expired: { outcome: 'refused', description: 'the bearer token expired (clients refresh on this 401)' },
  audience_mismatch: { outcome: 'refused', description: 'the bearer token was issued for another resource (aud)' },
  insufficient_scope: { outcome: 'refused', description: 'the bearer token lacks the mcp scope' },
  host_not_allowed: {
    outcome: 'refused',
    description: 'a loopback PUBLIC_URL was called under another Host (DNS-rebinding guard)',
  },

  // Failures: something on the server side did not work.
  redis_unavailable: {
    outcome: 'failed',
    description: 'Redis did not answer in time or failed (503 at credential endpoints; /mcp serves verified callers)',
  },
  key_source_unavailable: {
    outcome: 'failed',
    description:
      'the key source could not say whether a key or fingerprint is valid (503; never counted as a wrong key)',
  },
  server_error: {
    outcome: 'failed',
    description: 'an unexpected error (a bug): answered 500 with no internal detail, logged with its stack',
  },
  upstream_unreachable: { outcome: 'failed', description: 'the upstream MCP server could not be reached' },
  upstream_timeout: { outcome: 'failed', description: 'the upstream MCP server did not answer in time' },
  upstream_status: {
    outcome: 'failed',
    description:
      'the upstream MCP server answered with a 5xx, a redirect (not followed), or 401/403 to the forwarded key',
  },
  upstream_dropped: {
    outcome: 'failed',
    description: 'the upstream MCP server dropped the connection mid-answer; the client stream was ended cleanly',
  },
  assertion_missing: {
    outcome: 'refused',
    description: 'a client whose metadata document asks for private_key_jwt sent no client assertion',
  },
  assertion_malformed: {
    outcome: 'refused',
    description:
      'the client assertion is not a JWT bearer assertion for this client: wrong type, over 8 KiB, unparsable, iss or sub not the client, no jti',
  },
  assertion_bad_signature: {
    outcome: 'refused',
    description:
      "the client assertion's signature does not verify with the client's keys (unknown kid, alg none or HS*, wrong key)",
  },
  assertion_wrong_audience: {
    outcome: 'refused',
    description: "the client assertion's aud names neither this token endpoint nor this issuer",
  },
  assertion_expired: {
    outcome: 'refused',
    description: 'the client assertion has expired, or its exp lies more than 5 minutes after its iat or after now',
  },
  assertion_replayed: { outcome: 'refused', description: "the client assertion's jti was already used" },
  jwks_unavailable: {
    outcome: 'refused',
    description: "the client's jwks_uri could not be fetched (same guards as metadata documents)",
  },
  jwks_invalid: {
    outcome: 'refused',
    description: "the client's key set is not public asymmetric keys (a private member, an oct key, an unknown kty)",
  },
  seal_invalid: {
    outcome: 'refused',
    description:
      'a token that must carry the user key sealed for the upstream carries none, or one that does not open (tampered, another secret)',
  },
  key_service_unavailable: {
    outcome: 'failed',
    description:
      'the key service did not answer 200 in time (unreachable, timeout, redirect, another status): its questions are 503s, never a wrong key',
  },
  key_service_bad_answer: {
    outcome: 'failed',
    description:
      'the key service answered 200 with a body that is not the documented JSON (or a subject over 128 characters)',
  },
  cimd_unreachable: {
    outcome: 'failed',
    description: 'the client metadata document could not be fetched (DNS, connection, TLS, bot challenge)',
  },
  cimd_timeout: { outcome: 'failed', description: 'the client metadata document did not arrive in time' },
  cimd_too_large: { outcome: 'failed', description: 'the client metadata document exceeds the size bound' },
  cimd_blocked_address: {
    outcome: 'failed',
    description: 'the client metadata URL resolves to a loopback or private address (SSRF guard)',
  },
  cimd_invalid: {
    outcome: 'failed',
    description: 'the client metadata document is not valid JSON metadata, or its client_id differs from its URL',
  },
} as const satisfies Record<string, { outcome: Outcome; description: string }>;

export type Reason = keyof typeof REASONS;

/** How the token and revocation endpoints refuse a client (`lib/oauth/clients.ts`, `lib/oauth/assertions/`): one list for both. */
const CLIENT_AUTHENTICATION_REASONS = [
  'client_unknown',
  'client_auth_method_mismatch',
  'client_secret_mismatch',
  'assertion_missing',
  'assertion_malformed',
  'assertion_bad_signature',
  'assertion_wrong_audience',
  'assertion_expired',
  'assertion_replayed',
  'jwks_unavailable',
  'jwks_invalid',
] as const;

export const EVENTS = {
  register: {
    description: 'POST /oauth/register',
    reasons: [
      'registered',
      'invalid_redirect_uri',
      'invalid_client_metadata',
      'rate_limited',
      'client_aborted',
      'redis_unavailable',
      'server_error',
    ],
  },
  authorize: {
    description: 'GET /oauth/authorize',
    reasons: [
      'validated',
      'invalid_request',
      'client_unknown',
      'redirect_uri_unregistered',
      'unauthorized_client',
      'unsupported_response_type',
      'pkce_required',
      'invalid_target',
      'invalid_scope',
      'server_error',
    ],
  },
  consent: {
    description: 'POST /oauth/authorize/submit',
    reasons: [
      'granted',
      'cancelled',
      'wrong_key',
      'key_missing',
      'consent_expired',
      'consent_invalid',
      'invalid_request',
      'client_aborted',
      'rate_limited',
      'redis_unavailable',
      'key_source_unavailable',
      'server_error',
    ],
  },
  token: {
    description: 'POST /oauth/token, with `grant` naming the grant type',
    reasons: [
      'issued',
      'invalid_request',
      'unsupported_grant_type',
      'client_auth_missing',
      ...CLIENT_AUTHENTICATION_REASONS,
      'unauthorized_client',
      'api_key_invalid',
      'pkce_required',
      'pkce_mismatch',
      'code_invalid',
      'code_expired',
      'code_replayed',
      'code_client_mismatch',
      'redirect_uri_mismatch',
      'resource_mismatch',
      'invalid_target',
      'invalid_scope',
      'key_revoked',
      'seal_invalid',
      'refresh_invalid',
      'refresh_expired',
      'refresh_client_mismatch',
      'reuse_detected',
      'family_revoked',
      'rate_limited',
      'client_aborted',
      'redis_unavailable',
      'key_source_unavailable',
      'server_error',
    ],
  },
  refresh_twin: { description: 'a refresh token presented twice within the grace window', reasons: ['twin_served'] },
  refresh_reuse: { description: 'a spent refresh token presented after the grace window', reasons: ['reuse_detected'] },
  revoke: {
    description: 'POST /oauth/revoke (RFC 7009; answered 200 whether or not a family died)',
    reasons: [
      'revoked',
      'refresh_invalid',
      'refresh_expired',
      'refresh_client_mismatch',
      'invalid_request',
      'client_auth_missing',
      ...CLIENT_AUTHENTICATION_REASONS,
      'rate_limited',
      'client_aborted',
      'redis_unavailable',
      'server_error',
    ],
  },
  mcp: {
    description: 'a /mcp request at either wall (middleware or route); successes are counted, never logged',
    reasons: [
      'served',
      'served_without_limit',
      'credential_missing',
      'credential_conflict',
      'token_invalid',
      'token_expired',
      'audience_mismatch',
      'key_revoked',
      'seal_invalid',
      'api_key_invalid',
      'insufficient_scope',
      'rate_limited',
      'host_not_allowed',
      'client_aborted',
      'key_source_unavailable',
      'server_error',
    ],
  },
  redis: {
    description: 'the Redis store (logged once per minute per runtime while it fails; every failure counted)',
    reasons: ['redis_unavailable', 'recovered'],
  },
  upstream: {
    description: 'forwarding a /mcp request to MCP_UPSTREAM_URL',
    reasons: ['upstream_unreachable', 'upstream_timeout', 'upstream_status', 'upstream_dropped'],
  },
  key_service: {
    description: 'a question to MCP_KEY_SERVICE_URL that got no usable answer (each failed call; answers are cached)',
    reasons: ['key_service_unavailable', 'key_service_bad_answer'],
  },
  cimd: {
    description: 'fetching a Client ID Metadata Document',
    reasons: ['cimd_unreachable', 'cimd_timeout', 'cimd_too_large', 'cimd_blocked_address', 'cimd_invalid'],
  },
} as const satisfies Record<string, { description: string; reasons: readonly Reason[] }>;

export type EventName = keyof typeof EVENTS;

/** The reasons `event` may carry. */
export type ReasonOf<E extends EventName> = (typeof EVENTS)[E]['reasons'][number];

/** Who the client is (`lib/oauth/clients.ts`), or how `/mcp` was called. */
export type ClientKind = 'preregistered' | 'registered' | 'cimd' | 'api_key';

export function outcomeOf(reason: Reason): Outcome {
  return REASONS[reason].outcome;
}
