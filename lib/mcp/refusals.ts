/**
 * Every refusal at `/mcp`, as a value, and the one function that puts it on the wire and emits its
 * event: the credential challenge (RFC 6750 §3, RFC 9728 §5.1), 429 with `Retry-After` and
 * `RateLimit-*`, 503 with `Retry-After` when the key source or Redis cannot answer, and the 403 of
 * the DNS-rebinding guard. Both walls and the backends refuse through here.
 */
import type { Config } from '../config';
import { errorJsonResponse, jsonRpcErrorResponse, type ErrorJson } from '../http/errors';
import type { LimitDecision } from '../limits/decision';
import { OUTAGE_RETRY_AFTER_SECONDS, rateLimitHeaders } from '../limits/headers';
import type { Fingerprint } from '../keys/fingerprint';
import { emit } from '../observability/log';
import type { Reason } from '../observability/catalogue';

/** The scope every `/mcp` request needs; the challenge names it. */
export const REQUIRED_SCOPE = 'mcp';

/**
 * `reason` is the event's code (`lib/observability/catalogue.ts`); never sent. `fingerprint` names
 * whose token was refused, when its signature held (expired, another audience, a removed key).
 */
export type CredentialFailure = { readonly reason: Reason; readonly fingerprint?: Fingerprint } & (
  /** No credential at all (RFC 6750 §3.1: no error code). */
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
  | { readonly kind: 'host_not_allowed' };

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
      return jsonRpcErrorResponse(429, -32000, `Rate limit exceeded; retry in ${refusal.decision.retryAfterSeconds} s.`, {
        headers: rateLimitHeaders(refusal.decision),
        cors: true,
      });
    case 'host_not_allowed':
      emit('mcp', 'host_not_allowed');
      return errorJsonResponse(403, { error: 'forbidden', error_description: 'Host not allowed.' });
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
