/** The request shapes the profiling scripts drive (`profile.ts`, `memory.ts`, `macro.ts`), by name. */
import { KEY_A } from '@/kit/app';
import { form, MCP_HEADERS } from '@/kit/http';
import { tokenServiceFor } from '@/kit/mint';
import { CLAUDE_REGISTRATION } from '@/lib/dashboard/deploymentCheck';
import { fingerprintOf } from '@/lib/keys';
import { randomBase64Url } from '@/lib/crypto/random';

export type LoadCase = {
  path: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** A fresh body for each request, for a case whose requests must not repeat (refresh). */
  nextBody?: () => string;
};

/** The JSON-RPC bodies the load cases send. */
export const PING = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
export const TOOLS_LIST = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

/** The named case for an access token `token`; throws naming the choices when `which` is unknown. */
export function loadCase(which: string, token: string): LoadCase {
  const cases: Record<string, LoadCase> = {
    floor: { path: '/.well-known/oauth-authorization-server', method: 'GET' },
    ping: { path: '/mcp', method: 'POST', headers: { ...MCP_HEADERS, Authorization: `Bearer ${token}` }, body: PING },
    tools: {
      path: '/mcp',
      method: 'POST',
      headers: { ...MCP_HEADERS, Authorization: `Bearer ${token}` },
      body: TOOLS_LIST,
    },
    apikey: { path: '/mcp', method: 'POST', headers: { ...MCP_HEADERS, 'X-API-Key': KEY_A }, body: PING },
  };
  const chosen = cases[which];
  if (!chosen) throw new TypeError(`unknown case ${which}; one of ${Object.keys(cases).join(', ')}`);
  return chosen;
}

/**
 * `POST /oauth/token` `refresh_token` as claude.ai sends it (a `client_secret_post` client), each
 * request spending a generation-0 token of its own family: a first use, the costly path (a twin
 * repeats an answer already computed). The `count` tokens are minted up front with the server's
 * own secret (`env`); past them the case repeats them, and those answers are counted as unexpected.
 */
export async function refreshCase(baseUrl: string, env: Record<string, string>, count: number): Promise<LoadCase> {
  const res = await fetch(`${baseUrl}/oauth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(CLAUDE_REGISTRATION),
  });
  if (res.status !== 201) throw new Error(`registration failed: ${res.status}`);
  const client = (await res.json()) as { client_id: string; client_secret: string };
  const tokens = await tokenServiceFor(env);
  const sub = await fingerprintOf(KEY_A);
  const claims = { sub, client_id: client.client_id, scope: 'mcp offline_access', resource: tokens.resource };
  const bodies: string[] = [];
  for (let i = 0; i < count; i++) {
    const { token } = await tokens.issue('refresh', { ...claims, fid: randomBase64Url(16), gen: 0 }, 3600);
    bodies.push(
      form({
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: client.client_id,
        client_secret: client.client_secret,
      }),
    );
  }
  let next = 0;
  return {
    path: '/oauth/token',
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    nextBody: () => bodies[next++ % bodies.length]!,
  };
}
