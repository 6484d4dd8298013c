import { describe, expect, it } from 'vitest';
import { decodeAccessTokenClaims, parseRetryAfter, responseFor, rpcMessagesFrom } from '@/lib/dashboard/answers';
import { classifyHttpFailure, describeFailure, errorFields, type Failure } from '@/lib/dashboard/failures';

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('42')).toBe(42);
    expect(parseRetryAfter(' 7 ')).toBe(7);
  });
  it('reads an HTTP-date as the seconds left until it', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });
  it('returns null for a missing or unreadable value', () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter('-5')).toBeNull();
  });
});

describe('rpcMessagesFrom', () => {
  it('reads a JSON body and a JSON batch', () => {
    expect(rpcMessagesFrom('application/json', '{"jsonrpc":"2.0","id":1,"result":{}}')).toEqual([
      { jsonrpc: '2.0', id: 1, result: {} },
    ]);
    expect(
      rpcMessagesFrom('application/json; charset=utf-8', '[{"id":1,"result":{}},{"id":2,"result":{}}]'),
    ).toHaveLength(2);
  });
  it('reads SSE events, with or without a space after data:, CRLF line ends and multi-line data', () => {
    const body =
      'event: message\r\ndata: {"id":1,\r\ndata:"result":{"a":1}}\r\n\r\n: comment\n\nid: 9\ndata:{"id":2,"result":{}}\n\n';
    expect(rpcMessagesFrom('text/event-stream', body)).toEqual([
      { id: 1, result: { a: 1 } },
      { id: 2, result: {} },
    ]);
  });
  it('skips what is not JSON', () => {
    expect(rpcMessagesFrom('text/event-stream', 'data: not json\n\n')).toEqual([]);
    expect(rpcMessagesFrom('application/json', '<html>')).toEqual([]);
    expect(rpcMessagesFrom(null, '"a string"')).toEqual([]);
  });
});

describe('responseFor', () => {
  it('finds the response to an id and ignores notifications and requests', () => {
    const messages = [
      { method: 'notifications/message', params: {} },
      { id: 1, method: 'ping' },
      { id: 1, result: { ok: true } },
    ];
    expect(responseFor(messages, 1)).toEqual({ id: 1, result: { ok: true } });
    expect(responseFor(messages, 2)).toBeUndefined();
  });
});

describe('decodeAccessTokenClaims', () => {
  it('reads sub, exp and scope from the payload without verifying the signature', () => {
    const token = `${b64url({ alg: 'HS256' })}.${b64url({ sub: '0123456789abcdef', exp: 1_900_000_000, scope: 'mcp' })}.sig`;
    expect(decodeAccessTokenClaims(token)).toEqual({ sub: '0123456789abcdef', exp: 1_900_000_000, scope: 'mcp' });
  });
  it('returns null for a value that is not a JWT with a subject', () => {
    expect(decodeAccessTokenClaims('opaque-token')).toBeNull();
    expect(decodeAccessTokenClaims(`a.${b64url({ exp: 1 })}.c`)).toBeNull();
    expect(decodeAccessTokenClaims('a.!!!.c')).toBeNull();
    expect(decodeAccessTokenClaims(`a.${Buffer.from('not json').toString('base64url')}.c`)).toBeNull();
  });
});

describe('errorFields', () => {
  it('reads RFC 6749 and JSON-RPC error bodies and drops control characters', () => {
    expect(errorFields('{"error":"invalid_client","error_description":"Client\\nauthentication failed."}')).toEqual({
      error: 'invalid_client',
      description: 'Client authentication failed.',
    });
    expect(errorFields('{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Rate limit exceeded"}}')).toEqual({
      error: null,
      description: 'Rate limit exceeded',
    });
    expect(errorFields('<html>')).toEqual({ error: null, description: null });
  });
});

