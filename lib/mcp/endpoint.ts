/**
 * The `/mcp` route's work: the second wall (authenticate again, take the identity from this
 * verification only), the method guard, then the configured backend.
 */
import { MCP_CORS_HEADERS, preflightResponse } from '../http/cors';
import { methodNotAllowed } from '../http/methods';
import type { Services } from '../services';
import { authenticateMcpRequest } from './authenticate';
import type { McpBackend } from './backend';

/** Serves one `/mcp` request of any method. */
export async function serveMcp(request: Request, services: Services, backend: McpBackend): Promise<Response> {
  const allowed = [...backend.methods, 'OPTIONS'];
  if (request.method === 'OPTIONS') return preflightResponse(request, allowed);
  const identity = await authenticateMcpRequest(request, services, { countFailures: false });
  if (identity instanceof Response) return identity;
  if (!backend.methods.some((method) => method === request.method)) {
    const response = methodNotAllowed(allowed, MCP_CORS_HEADERS);
    return request.method === 'HEAD' ? new Response(null, { status: response.status, headers: response.headers }) : response;
  }
  return backend.serve(request, identity);
}
