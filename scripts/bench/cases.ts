/** The request shapes the profiling scripts drive (`profile.ts`, `memory.ts`), by name. */
import { KEY_A } from '../../tests/support/app';

export type LoadCase = { path: string; method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string };

const MCP = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const PING = '{"jsonrpc":"2.0","id":1,"method":"ping"}';

/** The named case for an access token `token`; throws naming the choices when `which` is unknown. */
export function loadCase(which: string, token: string): LoadCase {
  const cases: Record<string, LoadCase> = {
    floor: { path: '/.well-known/oauth-authorization-server', method: 'GET' },
    ping: { path: '/mcp', method: 'POST', headers: { ...MCP, Authorization: `Bearer ${token}` }, body: PING },
    tools: { path: '/mcp', method: 'POST', headers: { ...MCP, Authorization: `Bearer ${token}` }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' },
    apikey: { path: '/mcp', method: 'POST', headers: { ...MCP, 'X-API-Key': KEY_A }, body: PING },
  };
  const chosen = cases[which];
  if (!chosen) throw new TypeError(`unknown case ${which}; one of ${Object.keys(cases).join(', ')}`);
  return chosen;
}
