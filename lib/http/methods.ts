import { observe } from '../observability/context';
import { errorJsonResponse, type ErrorResponseOptions } from './errors';

/** RFC 9110 §15.5.6: 405 must list the allowed methods. */
export function methodNotAllowed(allow: readonly string[], options: ErrorResponseOptions = {}): Response {
  return errorJsonResponse(
    405,
    { error: 'method_not_allowed', error_description: `Use ${allow.join(' or ')}.` },
    { ...options, headers: { Allow: allow.join(', '), ...options.headers } },
  );
}

/** The handler for every method a route does not serve: 405 naming the ones it does, with a request id. */
export function notAllowedExcept(...allow: string[]): (request: Request) => Promise<Response> {
  return observe(() => methodNotAllowed(allow));
}
