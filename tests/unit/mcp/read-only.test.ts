/**
 * Read-only connections (scope `mcp:read`) in process: which messages pass, which tools are listed
 * and callable, and the 403 step-up challenge. The upstream leg is in
 * tests/integration/read-only.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '@/lib/config';
import type { Fingerprint } from '@/lib/keys';
import { createToolsBackend } from '@/lib/mcp/backends/inProcess';
import { defineTool, whoami } from '@/lib/mcp/defineTool';
import type { Identity } from '@/lib/mcp/identity';
import { matchesToolPattern, readOnlyVerdict } from '@/lib/mcp/readOnly';
import { mcpRefusalResponse } from '@/lib/mcp/refusals';

const PUBLIC_URL = 'https://mcp.example.com';
const config = loadConfig({
  NODE_ENV: 'production',
  PUBLIC_URL,
  AUTH_SECRET: 'c'.repeat(64),
  MCP_API_KEYS: 'k'.repeat(24),
});
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
const TOOLS = [
  defineTool({
    name: 'search',
    description: 'Finds.',
    inputSchema: z.object({}),
    annotations: { readOnlyHint: true },
    run: () => text('found'),
  }),
  defineTool({
    name: 'delete_all',
    description: 'Deletes.',
    inputSchema: z.object({}),
    annotations: { readOnlyHint: false, destructiveHint: true },
    run: () => text('gone'),
  }),
  defineTool({ name: 'mystery', description: 'Unannotated.', inputSchema: z.object({}), run: () => text('?') }),
];

const person = (scopes: string[]): Identity => ({
  fingerprint: '0123456789abcdef' as Fingerprint,
  clientId: 'c',
  scopes,
  expiresAt: null,
  method: 'oauth_bearer',
});
const READ = person(['mcp:read']);
const FULL = person(['mcp']);

const rpc = (message: unknown, headers: Record<string, string> = {}) =>
  new Request(`${PUBLIC_URL}/mcp`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'Mcp-Protocol-Version': '2025-11-25',
      ...headers,
    },
    body: JSON.stringify(message),
  });
const call = (name: string, headers?: Record<string, string>) =>
  rpc({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: {} } }, headers);
const noKey = async () => null;

describe('readOnlyVerdict', () => {
  const readOnly = async (name: string) => name === 'search';
  const verdict = (message: unknown, headers: Record<string, string> = {}) =>
    readOnlyVerdict(message, new Headers(headers), readOnly);

  // @req READ-ONLY-POLICY
  it('lets lifecycle, discovery, listing, reading, notifications, answers and read-only tools through', async () => {
    for (const method of [
      'initialize',
      'server/discover',
      'ping',
      'logging/setLevel',
      'tools/list',
      'resources/list',
      'resources/templates/list',
      'resources/read',
      'prompts/list',
      'prompts/get',
      'completion/complete',
    ]) {
      expect(await verdict({ jsonrpc: '2.0', id: 1, method }), method).toEqual({ ok: true });
    }
    expect(await verdict({ jsonrpc: '2.0', method: 'notifications/initialized' })).toEqual({ ok: true });
    expect(await verdict({ jsonrpc: '2.0', id: 3, result: {} })).toEqual({ ok: true });
    expect(await verdict({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search' } })).toEqual({
      ok: true,
    });
  });

  // @req READ-ONLY-POLICY
  it('refuses writing and unannotated tools, a missing name, unknown methods and batches', async () => {
    expect(await verdict({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_all' } })).toEqual({
      ok: false,
      kind: 'needs_full_access',
      method: 'tools/call',
      tool: 'delete_all',
    });
    expect(await verdict({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} })).toMatchObject({
      ok: false,
      method: 'tools/call',
    });
    expect(await verdict({ jsonrpc: '2.0', id: 1, method: 'tasks/cancel' })).toMatchObject({
      ok: false,
      method: 'tasks/cancel',
    });
    expect(await verdict([{ jsonrpc: '2.0', id: 1, method: 'ping' }])).toMatchObject({ ok: false, method: 'batch' });
  });

  // @req READ-ONLY-POLICY
  it('takes the tool from Mcp-Name, and refuses a header that disagrees with the body (400)', async () => {
    const message = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_all' } };
    expect(await verdict(message, { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'search' })).toMatchObject({
      ok: false,
      kind: 'header_mismatch',
    });
    expect(await verdict(message, { 'Mcp-Method': 'tools/list' })).toMatchObject({
      ok: false,
      kind: 'header_mismatch',
    });
    expect(
      await verdict({ ...message, params: { name: 'search' } }, { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'search' }),
    ).toEqual({ ok: true });
  });

  it('matches operator patterns exactly, with * for any run of characters', () => {
    expect(matchesToolPattern('get_user', 'get_*')).toBe(true);
    expect(matchesToolPattern('get_user', 'get_')).toBe(false);
    expect(matchesToolPattern('list.things', 'list.*')).toBe(true);
    expect(matchesToolPattern('listXthings', 'list.things')).toBe(false);
  });
});

describe('the in-process backend for a read-only connection', () => {
  const backend = createToolsBackend(TOOLS, { readOnlyTools: [], writeTools: [] });

  // @req READ-ONLY-IN-PROCESS
  it('lists only the tools it may call; full access lists them all', async () => {
    const list = async (who: Identity) => {
      const answer = await backend.serve(rpc({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), who, noKey);
      if (!answer.ok) throw new Error(answer.refusal.kind);
      return ((await answer.response.json()) as { result: { tools: { name: string }[] } }).result.tools.map(
        (t) => t.name,
      );
    };
    expect(await list(READ)).toEqual(['search']);
    expect(await list(FULL)).toEqual(['search', 'delete_all', 'mystery']);
  });

  // @req READ-ONLY-IN-PROCESS
  it('calls a read-only tool, and refuses the others with 403, the step-up challenge and a JSON-RPC error naming the tool', async () => {
    const ok = await backend.serve(call('search'), READ, noKey);
    expect(ok.ok && (await ok.response.json())).toMatchObject({ result: { content: [{ text: 'found' }] } });
    for (const name of ['delete_all', 'mystery']) {
      const answer = await backend.serve(call(name), READ, noKey);
      expect(answer).toEqual({ ok: false, refusal: { kind: 'read_only', method: 'tools/call', tool: name } });
      const res = mcpRefusalResponse(answer.ok ? (undefined as never) : answer.refusal, config);
      expect(res.status).toBe(403);
      const challenge = res.headers.get('www-authenticate')!;
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain('error="insufficient_scope"');
      expect(challenge).toContain('scope="mcp"');
      expect(challenge).toContain(`resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp"`);
      const body = (await res.json()) as { jsonrpc: string; error: { message: string } };
      expect(body.jsonrpc).toBe('2.0');
      expect(body.error.message).toContain(`the tool ${name} needs full access`);
    }
    const full = await backend.serve(call('delete_all'), FULL, noKey);
    expect(full.ok && (await full.response.json())).toMatchObject({ result: { content: [{ text: 'gone' }] } });
  });

  // @req READ-ONLY-IN-PROCESS
  it('lets the operator override annotations: MCP_WRITE_TOOLS wins over MCP_READ_ONLY_TOOLS and the hint', async () => {
    const overridden = createToolsBackend(TOOLS, { readOnlyTools: ['myst*', 'search'], writeTools: ['search'] });
    expect((await overridden.serve(call('mystery'), READ, noKey)).ok).toBe(true);
    expect(await overridden.serve(call('search'), READ, noKey)).toMatchObject({
      ok: false,
      refusal: { kind: 'read_only' },
    });
  });
});

describe('whoami', () => {
  // @req READ-ONLY-IN-PROCESS
  it('is read-only, reports the access, and its schemas use no type arrays (portable to single-type dialects)', async () => {
    const backend = createToolsBackend([whoami]);
    const answer = await backend.serve(rpc({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), READ, noKey);
    if (!answer.ok) throw new Error(answer.refusal.kind);
    const listed = (await answer.response.json()) as { result: { tools: Record<string, unknown>[] } };
    const tool = listed.result.tools[0]!;
    expect(tool).toMatchObject({ name: 'whoami', annotations: { readOnlyHint: true } });
    const typeArrays = JSON.stringify(tool).match(/"type":\[/g);
    expect(typeArrays).toBeNull();
    const called = await backend.serve(call('whoami'), READ, noKey);
    expect(called.ok && (await called.response.json())).toMatchObject({
      result: { structuredContent: { access: 'read', scopes: ['mcp:read'] } },
    });
  });
});
