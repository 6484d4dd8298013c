/**
 * The per-request context every event reads: the request id, when the request started, and the
 * fields that deeper code learned on the way (which client, which redirect host, which key
 * fingerprint). One `AsyncLocalStorage` (Node's, which Next also hands the Edge sandbox), so
 * error builders and `emit` need no id threaded through every signature.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ClientKind } from './catalogue';
import { REQUEST_ID_HEADER, requestIdFrom } from './requestId';

/** What an event may say about the caller: never a key, token, secret, code or client id. */
export type EventFields = {
  grant?: 'authorization_code' | 'refresh_token' | 'client_credentials';
  client_kind?: ClientKind;
  /** The client's self-declared display name (registration `client_name` or CIMD document). */
  client_name?: string;
  redirect_host?: string;
  /** First 16 hex chars of SHA-256 of the key (SECURITY.md: the key goes nowhere but the upstream). */
  fingerprint?: string;
  /** A refused read-only request's JSON-RPC method and tool name (never its arguments). */
  mcp_method?: string;
  tool?: string;
};

type RequestContext = {
  readonly requestId: string;
  /** Whether the id was made here rather than taken from the request. */
  readonly generated: boolean;
  readonly startedAt: number;
  /** Whether this is the `/mcp` middleware (for the counts' `sources`). */
  readonly middleware: boolean;
  fields: EventFields;
  emitted: boolean;
};

const storage = new AsyncLocalStorage<RequestContext>();

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The current request's id, or `undefined` outside a request (unit tests, start-up). */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Adds what this layer knows about the caller to the request's next event. */
export function annotate(fields: EventFields): void {
  const context = storage.getStore();
  if (context) context.fields = { ...context.fields, ...fields };
}

function stamped(response: Response, requestId: string): Response {
  try {
    response.headers.set(REQUEST_ID_HEADER, requestId);
    return response;
  } catch {
    // Immutable headers (e.g. `Response.redirect`): copy.
    const headers = new Headers(response.headers);
    headers.set(REQUEST_ID_HEADER, requestId);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

/** A new request's context, under the incoming id when it is well-formed. */
function freshContext(incoming: string | null, middleware: boolean): RequestContext {
  const requestId = requestIdFrom(incoming);
  return {
    requestId,
    generated: requestId !== incoming,
    startedAt: performance.now(),
    middleware,
    fields: {},
    emitted: false,
  };
}

/**
 * Wraps a route handler (or, with `{ middleware: true }`, the middleware): runs it inside a fresh
 * request context and puts `X-Request-Id` on its response. A middleware pass-through
 * (`x-middleware-next`) is not stamped: the route behind it answers and stamps its own response.
 */
export function observe<R extends Request>(
  handler: (request: R) => Response | Promise<Response>,
  options: { readonly middleware?: boolean } = {},
): (request: R) => Promise<Response> {
  const middleware = options.middleware === true;
  return async (request) => {
    const context = freshContext(request.headers.get(REQUEST_ID_HEADER), middleware);
    const response = await storage.run(context, () => handler(request));
    return response.headers.has('x-middleware-next') ? response : stamped(response, context.requestId);
  };
}

/**
 * Request headers for the route behind the middleware when the middleware already logged under a
 * new id, so both walls' events share it; `null` when there is nothing to hand on (the common
 * case: a pass-through logs nothing, and rewriting request headers is not free).
 */
export function requestIdForRoute(request: Request): Headers | null {
  const context = storage.getStore();
  if (!context || !context.generated || !context.emitted) return null;
  return headersNaming(request, context.requestId);
}

function headersNaming(request: Request, requestId: string): Headers {
  const headers = new Headers(request.headers);
  headers.set(REQUEST_ID_HEADER, requestId);
  return headers;
}

/**
 * For a page behind the middleware (React pages have no route handler to wrap): the request
 * headers that name the request's id, and the id itself for the response's `X-Request-Id`.
 */
export function requestIdForPage(request: Request): { readonly headers: Headers; readonly requestId: string } {
  const context = storage.getStore();
  // The middleware runs inside `observe`, which made the context; anything else is a wiring bug.
  if (!context) throw new TypeError('requestIdForPage called outside observe()');
  return { headers: headersNaming(request, context.requestId), requestId: context.requestId };
}

/**
 * Runs a page's own work in a request context under the id its request carries (the one the
 * middleware named with `requestIdForPage`), so the events it emits carry the response's id.
 */
export function inPageContext<T>(headers: { get(name: string): string | null }, work: () => Promise<T>): Promise<T> {
  return storage.run(freshContext(headers.get(REQUEST_ID_HEADER), false), work);
}
