/**
 * What crosses the forwarder, as allow-lists in both directions (the hop-by-hop handling of
 * RFC 9110 §7.6.1 then needs no list of its own: nothing hop-by-hop is on them). The client's
 * bearer token, cookies and `X-API-Key` never reach the upstream; the upstream's cookies,
 * redirects and caching headers never reach the client.
 */
import { MCP_CORS_HEADERS } from '../../../http/cors';
import { canonicalAccept } from '../../transport';

/**
 * Request headers passed as they came (`Accept` is added after normalisation). Streamable HTTP
 * (MCP 2025-06-18 §Transports) and the 2026-07-28 routing headers `Mcp-Method`/`Mcp-Name`.
 */
const FORWARDED_REQUEST_HEADERS = [
  'content-type',
  'mcp-protocol-version',
  'mcp-method',
  'mcp-name',
  'last-event-id',
] as const;
/** Response headers passed back; CORS and caching are the gateway's own. */
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'mcp-session-id', 'mcp-protocol-version'] as const;

/** MCP Streamable HTTP §Session Management: a session id holds only visible ASCII (0x21–0x7E). */
const SESSION_ID = /^[\x21-\x7e]{1,1024}$/;
/** Any other forwarded value: printable ASCII and tab, so nothing the upstream could read as framing. */
const FIELD_VALUE = /^[\t\x20-\x7e]{0,8192}$/;

/**
 * The gateway's own headers on every forwarded answer. `no-transform` keeps a compressing proxy
 * (and Next's own compression) from holding back SSE events to fill a buffer (RFC 9111 §5.2.2.6).
 */
const ANSWER_HEADERS: Readonly<Record<string, string>> = {
  ...MCP_CORS_HEADERS,
  'Cache-Control': 'no-store, no-transform',
};

export type KeyPlacement = { readonly apiKeyHeader: string };

/**
 * The headers sent upstream with `key` in the configured header, or the message of the 400 for a
 * value that must not be forwarded.
 */
export function upstreamRequestHeaders(
  incoming: Headers,
  key: string,
  placement: KeyPlacement,
): { readonly ok: true; readonly headers: Record<string, string> } | { readonly ok: false; readonly message: string } {
  const badHeader = (name: string) =>
    ({ ok: false, message: `Invalid ${name} header: only printable ASCII is allowed.` }) as const;
  const headers: Record<string, string> = {
    accept: canonicalAccept(incoming.get('accept')) ?? incoming.get('accept')!,
    // Undecoded bytes pass straight through, and an SSE event is never held by a decompressor.
    'accept-encoding': 'identity',
    [placement.apiKeyHeader]: placement.apiKeyHeader === 'authorization' ? `Bearer ${key}` : key,
  };
  if (!FIELD_VALUE.test(headers.accept!)) return badHeader('Accept');
  const session = incoming.get('mcp-session-id');
  if (session !== null) {
    // Two copies arrive joined by ", ", which the pattern refuses too.
    if (!SESSION_ID.test(session)) return { ok: false, message: 'Invalid Mcp-Session-Id header: visible ASCII only.' };
    headers['mcp-session-id'] = session;
  }
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = incoming.get(name);
    if (value === null) continue;
    if (!FIELD_VALUE.test(value)) return badHeader(name);
    headers[name] = value;
  }
  return { ok: true, headers };
}

/** The headers of the answer relayed to the client: the gateway's own, plus the allowed upstream ones. */
export function answerHeaders(upstream: Headers): Record<string, string> {
  const answer: Record<string, string> = { ...ANSWER_HEADERS };
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.get(name);
    if (value !== null) answer[name] = value;
  }
  return answer;
}
