/**
 * Every error this server answers, one builder per wire shape:
 * - `errorJsonResponse`: the RFC 6749 §5.2 shape `{ error, error_description }` (OAuth endpoints,
 *   the bearer challenge's body, 405s, the consent form's JSON replies);
 * - `jsonRpcErrorResponse`: a JSON-RPC 2.0 §5.1 error object (what MCP clients read at `/mcp`);
 * - `errorPageResponse`: a small self-contained HTML page (the authorization flow, shown to people).
 * Each adds the request id (so a user's report can be matched to the log line, docs/observability.md),
 * `Cache-Control: no-store`, and CORS when the endpoint is one browser clients call. The bodies of
 * errors built elsewhere (the MCP SDK's) get the request id through `withRequestIdInForeignError`.
 */
import { currentRequestId } from '../observability/context';
import { MCP_CORS_HEADERS } from './cors';
import { jsonResponse } from './json';

export type ErrorResponseOptions = {
  readonly headers?: Readonly<Record<string, string>>;
  /** Whether browser-based MCP clients call this endpoint (`/mcp`, discovery): adds CORS headers. */
  readonly cors?: boolean;
};

function headersOf(options: ErrorResponseOptions): Record<string, string> {
  return { ...(options.cors ? MCP_CORS_HEADERS : {}), ...options.headers };
}

/** `{ request_id }` for the current request, or nothing outside one. */
function requestIdMember(): { request_id?: string } {
  const requestId = currentRequestId();
  return requestId ? { request_id: requestId } : {};
}

/** Error members as RFC 6749 §5.2 names them; `extra` for the few replies that carry one more (the consent form's `request`). */
export type ErrorJson = {
  readonly error: string;
  readonly error_description?: string;
  readonly extra?: Readonly<Record<string, string>>;
};

/** RFC 6749 §5.2: `{ error, error_description }`, plus the request id (§5.2 lets a response carry more members). */
export function errorJsonResponse(status: number, body: ErrorJson, options: ErrorResponseOptions = {}): Response {
  const { extra, ...members } = body;
  return jsonResponse({ ...members, ...extra, ...requestIdMember() }, status, headersOf(options));
}

/**
 * JSON-RPC 2.0 §5.1 error object with a null id (the request could not be attributed); the
 * request id rides in `error.data`.
 */
export function jsonRpcErrorResponse(
  status: number,
  code: number,
  message: string,
  options: ErrorResponseOptions = {},
): Response {
  const data = requestIdMember();
  const error = data.request_id === undefined ? { code, message } : { code, message, data };
  return jsonResponse({ jsonrpc: '2.0', id: null, error }, status, headersOf(options));
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

const PAGE_STYLE = 'font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5';
const NOTE_STYLE = 'color:#555;font-size:0.875rem';

/** A small self-contained error page, for errors shown to a person that must not be redirected. */
export function errorPageResponse(
  status: number,
  title: string,
  message: string,
  options: ErrorResponseOptions = {},
): Response {
  const requestId = currentRequestId();
  const note = requestId ? `<p style="${NOTE_STYLE}">Request id: <code>${escapeHtml(requestId)}</code></p>` : '';
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title></head><body style="${PAGE_STYLE}">` +
    `<h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p>${note}</body></html>`;
  return new Response(html, {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headersOf(options) },
  });
}

const MAX_FOREIGN_ERROR_BODY = 64 * 1024;

/**
 * A JSON error body built by someone else (the MCP SDK's 4xx answers) with the request id added
 * where ours carry it: `error.data` of a JSON-RPC error, `request_id` of any other JSON object.
 * Parsed once and serialised once; anything else (not JSON, too large, not an object) passes
 * unchanged.
 */
export async function withRequestIdInForeignError(response: Response): Promise<Response> {
  const requestId = currentRequestId();
  const type = (response.headers.get('content-type') ?? '').toLowerCase();
  if (!requestId || !type.includes('application/json')) return response;
  const text = await response.text();
  const body = text.length <= MAX_FOREIGN_ERROR_BODY ? parseObject(text) : null;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  const out = body === null ? text : JSON.stringify(addRequestId(body, requestId));
  return new Response(out, { status: response.status, statusText: response.statusText, headers });
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseObject(text: string): JsonObject | null {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

function addRequestId(body: JsonObject, requestId: string): JsonObject {
  if (body.jsonrpc === undefined) return { ...body, request_id: requestId };
  const error = body.error;
  if (body.jsonrpc !== '2.0' || !isObject(error)) return body;
  const data = error.data;
  if (data !== undefined && !isObject(data)) return body;
  return { ...body, error: { ...error, data: { ...data, request_id: requestId } } };
}
