/**
 * The emission side of lib/observability over real code paths without a server: the unexpected
 * error (`server_error`) that only a bug can trigger over HTTP, the pretty format, the request id
 * rules and the counts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, ConfigError } from '@/lib/config';
import { mcpRefusalResponse } from '@/lib/mcp/refusals';
import { jsonRpcErrorResponse } from '@/lib/http/errors';
import { toErrorResponse } from '@/lib/oauth/errors';
import { annotate, observe } from '@/lib/observability/context';
import { countsReport } from '@/lib/observability/counts';
import { emit, formatPretty, type AuthEvent } from '@/lib/observability/log';
import { isWellFormedRequestId, requestIdFrom } from '@/lib/observability/requestId';

let lines: string[];

beforeEach(() => {
  lines = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
});

afterEach(() => vi.restoreAllMocks());

const SECRET_IN_ERROR = 'key_alpha_0123456789abcdefghijkl';

describe('toErrorResponse', () => {
  // @req OBS-SCHEMA
  it('answers an unexpected error with a bare server_error carrying the request id, and logs its stack as the event', async () => {
    const handler = observe(async () => toErrorResponse('token', new TypeError('bug in a grant')));
    const res = await handler(
      new Request('http://localhost/oauth/token', { method: 'POST', headers: { 'X-Request-Id': 'unit-1' } }),
    );
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBe('unit-1');
    expect(await res.json()).toEqual({
      error: 'server_error',
      error_description: 'The server could not complete the request.',
      request_id: 'unit-1',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[token\] failed server_error \(rid=unit-1, [\d.]+ ms\)\nTypeError: bug in a grant/);
  });
});

describe('emit', () => {
  // @req OBS-FORMAT
  it('writes one readable line in development with the fields deeper code annotated', async () => {
    await observe(async () => {
      annotate({ client_kind: 'registered', client_name: 'Claude\u0007\nInjected', redirect_host: 'claude.ai' });
      emit('authorize', 'validated');
      return new Response(null);
    })(new Request('http://localhost/', { headers: { 'X-Request-Id': 'unit-2' } }));
    expect(lines).toHaveLength(1);
    // Control characters in a client-chosen name cannot forge a second log line.
    expect(lines[0]).toMatch(
      /^\[authorize\] success validated client=registered:"Claude Injected" redirect=claude\.ai \(rid=unit-2, [\d.]+ ms\)$/,
    );
  });

  // @req OBS-FORMAT
  it('counts a served /mcp request without writing a line', () => {
    const before = countsReport().counts.mcp?.served ?? 0;
    emit('mcp', 'served');
    expect(lines).toEqual([]);
    expect(countsReport().counts.mcp?.served).toBe(before + 1);
    expect(countsReport().sources).toContain('routes');
  });

  // @req OBS-SCHEMA
  it('puts the request id in the bodies of the /mcp refusals and JSON-RPC errors', async () => {
    const config = loadConfig({ NODE_ENV: 'development', PUBLIC_URL: 'http://localhost:3000' });
    const res = await observe(() =>
      mcpRefusalResponse({ kind: 'credential', failure: { kind: 'missing', reason: 'credential_missing' } }, config),
    )(new Request('http://localhost/mcp', { headers: { 'X-Request-Id': 'unit-3' } }));
    expect(await res.json()).toMatchObject({ error: 'unauthorized', request_id: 'unit-3' });
    const rpc = await observe(() => jsonRpcErrorResponse(500, -32603, 'Internal error.'))(
      new Request('http://localhost/mcp', { headers: { 'X-Request-Id': 'unit-4' } }),
    );
    expect(await rpc.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32603, message: 'Internal error.', data: { request_id: 'unit-4' } },
    });
    expect(lines.join('\n')).not.toContain(SECRET_IN_ERROR);
  });
});

describe('formatPretty', () => {
  it('names the event, outcome, reason, grant, fingerprint and request id', () => {
    const event: AuthEvent = {
      time: '2026-01-01T00:00:00.000Z',
      level: 'warn',
      event: 'token',
      outcome: 'refused',
      reason: 'code_replayed',
      grant: 'authorization_code',
      fingerprint: '0123456789abcdef',
      request_id: 'r',
      duration_ms: 1.5,
      runtime: 'edge',
    };
    expect(formatPretty(event)).toBe(
      '[token] refused code_replayed grant=authorization_code fp=0123456789abcdef (rid=r, 1.5 ms, edge)',
    );
  });
});

describe('requestIdFrom', () => {
  // @req OBS-REQUEST-ID
  it('keeps an id of at most 128 characters of A-Z a-z 0-9 . _ : - and replaces anything else', () => {
    expect(requestIdFrom('abc-DEF_1.2:3')).toBe('abc-DEF_1.2:3');
    expect(requestIdFrom('x'.repeat(128))).toBe('x'.repeat(128));
    for (const bad of [null, '', 'x'.repeat(129), 'a b', 'a\nb', 'ü']) {
      expect(isWellFormedRequestId(bad)).toBe(false);
      expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('loadConfig LOG_FORMAT', () => {
  // @req OBS-FORMAT
  it('defaults to JSON in production and pretty in development, follows LOG_FORMAT and refuses other values', () => {
    const production = {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://mcp.example.com',
      AUTH_SECRET: 'ab'.repeat(32),
      MCP_API_KEYS: 'key_alpha_0123456789abcdefghijkl',
    };
    expect(loadConfig({ ...production }).logFormat).toBe('json');
    expect(loadConfig({ ...production, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(loadConfig({ NODE_ENV: 'development', LOG_FORMAT: 'JSON' }).logFormat).toBe('json');
    expect(() => loadConfig({ ...production, LOG_FORMAT: 'xml' })).toThrow(
      new ConfigError('LOG_FORMAT must be json or pretty'),
    );
  });
});
