import { currentRequestId } from '../observability/context';

/** RFC 9110 §15.5.6: 405 must list the allowed methods. */
export function methodNotAllowed(allow: readonly string[], extraHeaders: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: 'method_not_allowed', error_description: `Use ${allow.join(' or ')}.`, request_id: currentRequestId() }), {
    status: 405,
    headers: { Allow: allow.join(', '), 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...extraHeaders },
  });
}
