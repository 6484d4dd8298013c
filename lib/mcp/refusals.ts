/**
 * Every refusal at `/mcp`, as a value, and the one function that puts it on the wire and emits its
 * event: the credential challenge (RFC 6750 §3, RFC 9728 §5.1), 429 with `Retry-After` and
 * `RateLimit-*`, 503 with `Retry-After` when the key source or Redis cannot answer, and the 403 of
 * the DNS-rebinding guard, and the backends' own refusals (413, JSON-RPC parse and request errors,
 * an upstream that failed, an internal error). Both walls and the backends refuse through here.
 */
import type { Config } from '../config';
import { errorJsonResponse, jsonRpcErrorResponse, type ErrorJson } from '../http/errors';
import type { LimitDecision } from '../limits/decision';
import { OUTAGE_RETRY_AFTER_SECONDS, rateLimitHeaders } from '../limits/headers';
import type { Fingerprint } from '../keys/fingerprint';
import { emit } from '../observability/log';
import { MCP_BODY_LIMIT } from './transport';
import type { Reason } from '../observability/catalogue';
import { FULL_SCOPE } from '../tokens/access';

/**
 * The scope the challenges name: full access (`lib/tokens/access.ts`), asked for first and asked
 * for again when a read-only connection steps up.
 */
export const REQUIRED_SCOPE = FULL_SCOPE;

/**
 * `reason` is the event's code (`lib/observability/catalogue.ts`); never sent. `fingerprint` names
 * whose token was refused, when its signature held (expired, another audience, a removed key).
 */
export type CredentialFailure = { readonly reason: Reason; readonly fingerprint?: Fingerprint } &
  /** No credential at all (RFC 6750 §3.1: no error code). */
  (
    | { readonly kind: 'missing' }
    | { readonly kind: 'invalid_request'; readonly description: string }
    | { readonly kind: 'invalid_token'; readonly description: string; readonly credential: 'bearer' | 'api_key' }
    | { readonly kind: 'insufficient_scope'; readonly description: string }
    /** The key source could not answer: 503, never a 401, never a counted failure. */
    | { readonly kind: 'unavailable' }
  );

export type McpRefusal =
  | { readonly kind: 'credential'; readonly failure: CredentialFailure }
  | {
      readonly kind: 'rate_limited';
      readonly decision: LimitDecision & { readonly outcome: 'limited' };
      readonly fingerprint?: Fingerprint;
    }
  /** A loopback deployment asked under another `Host` (a DNS-rebinding page). */
  | { readonly kind: 'host_not_allowed' }
  /** A body over `MCP_BODY_LIMIT` (declared or counted). */
  | { readonly kind: 'body_too_large' }
  /** The client went away mid-body: a routine event, answered with nothing anyone reads. */
  | { readonly kind: 'client_aborted' }
  /** JSON-RPC 2.0 §5.1: -32700 a body that does not parse, -32600 a request we refuse to pass on. */
  | { readonly kind: 'bad_request'; readonly code: -32700 | -32600; readonly message: string }
  /** The upstream could not be reached (502) or did not answer in time (504); its event is already out. */
  | { readonly kind: 'upstream_failed'; readonly status: 502 | 504; readonly message: string }
  /** A read-only connection (`mcp:read`) asked for something that needs full access: 403, step-up. */
  | { readonly kind: 'read_only'; readonly method: string; readonly tool?: string }
  /** A bug while serving; its `server_error` event (with the stack) is already out. */
  | { readonly kind: 'internal' };

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

/** The response for `refusal`, after its one event. */
export function mcpRefusalResponse(refusal: McpRefusal, config: Pick<Config, 'resourceMetadataUrl'>): Response {
  switch (refusal.kind) {
    case 'credential':
      return credentialFailureResponse(refusal.failure, config);
    case 'rate_limited':
      emit('mcp', 'rate_limited', refusal.fingerprint ? { fingerprint: refusal.fingerprint } : {});
      return jsonRpcErrorResponse(
        429,
        -32000,
        `Rate limit exceeded; retry in ${refusal.decision.retryAfterSeconds} s.`,
        {
          headers: rateLimitHeaders(refusal.decision),
          cors: true,
        },
      );
    case 'host_not_allowed':
      emit('mcp', 'host_not_allowed');
      return errorJsonResponse(403, { error: 'forbidden', error_description: 'Host not allowed.' });
    case 'client_aborted':
      emit('mcp', 'client_aborted');
      // 499 (nginx's "client closed request"): there is no client left to read a real answer.
      return new Response(null, { status: 499 });
    case 'body_too_large':
      return jsonRpcErrorResponse(413, -32600, `Request body exceeds ${MCP_BODY_LIMIT} bytes.`, { cors: true });
    case 'bad_request':
      return jsonRpcErrorResponse(400, refusal.code, refusal.message, { cors: true });
    case 'upstream_failed':
      return jsonRpcErrorResponse(refusal.status, -32603, refusal.message, { cors: true });
    case 'internal':
      return jsonRpcErrorResponse(500, -32603, 'Internal error.', { cors: true });
    case 'read_only': {
      emit('mcp', 'insufficient_scope', { mcp_method: refusal.method, ...(refusal.tool && { tool: refusal.tool }) });
      const what = refusal.tool === undefined ? refusal.method : `the tool ${refusal.tool}`;
      const description = `This connection is read-only: ${what} needs full access.`;
      // MCP "Scope challenge handling" (SEP-835): 403 naming the scope to ask for, so the client can step up.
      const challenge = [
        'error="insufficient_scope"',
        `scope=${quoted(REQUIRED_SCOPE)}`,
        `resource_metadata=${quoted(config.resourceMetadataUrl)}`,
        `error_description=${quoted(description)}`,
      ];
      return jsonRpcErrorResponse(403, -32001, `${description} Reconnect with full access to use it.`, {
        headers: { 'WWW-Authenticate': `Bearer ${challenge.join(', ')}` },
        cors: true,
      });
    }
  }
}

function credentialFailureResponse(failure: CredentialFailure, config: Pick<Config, 'resourceMetadataUrl'>): Response {
  emit('mcp', failure.reason, {
    ...(failure.reason === 'api_key_invalid' && { client_kind: 'api_key' }),
    ...(failure.fingerprint && { fingerprint: failure.fingerprint }),
  });
  if (failure.kind === 'unavailable') {
    return jsonRpcErrorResponse(503, -32000, 'The service is temporarily unavailable; retry shortly.', {
      headers: { 'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS) },
      cors: true,
    });
  }
  const params = [`resource_metadata=${quoted(config.resourceMetadataUrl)}`, `scope=${quoted(REQUIRED_SCOPE)}`];
  let status = 401;
  let body: ErrorJson = {
    error: 'unauthorized',
    error_description: 'Authentication required: see WWW-Authenticate for where to get a token.',
  };
  if (failure.kind !== 'missing') {
    params.push(`error=${quoted(failure.kind)}`, `error_description=${quoted(failure.description)}`);
    status = failure.kind === 'invalid_request' ? 400 : failure.kind === 'insufficient_scope' ? 403 : 401;
    body = { error: failure.kind, error_description: failure.description };
  }
  return errorJsonResponse(status, body, {
    headers: { 'WWW-Authenticate': `Bearer ${params.join(', ')}` },
    cors: true,
  });
}
