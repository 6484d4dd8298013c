/**
 * Why a key test failed, as a closed union, and the plain sentence a person reads for each case.
 * The classification looks at the status, `Retry-After` and the RFC 6749 / RFC 6750 error body;
 * it never echoes anything the user typed.
 */
import { parseRetryAfter } from './answers';

export type Failure =
  /** The token endpoint refused the client secret (RFC 6749 §5.2 `invalid_client`). */
  | { readonly kind: 'invalid_key' }
  /** 429: this key (or this address) asked too often; wait `retryAfterSeconds`. */
  | { readonly kind: 'rate_limited'; readonly retryAfterSeconds: number | null }
  /** 502/503/504: misconfigured server, unreachable Redis, or a proxy with no server behind it. */
  | { readonly kind: 'unavailable'; readonly status: number; readonly retryAfterSeconds: number | null }
  /** `/mcp` on a loopback PUBLIC_URL refused this page's `Host` (the DNS-rebinding guard). */
  | { readonly kind: 'wrong_host' }
  /** `/mcp` refused the token the token endpoint had just issued. */
  | { readonly kind: 'token_rejected'; readonly description: string }
  /** The request never got an HTTP answer (offline, DNS, CORS, blocked by an extension). */
  | { readonly kind: 'network' }
  /** No answer within the time limit. */
  | { readonly kind: 'timeout'; readonly seconds: number }
  /** Anything else: an unexpected status or a body that is not what the protocol promises. */
  | { readonly kind: 'unexpected'; readonly status: number | null; readonly description: string };

const MAX_DESCRIPTION = 200;

/** A server-provided description, shortened and stripped of control characters. */
export function cleanDescription(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.replace(/\p{Cc}+/gu, ' ').trim();
  if (!text) return null;
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text;
}

/** `error` and `error_description` of an RFC 6749 §5.2 / RFC 6750 §3 JSON body, or of a JSON-RPC error. */
export function errorFields(body: string): { error: string | null; description: string | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { error: null, description: null };
  }
  if (typeof parsed !== 'object' || parsed === null) return { error: null, description: null };
  const record = parsed as Record<string, unknown>;
  if (typeof record.error === 'object' && record.error !== null) {
    // JSON-RPC 2.0 §5.1: `error: { code, message }`.
    return { error: null, description: cleanDescription((record.error as Record<string, unknown>).message) };
  }
  return {
    error: typeof record.error === 'string' ? cleanDescription(record.error) : null,
    description: cleanDescription(record.error_description),
  };
}

/**
 * The failure behind a non-2xx answer. `endpoint` says who answered: at the token endpoint a 401
 * means the key is not valid; at `/mcp` it means the fresh token was refused.
 */
export function classifyHttpFailure(
  endpoint: 'token' | 'mcp',
  status: number,
  headers: Headers,
  body: string,
  now: number = Date.now(),
): Failure {
  const retryAfterSeconds = parseRetryAfter(headers.get('retry-after'), now);
  const { error, description } = errorFields(body);
  if (status === 429) return { kind: 'rate_limited', retryAfterSeconds };
  if (status === 502 || status === 503 || status === 504) return { kind: 'unavailable', status, retryAfterSeconds };
  if (endpoint === 'token' && (status === 401 || error === 'invalid_client')) return { kind: 'invalid_key' };
  // lib/mcp/authenticate.ts `rebindingGuardResponse`: the only 403 whose error is `forbidden`.
  if (endpoint === 'mcp' && status === 403 && error === 'forbidden') return { kind: 'wrong_host' };
  if (endpoint === 'mcp' && (status === 401 || status === 403)) {
    return { kind: 'token_rejected', description: description ?? error ?? `HTTP ${status}` };
  }
  return { kind: 'unexpected', status, description: description ?? error ?? 'no error description' };
}

function wait(seconds: number | null): string {
  if (seconds === null) return 'about a minute';
  if (seconds <= 1) return '1 second';
  if (seconds < 120) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/** One or two plain sentences for a person, saying what went wrong and what to do. */
export function describeFailure(failure: Failure): string {
  switch (failure.kind) {
    case 'invalid_key':
      return 'This API key is not valid. Check that you pasted the whole key (keys are case-sensitive), or ask the operator whether it is still configured.';
    case 'rate_limited':
      return `Rate limited: too many attempts in the last minute. Wait ${wait(failure.retryAfterSeconds)}, then try again.`;
    case 'unavailable':
      return `The server is misconfigured or cannot reach its rate-limit store (HTTP ${failure.status}). Try again in ${wait(failure.retryAfterSeconds)}; if it keeps happening, the operator should check the server's logs and its Redis (Upstash) settings.`;
    case 'wrong_host':
      return "The MCP endpoint refuses requests sent to the address this page was opened at. Open the page at the server's PUBLIC_URL (see Server status below) and test again.";
    case 'token_rejected':
      return `The MCP endpoint refused the token this server had just issued (${failure.description}). PUBLIC_URL or AUTH_SECRET probably differ between the server's instances.`;
    case 'network':
      return 'Network error: the request did not reach the server. Check your connection, and that no proxy, firewall or browser extension blocks it.';
    case 'timeout':
      return `The server did not answer within ${failure.seconds} seconds. It may be overloaded or unreachable; try again shortly.`;
    case 'unexpected':
      return failure.status === null
        ? `The server's answer was not what the protocol expects: ${failure.description}.`
        : `The server answered HTTP ${failure.status}: ${failure.description}.`;
  }
}
