/**
 * The executable spec: every requirement this project promises, with the clause it comes from.
 * Tests cite an id in a `// @req ID` comment; tests/unit/requirements.test.ts fails when an id is
 * cited nowhere or a cited id is not listed here.
 */
export const requirements = {
  'CFG-PROD-REFUSE': { clause: 'DESIGN: Configuration', behaviour: 'production refuses an unsafe configuration at start, one line naming the setting' },
  'CFG-DEV-DEFAULTS': { clause: 'DESIGN: Configuration', behaviour: 'development generates a missing secret and key, shared by every bundle' },
  'KEY-FINGERPRINT': { clause: 'DESIGN: Promise 2', behaviour: 'a fingerprint is the first 16 hex chars of SHA-256(key)' },
  'KEY-MEMBERSHIP': { clause: 'DESIGN: lib/keys.ts', behaviour: 'membership is a set lookup of the full SHA-256, never a raw string compare' },
  'KEY-REVOCATION': { clause: 'DESIGN: Promise 2', behaviour: 'removing a key revokes every token derived from it on the next request' },
  'TOK-ACCESS-CLAIMS': { clause: 'RFC 9068 §2', behaviour: 'access tokens are at+jwt with iss, aud, sub, client_id, scope, jti, iat, exp' },
  'TOK-KIND-SEPARATION': { clause: 'RFC 8725 §3.11, DESIGN: Promise 3', behaviour: 'no token of one kind verifies as another' },
  'TOK-ALG-PINNED': { clause: 'RFC 8725 §3.1', behaviour: 'only HS256 verifies: alg none, other algorithms and swapped payloads are refused' },
  'TOK-KEY-DERIVATION': { clause: 'DESIGN: Promise 3', behaviour: 'tokens are signed with HKDF-derived keys; the raw AUTH_SECRET signs nothing' },
  'TOK-EXPIRY': { clause: 'RFC 7519 §4.1.4', behaviour: 'expired tokens are refused beyond a clock tolerance of at most 30 s' },
  'TOK-ROTATION': { clause: 'DESIGN: Token kinds', behaviour: 'AUTH_SECRET_PREVIOUS verifies, never signs, during a rotation' },
  'TOK-CLIENT-SECRET': { clause: 'RFC 7591 §3.2.1', behaviour: 'a registered client secret is an HMAC of its client id, verified in constant time' },
  'DISC-AS': { clause: 'RFC 8414 §2', behaviour: 'authorization server metadata with issuer = PUBLIC_URL and existing endpoints' },
  'DISC-PRM': { clause: 'RFC 9728 §2, §3.1', behaviour: 'protected resource metadata at the root and /mcp path forms' },
  'DISC-NO-HOST': { clause: 'DESIGN: Promise 4', behaviour: 'Host and X-Forwarded-Host never build our URLs' },
  'TOKEN-CC': { clause: 'RFC 6749 §4.4, §5.1', behaviour: 'client_credentials with an API key issues a no-store bearer token' },
  'TOKEN-BASIC-DECODE': { clause: 'RFC 6749 §2.3.1', behaviour: 'Basic credentials are form-urlencoded and decoded as such' },
  'TOKEN-ERRORS': { clause: 'RFC 6749 §5.2', behaviour: 'token errors are the registered codes with a JSON body' },
  'TOKEN-INVALID-CLIENT': { clause: 'RFC 6749 §5.2', behaviour: 'failed client authentication is 401 invalid_client, with a Basic challenge for Basic' },
  'MCP-401-CHALLENGE': { clause: 'RFC 9728 §5.1, RFC 6750 §3', behaviour: 'no credentials: 401 with resource_metadata and scope, initialize included' },
  'MCP-INVALID-TOKEN': { clause: 'RFC 6750 §3.1', behaviour: 'a bad, expired or foreign token adds error="invalid_token"' },
  'MCP-API-KEY': { clause: 'DESIGN: Flow 3', behaviour: 'X-API-Key authenticates; a query parameter never does' },
  'MCP-WHOAMI': { clause: 'Issue 2 item 8', behaviour: 'whoami shows fingerprint, client, scopes, expiry and method, never a key or token' },
  'MCP-CORS': { clause: 'Issue 2 item 7', behaviour: 'preflight without credentials, CORS * without credentials, WWW-Authenticate exposed' },
  'MCP-METHODS': { clause: 'MCP Streamable HTTP (stateless)', behaviour: 'GET and DELETE are 405 with Allow; HEAD likewise without a body' },
  'MCP-ACCEPT': { clause: 'DESIGN: real clients', behaviour: 'Accept: */* and a missing Accept are served' },
  'MCP-BODY-LIMIT': { clause: 'Issue 2 item 8', behaviour: 'a body over 1 MiB is 413; just under is served, chunked or not' },
  'MCP-REBINDING': { clause: 'MCP security best practices', behaviour: 'a loopback PUBLIC_URL refuses other Host headers' },
  'MCP-SECOND-WALL': { clause: 'DESIGN: Promise 6, CVE-2025-29927', behaviour: 'the route verifies again; headers never change the identity' },
  'MCP-CLIENT-ERAS': { clause: 'MCP 2025-11-25 and 2026-07-28', behaviour: 'the official client works over initialize and server/discover' },
  'MCP-TOOL-ERRORS': { clause: 'Issue 2 item 8', behaviour: 'a throwing tool becomes an error result without internal detail' },
  HEALTH: { clause: 'Issue 2 item 9', behaviour: '/api/health reports status, version and limiter backend, nothing secret' },
} as const satisfies Record<string, { clause: string; behaviour: string }>;

export type RequirementId = keyof typeof requirements;
