/**
 * The executable spec: every requirement this project promises, with the clause it comes from.
 * Tests cite an id in a `// @req ID` comment; tests/unit/requirements.test.ts fails when an id is
 * cited nowhere or a cited id is not listed here.
 */
export const requirements = {
  'CFG-PROD-REFUSE': {
    clause: 'docs/architecture.md: Configuration',
    behaviour: 'production refuses an unsafe configuration at start, one line naming the setting',
  },
  'CFG-DEV-DEFAULTS': {
    clause: 'docs/architecture.md: Configuration',
    behaviour: 'development generates a missing secret and key, shared by every bundle',
  },
  'KEY-FINGERPRINT': {
    clause: 'docs/architecture.md: Promise 2',
    behaviour: 'a fingerprint is the first 16 hex chars of SHA-256(key)',
  },
  'KEY-MEMBERSHIP': {
    clause: 'docs/architecture.md: Key sources',
    behaviour: 'membership is a set lookup of the full SHA-256, never a raw string compare',
  },
  'KEY-SOURCE-CONTRACT': {
    clause: 'docs/architecture.md: Key sources',
    behaviour: 'the list and digest sources answer identify, isActive (and keyFor, list only) alike',
  },
  'KEY-SOURCE-UNAVAILABLE': {
    clause: 'docs/architecture.md: Key sources',
    behaviour:
      'a key source that cannot answer is a 503 with Retry-After at /mcp and the credential endpoints, never a 401 and never a counted failure',
  },
  'CFG-MALFORMED-ONE-LINE': {
    clause: 'README: Configuration',
    behaviour: 'every malformed value of every setting is refused with one line naming it, never an exception dump',
  },
  'KEY-REVOCATION': {
    clause: 'docs/architecture.md: Promise 2',
    behaviour: 'removing a key revokes every token derived from it on the next request',
  },
  'TOK-ACCESS-CLAIMS': {
    clause: 'RFC 9068 §2',
    behaviour: 'access tokens are at+jwt with iss, aud, sub, client_id, scope, jti, iat, exp',
  },
  'TOK-KIND-SEPARATION': {
    clause: 'RFC 8725 §3.11, docs/architecture.md: Promise 3',
    behaviour: 'no token of one kind verifies as another',
  },
  'TOK-ALG-PINNED': {
    clause: 'RFC 8725 §3.1',
    behaviour: 'only HS256 verifies: alg none, other algorithms and swapped payloads are refused',
  },
  'TOK-KEY-DERIVATION': {
    clause: 'docs/architecture.md: Promise 3',
    behaviour: 'tokens are signed with HKDF-derived keys; the raw AUTH_SECRET signs nothing',
  },
  'TOK-EXPIRY': {
    clause: 'RFC 7519 §4.1.4',
    behaviour: 'expired tokens are refused beyond a clock tolerance of at most 30 s',
  },
  'TOK-ROTATION': {
    clause: 'docs/architecture.md: Token kinds',
    behaviour: 'AUTH_SECRET_PREVIOUS verifies, never signs, during a rotation',
  },
  'TOK-VERIFY-DIFFERENTIAL': {
    clause: 'RFC 7515 §5.2, RFC 8725 §3.1',
    behaviour:
      'the compact HS256 verifier accepts nothing jose refuses, and refuses only stricter inputs (non-canonical base64url, crit, oversize)',
  },
  'TOK-TYP-RFC7515': {
    clause: 'RFC 7515 §4.1.9',
    behaviour: 'typ compares case-insensitively with the application/ prefix optional',
  },
  'TOK-NBF': {
    clause: 'RFC 7519 §4.1.5',
    behaviour: 'a token used before its nbf (beyond the clock tolerance) is refused',
  },
  'TOK-CLIENT-SECRET': {
    clause: 'RFC 7591 §3.2.1',
    behaviour: 'a registered client secret is an HMAC of its client id, verified in constant time',
  },
  'DISC-AS': {
    clause: 'RFC 8414 §2',
    behaviour: 'authorization server metadata with issuer = PUBLIC_URL and existing endpoints',
  },
  'DISC-PRM': { clause: 'RFC 9728 §2, §3.1', behaviour: 'protected resource metadata at the root and /mcp path forms' },
  'DISC-NO-HOST': {
    clause: 'docs/architecture.md: Promise 4',
    behaviour: 'Host and X-Forwarded-Host never build our URLs',
  },
  'TOKEN-CC': {
    clause: 'RFC 6749 §4.4, §5.1',
    behaviour: 'client_credentials with an API key issues a no-store bearer token',
  },
  'TOKEN-BASIC-DECODE': {
    clause: 'RFC 6749 §2.3.1',
    behaviour: 'Basic credentials are form-urlencoded and decoded as such',
  },
  'TOKEN-ERRORS': { clause: 'RFC 6749 §5.2', behaviour: 'token errors are the registered codes with a JSON body' },
  'TOKEN-INVALID-CLIENT': {
    clause: 'RFC 6749 §5.2',
    behaviour: 'failed client authentication is 401 invalid_client, with a Basic challenge for Basic',
  },
  'MCP-401-CHALLENGE': {
    clause: 'RFC 9728 §5.1, RFC 6750 §3',
    behaviour: 'no credentials: 401 with resource_metadata and scope, initialize included',
  },
  'MCP-INVALID-TOKEN': {
    clause: 'RFC 6750 §3.1',
    behaviour: 'a bad, expired or foreign token adds error="invalid_token"',
  },
  'MCP-API-KEY': {
    clause: 'docs/architecture.md: Flow 3',
    behaviour: 'X-API-Key authenticates; a query parameter never does',
  },
  'MCP-WHOAMI': {
    clause: 'README.md',
    behaviour: 'whoami shows fingerprint, client, scopes, expiry and method, never a key or token',
  },
  'MCP-TOOL-CONTEXT': {
    clause: 'MCP 2025-11-25 basic/utilities/progress, server/tools',
    behaviour:
      'tools get the identity, an abort signal and progress/log channels, and return the full CallToolResult; arguments are validated first',
  },
  'MCP-CORS': {
    clause: 'README.md',
    behaviour: 'preflight without credentials, CORS * without credentials, WWW-Authenticate exposed',
  },
  'MCP-METHODS': {
    clause: 'MCP Streamable HTTP (stateless)',
    behaviour: 'GET and DELETE are 405 with Allow; HEAD likewise without a body',
  },
  'MCP-ACCEPT': {
    clause: 'docs/architecture.md: real clients',
    behaviour: 'Accept: */* and a missing Accept are served',
  },
  'MCP-BODY-LIMIT': {
    clause: 'README.md',
    behaviour: 'a body over 1 MiB is 413; just under is served, chunked or not',
  },
  'MCP-REBINDING': {
    clause: 'MCP security best practices',
    behaviour: 'a loopback PUBLIC_URL refuses other Host headers',
  },
  'MCP-SECOND-WALL': {
    clause: 'docs/architecture.md: Promise 6, CVE-2025-29927',
    behaviour: 'the route verifies again; headers never change the identity',
  },
  'MCP-CLIENT-ERAS': {
    clause: 'MCP 2025-11-25 and 2026-07-28',
    behaviour: 'the official client works over initialize and server/discover',
  },
  'MCP-TOOL-ERRORS': {
    clause: 'README.md',
    behaviour: 'a throwing tool becomes an error result without internal detail',
  },
  'DASH-CONNECT': {
    clause: 'docs/dashboard.md',
    behaviour: 'connector URL, Claude Code command and curl example are built from PUBLIC_URL, selectable and copyable',
  },
  'DASH-INSTALL-LINKS': {
    clause: "cursor.com/docs/mcp/install-links; VS Code's MCP URL handler",
    behaviour:
      "the dashboard's Cursor and VS Code one-click links decode to this deployment's /mcp URL, and ChatGPT, Cursor and VS Code each have their steps",
  },
  'DASH-KEY-TEST': {
    clause: 'docs/dashboard.md, docs/architecture.md: Flow 4',
    behaviour:
      'Test your key runs client_credentials, initialize and tools/list, showing fingerprint, expiry and tools',
  },
  'DASH-KEY-FAILURES': {
    clause: 'docs/dashboard.md',
    behaviour: 'a failed step is named and explained: key not valid, rate limited with the wait, 503, network error',
  },
  'DASH-KEY-PRIVACY': {
    clause: 'docs/dashboard.md, docs/architecture.md: Promise 2',
    behaviour: 'the key goes only into the token request body: never storage, cookies, URL, console or the page',
  },
  'DASH-STATUS': {
    clause: 'docs/dashboard.md',
    behaviour: 'server status shows the limiter backend (warning for in-memory), issuer and version from /api/health',
  },
  'DASH-A11Y': {
    clause: 'docs/dashboard.md',
    behaviour: 'keyboard only, visible focus, labelled inputs, no serious axe violation, no layout break from 360 px',
  },
  'OBS-SCHEMA': {
    clause: 'docs/observability.md',
    behaviour:
      'every authentication decision is one event line of one schema, with a listed event and one of its reasons; never a key, token, secret or code',
  },
  'OBS-REFUSED-SUBJECT': {
    clause: 'docs/observability.md',
    behaviour:
      'a refused token whose signature held (another audience, expired, a removed key) is logged with its fingerprint; a forged one with none',
  },
  'LIMIT-VERIFIED-GRANT': {
    clause: 'docs/rate-limits.md: Token endpoint',
    behaviour:
      'the token and revocation limits are spent only by a verified credential: the grant (key and client), the refresh family, the authenticated client or the presented secret; junk naming a shared client id spends nothing of anyone',
  },
  'CONN-CODE-REDIRECT-EXACT': {
    clause: 'RFC 6749 §4.1.3',
    behaviour:
      'the redirect_uri at code exchange is identical to the authorization request, port included; a mismatch is invalid_grant and leaves the code unspent',
  },
  'OBS-CLIENT-ABORTED': {
    clause: 'docs/observability.md',
    behaviour:
      'a client that goes away mid-body (sized or chunked) at /mcp or an OAuth endpoint is one client_aborted event, no stack trace, nothing passed to the route',
  },
  'OBS-REASONS': {
    clause: 'docs/observability.md',
    behaviour:
      'every reason code is triggered over HTTP and logged with its event (features not built yet excepted by an explicit list)',
  },
  'OBS-FORMAT': {
    clause: 'docs/observability.md',
    behaviour:
      'JSON lines in production, a readable line in development, LOG_FORMAT overrides; successful /mcp requests are counted, not logged',
  },
  'OBS-REQUEST-ID': {
    clause: 'docs/observability.md',
    behaviour:
      'X-Request-Id on every API response (the incoming one if well-formed, else a new one), in every event and in every error body',
  },
  'OBS-COUNTS': {
    clause: 'docs/observability.md',
    behaviour:
      '/api/health reports counts per event and reason since start, per instance, middleware included under next start, nothing secret',
  },
  'DASH-DEPLOY-CHECK': {
    clause: 'docs/dashboard.md',
    behaviour:
      'Check this deployment runs discovery, issuer, resource, CIMD flags, registration, the 401 challenge and CORS from the browser, then has the server fetch a client metadata document and key set and ask the key source about a made-up key, each green or red with a one-sentence fix',
  },
  HEALTH: { clause: 'README.md', behaviour: '/api/health reports status, version and limiter backend, nothing secret' },
  'ADV-FORGED-TOKENS': {
    clause: 'RFC 8725 §2, §3',
    behaviour:
      'forged tokens (alg none, other algorithms, header injection, swapped payloads, stripped signatures) are refused',
  },
  'ADV-LOG-AUDIT': {
    clause: 'docs/architecture.md: Promise 2',
    behaviour: 'no key, secret, token, code or client secret appears in any server output of the test run',
  },
  'ADV-PROPERTY-TOKEN': {
    clause: 'docs/hardening.md',
    behaviour: 'any form body to /oauth/token is answered 2xx or 4xx, never 5xx',
  },
  'ADV-TIMING': {
    clause: 'docs/hardening.md',
    behaviour: 'a wrong key takes as long whatever its overlap with a real key',
  },
  'ADV-GRANT-CONFUSION': {
    clause: 'docs/hardening.md, RFC 6749 §5.2',
    behaviour:
      'at /oauth/token, a token of another kind, another deployment, expired or forged is invalid_grant (invalid_client 401 as a client id), never a token or a 5xx',
  },
  'ADV-MCP-KEY-GUESSING': {
    clause: 'docs/architecture.md: Rate limits, Flow 3',
    behaviour:
      'a wrong X-API-Key at /mcp counts against the per-IP failed-auth limit; a used-up IP is 429 before its key is looked at; bearer tokens take no extra limiter call',
  },
  'ADV-REDIRECT-LOOKALIKE': {
    clause: 'docs/hardening.md, RFC 9700 §4.1',
    behaviour:
      'homoglyph, punycode, userinfo, fragment, backslash, trailing-dot, zone-id and loopback look-alike redirect URIs are refused at registration and never redirected to',
  },
  'ADV-PROPERTY-REGISTER': {
    clause: 'docs/hardening.md',
    behaviour:
      'any JSON to /oauth/register is answered 201 or an RFC 7591 4xx, never 5xx, registering only allowed redirect origins',
  },
  'ADV-PROPERTY-KINDS': {
    clause: 'docs/hardening.md, docs/architecture.md: Promise 3',
    behaviour:
      'a token of random claims verifies as its own kind with those claims and as no other kind, secret or issuer',
  },
  'ADV-PROPERTY-REDIRECT': {
    clause: 'docs/hardening.md, RFC 8252 §7.3',
    behaviour:
      'redirect-URI validation never accepts a URI whose origin differs from a registered one, loopback port aside',
  },
  'ADV-REGISTRATION-UNIQUE': {
    clause: 'RFC 7591 §3.2.1',
    behaviour:
      'every registration gets its own client_id and client_secret, even for the same metadata in the same second',
  },
  'ADV-MALFORMED': { clause: 'docs/hardening.md', behaviour: 'malformed input everywhere gets a spec-shaped 4xx' },
  'CONN-REG-CLAUDE': {
    clause: 'docs/connector.md, RFC 7591 §3.2.1',
    behaviour:
      "claude.ai's exact registration payload gets 201 with client_secret_post, a derived client_secret and client_secret_expires_at 0",
  },
  'CONN-REG-STATELESS': {
    clause: 'docs/connector.md, docs/architecture.md: Promise 1',
    behaviour: 'registration stores nothing: any number of registrations from one IP are answered',
  },
  'CONN-REG-PUBLIC': {
    clause: 'docs/connector.md, RFC 8252',
    behaviour: 'a public loopback client (Claude Code) registers with method none and gets no secret',
  },
  'CONN-REG-DEFAULTS': {
    clause: 'RFC 7591 §2',
    behaviour: 'defaults: client_secret_basic and authorization_code; unknown metadata is ignored, not refused',
  },
  'CONN-REG-METADATA': {
    clause: 'RFC 7591 §3.2.2, docs/connector.md',
    behaviour:
      'bad auth method, grants, response types or client_name (≤ 100, no control chars), or a client id over 512 chars: invalid_client_metadata',
  },
  'CONN-REG-BODY': {
    clause: 'docs/connector.md',
    behaviour: 'registration body: malformed or non-JSON is 400 invalid_client_metadata; over 16 KiB is 413',
  },
  'CONN-REG-CORS': {
    clause: 'MCP authorization (browser clients)',
    behaviour: 'registration answers a CORS preflight; other methods are 405 with Allow',
  },
  'CONN-REDIRECT-POLICY': {
    clause: 'OAuth 2.1 §2.3.1, docs/connector.md',
    behaviour:
      'redirect URIs: https on an allowlisted host with the default port, or loopback http; no fragment, userinfo, look-alike, other scheme: invalid_redirect_uri',
  },
  'CONN-REDIRECT-EXACT': {
    clause: 'RFC 6749 §3.1.2, OAuth 2.1 §4.1.1',
    behaviour: 'a presented redirect URI must equal a registered one exactly',
  },
  'CONN-REDIRECT-LOOPBACK-PORT': {
    clause: 'RFC 8252 §7.3',
    behaviour: "only a loopback URI's port may differ from the registered one",
  },
  'CONN-PREREGISTERED': {
    clause: 'docs/connector.md',
    behaviour: 'OAUTH_CLIENT_ID is a public code-flow client whose redirect URIs are https URIs on the allowlist',
  },
  'CONN-AUTHZ-RENDER': {
    clause: 'RFC 6749 §4.1.2.1',
    behaviour:
      'a missing, repeated or unverifiable client_id or redirect_uri renders a 400 error page, never a redirect',
  },
  'CONN-AUTHZ-REDIRECT-ERRORS': {
    clause: 'RFC 6749 §4.1.2.1',
    behaviour: 'later errors (response_type, scope) redirect with 302 to the verified URI with error, state and iss',
  },
  'CONN-PKCE-S256': {
    clause: 'OAuth 2.1 §4.1.1, RFC 7636',
    behaviour: 'PKCE S256 is required, plain and a missing method are refused, the verifier must match',
  },
  'CONN-RESOURCE': {
    clause: 'RFC 8707',
    behaviour:
      'resource must be PUBLIC_URL/mcp with or without a trailing slash, else invalid_target, at both endpoints',
  },
  'CONN-SCOPE': {
    clause: 'docs/connector.md',
    behaviour: 'scope ⊆ {mcp, offline_access}; the default adds offline_access for refresh-token clients',
  },
  'CONN-ISS': { clause: 'RFC 9207', behaviour: 'every authorization response, success or error, carries iss' },
  'CONN-CONSENT-PAGE': {
    clause: 'docs/connector.md',
    behaviour: 'the consent page names the client (escaped), shows the redirect host and asks for the API key',
  },
  'CONN-CONSENT-HEADERS': {
    clause: 'docs/connector.md, RFC 9700 §4.16',
    behaviour:
      "consent headers: no-store, X-Frame-Options DENY, frame-ancestors 'none', no-referrer, form-action limited to the callback origin",
  },
  'CONN-CONSENT-SUBMIT': {
    clause: 'docs/connector.md',
    behaviour:
      'consent submits by fetch or plain form; a right key redirects with 303 (never 307) with code, state and iss',
  },
  'CONN-ORIGIN-NULL': {
    clause: 'docs/connector.md',
    behaviour: 'a consent POST with Origin: null (Claude Desktop WebView) is served',
  },
  'CONN-CONSENT-WRONG-KEY': {
    clause: 'docs/connector.md',
    behaviour: 'a wrong key re-renders the page with a message and a fresh consent token, limited per IP, no code',
  },
  'CONN-CONSENT-CANCEL': {
    clause: 'RFC 6749 §4.1.2.1',
    behaviour: 'Cancel redirects with access_denied, state and iss, without asking for the key',
  },
  'CONN-CONSENT-SIGNED': {
    clause: 'docs/architecture.md: Promise 5',
    behaviour:
      'consent reads only the signed request token and the key; a tampered, missing or expired token is a 400 page',
  },
  'CONN-LIMITS': {
    clause: 'docs/architecture.md: Rate limits',
    behaviour: 'registration, consent attempts and client authentication are limited per IP',
  },
  'CONN-TOKEN-CLIENT-AUTH': {
    clause: 'RFC 6749 §2.3.1',
    behaviour:
      'the token endpoint authenticates by the registered method: none, client_secret_post or client_secret_basic',
  },
  'CONN-INVALID-CLIENT': {
    clause: 'RFC 6749 §5.2, docs/connector.md',
    behaviour:
      'a client id or secret that does not verify is 401 invalid_client at every grant, so clients re-register',
  },
  'CONN-CODE-SINGLE-USE': {
    clause: 'OAuth 2.1 §4.1.3',
    behaviour: 'a code is single use, also under concurrent exchanges; the store unreachable is 503',
  },
  'CONN-CODE-BINDING': {
    clause: 'RFC 6749 §4.1.3',
    behaviour: 'a code is bound to its client and redirect URI and lives 60 s; otherwise invalid_grant',
  },
  'CONN-REFRESH-ROTATION': {
    clause: 'OAuth 2.1 §4.3.1',
    behaviour: 'refresh rotates: a new access and refresh token; the old one is spent (see REFRESH-*)',
  },
  'CONN-REFRESH-SCOPE': { clause: 'RFC 6749 §6', behaviour: 'a refresh may narrow the scope, never widen it' },
  'CONN-REFRESH-DEAD': {
    clause: 'docs/connector.md',
    behaviour: 'an expired, foreign-client or revoked refresh token is invalid_grant and nothing else',
  },
  'REFRESH-FAMILY': {
    clause: 'OAuth 2.1 §4.3.1, docs/connector.md: Refresh tokens',
    behaviour:
      'every refresh token names a family and a generation; the code exchange starts generation 0 and each use of n yields n+1',
  },
  'REFRESH-TWIN': {
    clause: 'docs/connector.md: Refresh tokens',
    behaviour:
      'a repeat of a generation within REFRESH_REUSE_GRACE_SECONDS, concurrent or sequential, gets the first answer byte for byte',
  },
  'REFRESH-REUSE': {
    clause: 'RFC 9700 §4.14.2, OAuth 2.1 §4.3.1',
    behaviour:
      'a repeat after the grace window is invalid_grant and kills the family: every successor is invalid_grant too',
  },
  'REFRESH-OUTAGE': {
    clause: 'docs/architecture.md: Promise 7',
    behaviour:
      'the family store unreachable at refresh is 503 + Retry-After, never invalid_grant; the same refresh works once it is back',
  },
  'REFRESH-BACKENDS': {
    clause: 'docs/architecture.md: Promise 1',
    behaviour:
      'the memory and Upstash family stores pass one contract: SET NX spend, twins, kill, expiry with the tokens',
  },
  'REFRESH-REDIS-CONTENTS': {
    clause: 'docs/architecture.md: Promise 1',
    behaviour: 'Redis holds no token, key, fingerprint, family id or jti in plaintext',
  },
  'REFRESH-SDK': {
    clause: 'MCP authorization: token refresh',
    behaviour: 'SDK v1 and v2 clients refresh on 401 and use the rotated tokens next',
  },
  'REVOKE-REFRESH': {
    clause: 'RFC 7009 §2.1',
    behaviour: 'revoking a refresh token kills its family: it and every successor are invalid_grant',
  },
  'REVOKE-ACCESS': {
    clause: 'RFC 7009 §2.2',
    behaviour: 'revoking an access token is answered 200; it lives until it expires (no store lookup at /mcp)',
  },
  'REVOKE-FOREIGN': { clause: 'RFC 7009 §2.1', behaviour: "another client's token is answered 200 and left alone" },
  'REVOKE-UNKNOWN': { clause: 'RFC 7009 §2.2', behaviour: 'an unknown, expired or garbage token is answered 200' },
  'REVOKE-CLIENT-AUTH': {
    clause: 'RFC 7009 §2.1, RFC 6749 §2.3.1',
    behaviour:
      'clients authenticate as at the token endpoint (401 invalid_client otherwise), under the same per-credential limit',
  },
  'REVOKE-METADATA': {
    clause: 'RFC 8414 §2',
    behaviour: 'the metadata advertises revocation_endpoint and its auth methods',
  },
  'CONN-KINDS-AT-MCP': {
    clause: 'docs/architecture.md: Promise 3',
    behaviour: 'a refresh token, code, client id or client secret used as a bearer token at /mcp is 401 invalid_token',
  },
  'CONN-SECRET-ROTATION': {
    clause: 'docs/architecture.md: Token kinds',
    behaviour:
      'registrations and refresh tokens keep working through an AUTH_SECRET rotation with AUTH_SECRET_PREVIOUS',
  },
  'CONN-METADATA': {
    clause: 'RFC 8414 §2, docs/connector.md',
    behaviour: 'metadata advertises the endpoints, grants, S256, auth methods, scopes and the iss parameter',
  },
  'CONN-SDK-V2': {
    clause: 'docs/connector.md',
    behaviour:
      'the SDK v2 client runs 401, discovery, registration, consent, finishAuth, tools/list, whoami and refresh',
  },
  'CONN-SDK-V1': {
    clause: 'docs/connector.md',
    behaviour: 'the SDK v1 client (as mcp-remote) runs the same full flow',
  },
  'RL-TOKEN-CREDENTIAL': {
    clause: 'docs/architecture.md: Rate limits, docs/rate-limits.md',
    behaviour:
      'token endpoint: the 10th request per credential passes, the 11th is 429 with Retry-After, RateLimit-* and an RFC 6749 body',
  },
  'RL-SHARED-REDIS': {
    clause: 'docs/rate-limits.md',
    behaviour: 'instances sharing one Redis share one limit; separate credentials and limits have separate buckets',
  },
  'RL-FAILED-AUTH-IP': {
    clause: 'docs/architecture.md: Rate limits',
    behaviour:
      'failed client authentications per client IP; a used-up address is refused before its secret is verified',
  },
  'RL-MCP-FINGERPRINT': {
    clause: 'docs/architecture.md: Rate limits, docs/rate-limits.md',
    behaviour: '/mcp per key fingerprint: 429 with Retry-After and RateLimit-* before any MCP work',
  },
  'RL-MEMORY-PARITY': {
    clause: 'docs/rate-limits.md',
    behaviour:
      'the in-memory backend has the same semantics as Upstash, one process only; /api/health names the backend',
  },
  'RL-REDIS-CONTENTS': {
    clause: 'docs/architecture.md: Promise 1, docs/rate-limits.md',
    behaviour: 'Redis holds prefixed keyed-hash keys and counts only: no key, secret, token, fingerprint or address',
  },
  'RL-OUTAGE': {
    clause: 'docs/architecture.md: Promise 7, docs/rate-limits.md',
    behaviour:
      'Redis down: credential endpoints 503 + Retry-After 5 with a generic message; /mcp serves verified callers; logged once; recovers by itself',
  },
  'RL-DEADLINE': {
    clause: 'docs/rate-limits.md',
    behaviour: 'every Redis call answers within 800 ms or counts as unavailable, never throws',
  },
  'RL-CLIENT-IP': {
    clause: 'docs/rate-limits.md: Client IP',
    behaviour: 'client IP headers are trusted only on Vercel or with TRUST_PROXY_HEADERS; else no address is known',
  },
  'RL-MCP-LEASES': {
    clause: 'docs/rate-limits.md: /mcp leases',
    behaviour:
      'the /mcp limit is leased in blocks: never exceeded, within 10% across two instances, one Redis call per block',
  },
  'RL-NO-TRUSTED-ADDRESS': {
    clause: 'SECURITY.md: Per-address limits',
    behaviour: "without a trusted address a correct credential is never refused because of other clients' failures",
  },
  'RL-SINGLE-USE': {
    clause: 'docs/architecture.md: Promise 1',
    behaviour: 'a spent id is claimed once across instances (SET NX EX), stored as a keyed hash',
  },
  'DISC-PRM-SCOPES': {
    clause: 'MCP 2026-07-28 authorization, docs/connector.md',
    behaviour:
      'protected-resource metadata and the 401 challenge list only mcp; the authorization server metadata keeps offline_access',
  },
  'CONN-KNOWN-CLIENTS': {
    clause: 'RFC 6749 §3.1.2, lib/oauth/knownClients.ts',
    behaviour:
      "Claude's, ChatGPT's, Cursor's and VS Code's exact redirect URIs are allowed with no configuration; near misses are not",
  },
  'CONN-REDIRECT-CONFIG': {
    clause: 'RFC 8252 §7.1, docs/connector.md',
    behaviour:
      'OAUTH_REDIRECT_HOSTS and OAUTH_REDIRECT_URIS add to the known clients; unsafe exact URIs refuse to start',
  },
  'CONN-REG-REAL-CLIENTS': {
    clause: 'RFC 7591 §3.2.1, docs/connector.md',
    behaviour:
      "ChatGPT's, Cursor's (three URIs) and VS Code's (four URIs) exact payloads register and complete the code flow with PKCE",
  },
  'CONN-REG-COMPACT': {
    clause: 'docs/architecture.md: Promise 1, docs/connector.md',
    behaviour: 'a client id names known URIs by alias and loopback URIs without port, and stays within 512 characters',
  },
  'CONSENT-WHERE': {
    clause: 'MCP 2026-07-28 security considerations, OAuth 2.1 §7.12.2',
    behaviour:
      'the consent page names the client, whether it is known, the redirect host, and warns for a localhost redirect',
  },
  'AUTHZ-JSON-REFUSAL': {
    clause: 'RFC 6749 §4.1.2.1, §5.2, docs/connector.md',
    behaviour:
      'a refusal at /oauth/authorize is JSON (invalid_client, invalid_request) for a caller preferring JSON, a page for browsers, never a Location',
  },
  'CIMD-METADATA': {
    clause: 'draft-ietf-oauth-client-id-metadata-document §5',
    behaviour: 'AS metadata has client_id_metadata_document_supported true and none among the auth methods',
  },
  'CIMD-CLIENT-ID': {
    clause: 'draft-ietf-oauth-client-id-metadata-document §3',
    behaviour:
      'a CIMD client id is an https URL with a path, in normal form, without userinfo, fragment or dot segments',
  },
  'CIMD-VALIDATE': {
    clause: 'MCP 2026-07-28 client registration',
    behaviour: 'a document must have client_id equal to its URL, client_name, redirect_uris, and no shared secret',
  },
  'CIMD-REDIRECT': {
    clause: 'MCP 2026-07-28 client registration, RFC 8252 §7.3',
    behaviour: 'the requested redirect URI must be listed; loopback ones match on any port',
  },
  'CIMD-PRIVATE-KEY-JWT': {
    clause: 'RFC 7523 §2.2, §3; RFC 7521 §4.2; draft-ietf-oauth-rfc7523bis',
    behaviour:
      'a metadata-document client with token_endpoint_auth_method private_key_jwt (both ChatGPT shapes) completes code, /mcp, refresh and revocation with a fresh assertion at each; RS256, PS256, ES256, ES384 and EdDSA accepted; aud is the token endpoint or the issuer',
  },
  'CIMD-ASSERTION-REFUSALS': {
    clause: 'RFC 7523 §3, RFC 7521 §4.2.1',
    behaviour:
      'every wrong assertion (missing where required, unknown key, wrong aud, expired or long-lived, iss or sub not the client, alg none, HS256 over the public key, replayed jti, a secret instead, over 8 KiB) is 401 invalid_client with its own event reason, and leaves the code unspent',
  },
  'CIMD-KEY-SET': {
    clause: 'RFC 7517 §5, RFC 7591 §2',
    behaviour:
      'a key set of public RSA, EC P-256/P-384 or Ed25519 keys only, from an https jwks_uri fetched like a document (64 KiB, no redirects) or inline; exactly one of the two',
  },
  'CIMD-KEY-ROTATION': {
    clause: 'RFC 7517 §5 (key rotation)',
    behaviour: 'an unknown kid refetches the key set at most once per 30 s per set; a rotated key is accepted after it',
  },
  'CIMD-ASSERTION-OUTAGE': {
    clause: 'RFC 7523 §3 item 7; docs/rate-limits.md outage behaviour',
    behaviour:
      'the jti replay check fails closed with 503 and Retry-After when Redis cannot answer; the same assertion works once it is back',
  },
  'KEYS-SERVICE': {
    clause: 'docs/key-service.md',
    behaviour:
      "a key service decides which keys are valid at runtime: asked with the key's digest (or the key with SEND_KEY) and a bearer token, nothing in the URL; tokens carry its subject, events a keyed hash; answers cached per process for both walls, a removed key refused once the cache period passed",
  },
  'KEYS-SERVICE-OUTAGE': {
    clause: 'docs/key-service.md',
    behaviour:
      'a key service that is down, slow or answering garbage is 503 with Retry-After at /mcp, the token endpoint and consent, never a wrong key; subjects active within the stale window keep working',
  },
  'KEYS-SEALED': {
    clause: 'RFC 7516 (compact JWE, dir + A256GCM); SECURITY.md',
    behaviour:
      'when the upstream needs a key the source cannot give back, access, refresh and code tokens carry it sealed (bound to kind and jti, opened under AUTH_SECRET or AUTH_SECRET_PREVIOUS); a missing, tampered or foreign seal is a 401 or invalid_grant; no readable part of a token holds the key or more of its digest than the fingerprint',
  },
  'KEYS-UPSTREAM-JUDGE': {
    clause: 'docs/key-service.md',
    behaviour:
      'with MCP_KEY_SOURCE=upstream a key is valid when the upstream accepts an initialize with it (2xx yes, 401/403 no, else 503); a key it revokes is refused at /mcp and at the next refresh',
  },
  'READ-ONLY-POLICY': {
    clause:
      'MCP 2025-11-25 / 2026-07-28 authorization (scope challenge handling, SEP-835); SEP-2243 Mcp-Method/Mcp-Name',
    behaviour:
      'a read-only token may send lifecycle, discovery, listing and reading methods, notifications, answers, and tools/call of read-only tools; anything else (writing or unannotated tools, unknown methods, batches, a missing name) is refused; a header that disagrees with the body is 400',
  },
  'READ-ONLY-IN-PROCESS': {
    clause: 'docs/connector.md, read-only connections',
    behaviour:
      'in process, a read-only token lists and calls only read-only tools (annotations, MCP_READ_ONLY_TOOLS and MCP_WRITE_TOOLS), and any other call is 403 with WWW-Authenticate error="insufficient_scope", scope="mcp" and a JSON-RPC error naming the tool',
  },
  'READ-ONLY-CONSENT': {
    clause: 'RFC 6749 §3.3, §5.1; docs/connector.md',
    behaviour:
      "the consent page offers Read-only and Full access (only Read-only when the client asked for mcp:read or MCP_MAX_ACCESS=read), preselects the client's ask, and the tokens and the token response carry the granted scope; refresh keeps or narrows it",
  },
  'READ-ONLY-STEP-UP': {
    clause: 'MCP 2025-11-25 authorization, scope challenge handling (SEP-835)',
    behaviour:
      'the official SDK v2 client, connected read-only, meets 403 insufficient_scope on a writing tool, re-authorizes for mcp, and the call succeeds once the user chooses Full access',
  },
  'READ-ONLY-UPSTREAM': {
    clause: 'docs/connector.md, read-only connections',
    behaviour:
      'in front of an upstream, a read-only token may call only tools the operator lists as read-only; others are refused with the step-up challenge before the upstream sees them',
  },
  'CIMD-CACHE': {
    clause: 'RFC 9111 §4.2',
    behaviour: 'documents are cached per instance as their cache headers say, bounded in time and entries',
  },
  'CIMD-SSRF': {
    clause: 'draft-ietf-oauth-client-id-metadata-document §6.5',
    behaviour:
      'loopback, private, link-local and metadata addresses are refused, for every resolved address, unless CIMD_ALLOW_PRIVATE_HOSTS=1',
  },
  'CIMD-FETCH-LIMITS': {
    clause: 'SECURITY.md: Client ID Metadata Documents',
    behaviour: 'no redirects, 5 s in total, at most 64 KiB, application/json only, valid JSON',
  },
  'CIMD-INVALID-CLIENT': {
    clause: 'RFC 6749 §4.1.2.1, §5.2',
    behaviour:
      'a document that cannot be fetched or validated is invalid_client: an error page at authorize (never a redirect), 401 at the token endpoint, the reason logged',
  },
  'CIMD-FLOW': {
    clause: 'MCP 2026-07-28 client registration',
    behaviour: 'a CIMD client runs authorize, consent, PKCE code exchange (single use), refresh and resource binding',
  },
  'CIMD-SDK-V2': {
    clause: 'docs/connector.md',
    behaviour: 'the SDK v2 client with clientMetadataUrl completes the flow against a real HTTPS document server',
  },
  'CIMD-PINNED': {
    clause: 'SECURITY.md: Client ID Metadata Documents',
    behaviour: "Claude's two documents fall back to pinned copies only when the live fetch fails",
  },
  'CONN-MCP-REMOTE': {
    clause: 'docs/connector.md',
    behaviour:
      'mcp-remote completes its OAuth flow (consent in Chromium) and serves initialize and tools/list over stdio',
  },
  'CONN-MCP-REMOTE-STALE': {
    clause: 'docs/connector.md',
    behaviour:
      'a cached registration that no longer verifies leads mcp-remote to one re-registration and a working sign-in',
  },
  'UP-FORWARD': {
    clause: 'docs/upstream.md, MCP Streamable HTTP',
    behaviour: "with MCP_UPSTREAM_URL, initialize and tools/list through /mcp return the upstream server's own answers",
  },
  'UP-SSE-STREAM': {
    clause: 'docs/upstream.md: Streaming',
    behaviour: 'an upstream SSE answer reaches the client event by event as written, never buffered',
  },
  'UP-SESSION': {
    clause: 'MCP Streamable HTTP §Session Management',
    behaviour:
      'an upstream Mcp-Session-Id travels both ways untouched; GET opens the session stream and DELETE ends the session',
  },
  'UP-OWN-KEY': {
    clause: 'docs/architecture.md: Promise 2',
    behaviour:
      "each caller's own key, and only it, reaches the upstream in MCP_UPSTREAM_KEY_HEADER (bare, or Bearer for Authorization)",
  },
  'UP-NO-CLIENT-CREDENTIALS': {
    clause: 'docs/architecture.md: Promise 2',
    behaviour: "the client's bearer token, cookies and X-API-Key never reach the upstream",
  },
  'UP-KEY-REFUSED': {
    clause: 'RFC 6750 §3.1, docs/upstream.md: Failures',
    behaviour:
      'an upstream 401 or 403 becomes the gateway\'s 401 invalid_token "the upstream server refused this API key", with nothing of the upstream\'s answer',
  },
  'UP-SDK-CLIENTS': {
    clause: 'docs/upstream.md',
    behaviour:
      'the official SDK v1 and v2 clients complete the OAuth flow and call an upstream tool with their own key',
  },
  'UP-UNREACHABLE': {
    clause: 'docs/upstream.md: Failures',
    behaviour:
      'an unreachable upstream is a 502 JSON-RPC error within 1 s, naming nothing internal, logged once with the fingerprint',
  },
  'UP-TIMEOUT': {
    clause: 'docs/upstream.md: Failures',
    behaviour: 'no upstream response headers within MCP_UPSTREAM_TIMEOUT_MS is a 504 JSON-RPC error at the timeout',
  },
  'UP-MID-STREAM': {
    clause: 'docs/upstream.md: Failures',
    behaviour:
      "an upstream that drops the connection mid-stream ends the client's stream cleanly after what was relayed",
  },
  'UP-CLIENT-ABORT': {
    clause: 'docs/upstream.md: Streaming',
    behaviour: 'a client that hangs up aborts the upstream request',
  },
  'UP-NO-LEAK': {
    clause: 'docs/upstream.md: Streaming',
    behaviour:
      '100 concurrent SSE streams through the gateway leave no sockets open and no lasting memory growth afterwards',
  },
  'UP-HEADER-ALLOWLIST': {
    clause: 'RFC 9110 §7.6.1, RFC 9112 §6.1',
    behaviour:
      'only allow-listed headers cross in either direction: hop-by-hop, smuggling and upstream-private headers never do',
  },
  'UP-SESSION-ID-INJECTION': {
    clause: 'MCP Streamable HTTP §Session Management',
    behaviour: 'an Mcp-Session-Id that is not visible ASCII is a 400 and reaches nothing',
  },
  'UP-EXACT-URL': {
    clause: 'docs/upstream.md',
    behaviour:
      'every forwarded request goes to exactly MCP_UPSTREAM_URL, whatever the incoming path or query; upstream redirects are not followed',
  },
  'UP-BODY-LIMIT': {
    clause: 'docs/upstream.md: Streaming',
    behaviour:
      'the 1 MiB request limit holds for forwarded bodies, chunked or not, and an oversized body reaches nothing',
  },
  'UP-HEALTH': {
    clause: 'docs/upstream.md: Health',
    behaviour: '/api/health names the backend, the upstream host only, and whether the last probe reached it',
  },
  'UP-DASHBOARD': {
    clause: 'docs/dashboard.md',
    behaviour: '"Test your key" lists a session-ful upstream\'s tools, carrying its session and ending it',
  },
} as const satisfies Record<string, { clause: string; behaviour: string }>;

export type RequirementId = keyof typeof requirements;
