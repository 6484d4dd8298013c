/**
 * Reading the server's answers in the browser: `Retry-After`, JSON-RPC messages that arrive as JSON
 * or as an SSE stream, and the unverified claims of an access token. Pure functions over Web APIs.
 */
import { base64UrlDecode } from '../crypto/encoding';

/**
 * Seconds to wait from a `Retry-After` value (delay-seconds or an HTTP-date), or `null` when the
 * header is absent or unreadable.
 * @see RFC 9110 §10.2.3
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // An HTTP-date names its weekday and month; `Date.parse` would also take "-5" as a year.
  const date = /[a-z]{3}/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

export type RpcMessage = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The JSON-RPC messages in a Streamable HTTP response body: a JSON object or batch, or SSE events
 * whose `data:` lines (joined per event) each hold one message. Lines that are not JSON are skipped.
 * @see MCP 2025-11-25 basic/transports §Streamable HTTP; WHATWG HTML §9.2 (event stream parsing)
 */
export function rpcMessagesFrom(contentType: string | null, body: string): RpcMessage[] {
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  const collect = (value: unknown, into: RpcMessage[]) => {
    if (Array.isArray(value)) for (const item of value) collect(item, into);
    else if (isRecord(value)) into.push(value);
  };
  const messages: RpcMessage[] = [];
  if ((contentType ?? '').toLowerCase().includes('text/event-stream')) {
    for (const event of body.replace(/\r\n?/g, '\n').split('\n\n')) {
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
      if (data.length > 0) collect(parse(data.join('\n')), messages);
    }
    return messages;
  }
  collect(parse(body), messages);
  return messages;
}

/** The response to request `id` among `messages`, if any. */
export function responseFor(messages: readonly RpcMessage[], id: number): RpcMessage | undefined {
  return messages.find((m) => m.id === id && ('result' in m || 'error' in m));
}

export type AccessTokenClaims = {
  /** The API key's fingerprint (`sub`). */
  readonly sub: string;
  /** Seconds since the epoch. */
  readonly exp: number | null;
  readonly scope: string | null;
};

/**
 * The payload of a JWT access token, decoded without verifying it: the page only displays what
 * the server put there; `/mcp` accepting the token is the verification that counts. Returns
 * `null` for anything that is not a three-part JWT with a JSON payload and a string `sub`.
 */
export function decodeAccessTokenClaims(token: string): AccessTokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1]!)) return null;
  let payload: unknown;
  try {
    const bytes = base64UrlDecode(parts[1]!);
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
  if (!isRecord(payload) || typeof payload.sub !== 'string') return null;
  return {
    sub: payload.sub,
    exp: typeof payload.exp === 'number' && Number.isFinite(payload.exp) ? payload.exp : null,
    scope: typeof payload.scope === 'string' ? payload.scope : null,
  };
}
