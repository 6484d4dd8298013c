/**
 * The request id in an error body this server did not build itself (the MCP SDK's 4xx answers):
 * a JSON-RPC error gets it in `error.data` (JSON-RPC 2.0 §5.1), any other JSON object as
 * `request_id`. Error bodies are small; anything that is not a JSON object passes unchanged.
 */
import { currentRequestId } from './context';

const MAX_ERROR_BODY = 64 * 1024;

export async function withRequestIdInJsonError(response: Response): Promise<Response> {
  const requestId = currentRequestId();
  if (!requestId || !(response.headers.get('content-type') ?? '').toLowerCase().includes('application/json')) return response;
  const text = await response.text();
  let body: unknown;
  try {
    body = text.length <= MAX_ERROR_BODY ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    const error = record.error;
    if (record.jsonrpc === '2.0' && typeof error === 'object' && error !== null && !Array.isArray(error)) {
      const data = (error as Record<string, unknown>).data;
      if (data === undefined || (typeof data === 'object' && data !== null && !Array.isArray(data))) {
        (error as Record<string, unknown>).data = { ...(data), request_id: requestId };
      }
    } else if (record.jsonrpc === undefined) {
      record.request_id = requestId;
    }
  }
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  const out = typeof body === 'object' && body !== null ? JSON.stringify(body) : text;
  return new Response(out, { status: response.status, statusText: response.statusText, headers });
}