describe('classifyHttpFailure', () => {
  const headers = (retryAfter?: string) => new Headers(retryAfter === undefined ? {} : { 'Retry-After': retryAfter });

  it('treats a 401 from the token endpoint as a key that is not valid', () => {
    expect(classifyHttpFailure('token', 401, headers(), '{"error":"invalid_client"}')).toEqual({ kind: 'invalid_key' });
  });
  it('treats a 401 or 403 from /mcp as a refused token, with the server description', () => {
    expect(
      classifyHttpFailure(
        'mcp',
        401,
        headers(),
        '{"error":"invalid_token","error_description":"The access token was revoked."}',
      ),
    ).toEqual({
      kind: 'token_rejected',
      description: 'The access token was revoked.',
    });
    expect(
      classifyHttpFailure(
        'mcp',
        403,
        headers(),
        '{"error":"insufficient_scope","error_description":"The access token lacks the mcp scope."}',
      ).kind,
    ).toBe('token_rejected');
  });
  it('treats the loopback host guard of /mcp as a page opened at the wrong address', () => {
    expect(
      classifyHttpFailure('mcp', 403, headers(), '{"error":"forbidden","error_description":"Host not allowed."}'),
    ).toEqual({ kind: 'wrong_host' });
  });
  it('carries the wait of a 429 and of a 503', () => {
    expect(classifyHttpFailure('token', 429, headers('17'), '{}')).toEqual({
      kind: 'rate_limited',
      retryAfterSeconds: 17,
    });
    expect(classifyHttpFailure('mcp', 503, headers('5'), '')).toEqual({
      kind: 'unavailable',
      status: 503,
      retryAfterSeconds: 5,
    });
    expect(classifyHttpFailure('token', 502, headers(), '')).toEqual({
      kind: 'unavailable',
      status: 502,
      retryAfterSeconds: null,
    });
  });
  it('reports anything else with its status and description', () => {
    expect(
      classifyHttpFailure('token', 400, headers(), '{"error":"invalid_scope","error_description":"Unknown scope."}'),
    ).toEqual({
      kind: 'unexpected',
      status: 400,
      description: 'Unknown scope.',
    });
    expect(classifyHttpFailure('mcp', 500, headers(), '')).toEqual({
      kind: 'unexpected',
      status: 500,
      description: 'no error description',
    });
  });
});

describe('describeFailure', () => {
  it('says each failure in plain words with the wait where there is one', () => {
    const cases: Array<[Failure, RegExp]> = [
      [{ kind: 'invalid_key' }, /^This API key is not valid\./],
      [{ kind: 'rate_limited', retryAfterSeconds: 42 }, /^Rate limited: .* Wait 42 seconds, then try again\.$/],
      [{ kind: 'rate_limited', retryAfterSeconds: 1 }, /Wait 1 second,/],
      [{ kind: 'rate_limited', retryAfterSeconds: null }, /Wait about a minute,/],
      [{ kind: 'rate_limited', retryAfterSeconds: 600 }, /Wait 10 minutes,/],
      [
        { kind: 'unavailable', status: 503, retryAfterSeconds: 5 },
        /misconfigured .*\(HTTP 503\)\. Try again in 5 seconds/,
      ],
      [
        { kind: 'token_rejected', description: 'The access token is invalid.' },
        /refused the token .*PUBLIC_URL or AUTH_SECRET/,
      ],
      [{ kind: 'wrong_host' }, /Open the page at the server's PUBLIC_URL/],
      [{ kind: 'network' }, /^Network error: /],
      [{ kind: 'timeout', seconds: 15 }, /within 15 seconds/],
      [
        { kind: 'unexpected', status: 400, description: 'Unknown scope.' },
        /^The server answered HTTP 400: Unknown scope\.\.?$/,
      ],
      [
        { kind: 'unexpected', status: null, description: 'no JSON-RPC answer' },
        /not what the protocol expects: no JSON-RPC answer\.$/,
      ],
    ];
    for (const [failure, expected] of cases) expect(describeFailure(failure)).toMatch(expected);
  });
});
