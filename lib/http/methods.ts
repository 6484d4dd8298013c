import { currentRequestId, observe } from '../observability/context';
import { jsonResponse } from './json';

/** RFC 9110 §15.5.6: 405 must list the allowed methods. */
export function methodNotAllowed(allow: readonly string[], extraHeaders: Record<string, string> = {}): Response {
  return jsonResponse(
    { error: 'method_not_allowed', error_description: `Use ${allow.join(' or ')}.`, request_id: currentRequestId() },
    405,
    { Allow: allow.join(', '), ...extraHeaders },
  );
}

/** The handler for every method a route does not serve: 405 naming the ones it does, with a request id. */
export function notAllowedExcept(...allow: string[]): (request: Request) => Promise<Response> {
  return observe(() => methodNotAllowed(allow));
}
