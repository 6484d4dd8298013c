/**
 * The `/mcp` route's work: the second wall (authenticate again, take the identity from this
 * verification only), the method guard, then the configured backend.
 */
import { preflightResponse } from '../http/cors';
import { withRequestIdInForeignError } from '../http/errors';
import { methodNotAllowed } from '../http/methods';
import { emit } from '../observability/log';
import type { Services } from '../services';
import { authenticateMcpRequest } from './authenticate';
import { mcpRefusalResponse } from './refusals';
import type { McpBackend } from './backend';

/** Serves one `/mcp` request of any method. */
export async function serveMcp(request: Request, services: Services, backend: McpBackend): Promise<Response> {
  const allowed = [...backend.methods, 'OPTIONS'];
  if (request.method === 'OPTIONS') return preflightResponse(request, allowed);
  const authentication = await authenticateMcpRequest(request, services, { countFailures: false });
  if (!authentication.ok) return mcpRefusalResponse(authentication.refusal, services.config);
  const { identity, forwardKey } = authentication;
  if (!backend.methods.some((method) => method === request.method)) {
    const response = methodNotAllowed(allowed, { cors: true });
    return request.method === 'HEAD'
      ? new Response(null, { status: response.status, headers: response.headers })
      : response;
  }
  // Counted, never logged (docs/observability.md): a line per tool call would swamp the logs.
  emit('mcp', 'served');
  const answer = await backend.serve(request, identity, forwardKey);
  if (!answer.ok) return mcpRefusalResponse(answer.refusal, services.config);
  // The SDK's own error answers (406, 415, its parse errors) carry the request id like ours.
  return answer.response.status >= 400 ? withRequestIdInForeignError(answer.response) : answer.response;
}
